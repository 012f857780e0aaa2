"""The seed guide, scripted with Logto's own client (@logto/api from npm, unmodified) against `make run`: create the
Capacitor app with its URIs, set up, test and enable the Tencent connector against the sandbox, switch phone
sign-in on, create a user; then that user signs in with @logto/client, and suspending them through the API stops
the next sign-in."""
import re
from pathlib import Path

import pytest

from connectors.sandbox import account as sandbox
from tests.launched import sandbox_code, sandbox_sends
from tests.oidc_clients import run_logto_flow, run_management_api_flow

pytestmark = pytest.mark.node

FACTORY = "tencent-short-message-service"
REDIRECT_URI = "com.example.app://callback"
SIGN_OUT_URI = "com.example.app://callback/sign-out"
TEST_PHONE = "+8613900139077"
PASSWORD = "Shelf-life-2026"


def _provisioning(banner):
    found = re.search(r"Management API:\s+(\S+)\s+\(Provisioning appId (\w+), secret (\w+)\)", banner)
    assert found, banner
    resource, client_id, secret = found.groups()
    return {"endpoint": resource.removesuffix("/api"), "clientId": client_id, "clientSecret": secret}


def _connector_config(env):
    return {
        "accessKeyId": sandbox.SECRET_ID,
        "accessKeySecret": (Path(env["POSTERN_DATA_DIR"]) / "sms_sandbox_secret").read_text().strip(),
        "signName": sandbox.SIGN_NAME, "region": "ap-guangzhou", "sdkAppId": sandbox.SDK_APP_ID,
        "templates": [{"usageType": usage, "templateCode": code} for usage, code in sandbox.MAINLAND_TEMPLATES.items()],
    }


def _calls(result):
    assert result["ok"], result
    return {f"{call['method']} {call['path']}": call for call in result["calls"]}


def test_the_seed_guide_through_logto_api_then_the_user_signs_in_and_is_suspended(embedded):
    env, base, banner = embedded
    api = _provisioning(banner)
    sandbox_url = f"http://127.0.0.1:{env['POSTERN_SMS_SANDBOX_PORT']}"
    config = _connector_config(env)
    sent_before = sandbox_sends(sandbox_url, TEST_PHONE)

    existing = _calls(run_management_api_flow(dict(api, calls=[{"method": "GET", "path": "/api/connectors"}])))
    removals = [{"method": "DELETE", "path": "/api/connectors/{id}", "params": {"path": {"id": connector["id"]}}}
                for connector in existing["GET /api/connectors"]["data"]]
    result = run_management_api_flow(dict(api, calls=removals + [
        {"method": "POST", "path": "/api/applications", "save": {"appId": "id"}, "body": {
            "name": "Bookstore (provisioned)", "type": "Native",
            "oidcClientMetadata": {"redirectUris": [REDIRECT_URI], "postLogoutRedirectUris": [SIGN_OUT_URI]},
            "customClientMetadata": {"corsAllowedOrigins": ["capacitor://localhost", "http://localhost"]}}},
        {"method": "POST", "path": "/api/connectors/{factoryId}/test", "params": {"path": {"factoryId": FACTORY}},
         "body": {"phone": TEST_PHONE, "config": config}},
        {"method": "POST", "path": "/api/connectors", "save": {"connectorId": "id"},
         "body": {"connectorId": FACTORY, "config": config}},
        {"method": "GET", "path": "/api/connectors/{id}", "params": {"path": {"id": "$connectorId"}}},
        {"method": "PATCH", "path": "/api/sign-in-exp", "body": {
            "signUp": {"identifiers": ["phone"], "password": False, "verify": True},
            "signIn": {"methods": [
                {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False},
                {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
            ]}}},
        {"method": "POST", "path": "/api/users", "save": {"userId": "id"}, "body": {
            "username": "api-reader", "password": PASSWORD, "primaryPhone": "8613900139078", "name": "API Reader"}},
        {"method": "GET", "path": "/api/users", "params": {"query": {"search": "api-reader"}}},
    ]))
    calls = _calls(result)
    assert not result["warnings"], result["warnings"]  # the answered scope is `all`
    assert all(calls[key]["status"] == 204 for key in calls if key.startswith("DELETE"))
    app = calls["POST /api/applications"]["data"]
    assert calls["POST /api/applications"]["status"] == 200, app
    assert app["type"] == "Native" and app["oidcClientMetadata"]["redirectUris"] == [REDIRECT_URI]
    test_send = calls["POST /api/connectors/{factoryId}/test"]
    assert test_send["status"] == 204, test_send
    connector = calls["GET /api/connectors/{id}"]["data"]
    assert connector["connectorId"] == FACTORY
    assert config["accessKeySecret"] not in str(connector)
    assert calls["PATCH /api/sign-in-exp"]["status"] == 200, calls["PATCH /api/sign-in-exp"]
    assert calls["PATCH /api/sign-in-exp"]["data"]["signUp"]["identifiers"] == ["phone"]
    user = calls["POST /api/users"]["data"]
    assert calls["POST /api/users"]["status"] == 200, user
    assert user["primaryPhone"] == "8613900139078" and user["username"] == "api-reader"
    assert [found["id"] for found in calls["GET /api/users"]["data"]] == [user["id"]]
    assert sandbox_code(sandbox_url, TEST_PHONE, after=sent_before)  # the test send went through Celery

    client = {"endpoint": api["endpoint"], "appId": app["id"], "redirectUri": REDIRECT_URI,
              "postSignOutRedirectUri": SIGN_OUT_URI,
              # The page offers the phone code first (the methods above), then the password form.
              "signInSteps": [{"form": "password-form", "fill": {"identifier": "api-reader", "password": PASSWORD}}]}
    signed_in = run_logto_flow(client)
    assert signed_in["ok"], signed_in["errors"]
    assert signed_in["idTokenClaims"]["sub"] == user["id"]

    suspended = _calls(run_management_api_flow(dict(api, calls=[
        {"method": "PATCH", "path": "/api/users/{userId}/is-suspended", "params": {"path": {"userId": user["id"]}},
         "body": {"isSuspended": True}}])))
    assert suspended["PATCH /api/users/{userId}/is-suspended"]["data"]["isSuspended"] is True
    refused = run_logto_flow(client)
    assert not refused["ok"]
    assert refused.get("idTokenClaims") is None
