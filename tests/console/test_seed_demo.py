"""`manage.py seed_demo --json`: the interface outside scripts rely on."""
import io
import json

import pytest
from django.core.management import call_command

from connectors.models import Connector
from console.accounts.models import User
from console.applications.models import Application
from signin_experience.models import SignInExperience

pytestmark = pytest.mark.django_db
KEYS = {"console_url", "admin_username", "admin_password", "tenant_id", "endpoint", "app_id", "redirect_uri",
        "post_logout_redirect_uri", "demo_username", "demo_user_password", "m2m_app_id", "m2m_app_secret",
        "management_api_resource"}
SMS = ["--sms-access-key-id", "AKIDdemo", "--sms-access-key-secret", "demo-secret-123456", "--sms-sdk-app-id",
       "1400000000", "--sms-sign-name", "Postern"]


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--json", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_seed_is_idempotent_and_prints_the_documented_keys(settings):
    first = seed()
    assert set(first) == KEYS
    assert first["admin_password"] and first["demo_user_password"]
    assert first["endpoint"] == f"{settings.PUBLIC_URL}/t/{first['tenant_id']}"
    app = Application.objects.get(client_id=first["app_id"])
    assert app.redirect_uri_list == ["com.example.app://callback"]
    assert app.post_logout_redirect_uri_list == ["com.example.app://callback/sign-out"]
    admin = User.objects.get(username="admin", is_console_admin=True)
    assert admin.check_password(first["admin_password"])
    second = seed()
    assert second["admin_password"] is None and second["demo_user_password"] is None
    assert (second["tenant_id"], second["app_id"]) == (first["tenant_id"], first["app_id"])
    assert second["m2m_app_id"] == first["m2m_app_id"] and second["m2m_app_secret"] is None
    assert Application.objects.count() == 2


def test_the_provisioning_app_gets_a_management_api_token(client):
    result = seed()
    assert result["management_api_resource"] == f"{result['endpoint']}/api"
    response = client.post(f"/t/{result['tenant_id']}/oidc/token", {
        "grant_type": "client_credentials", "client_id": result["m2m_app_id"],
        "client_secret": result["m2m_app_secret"], "resource": result["management_api_resource"], "scope": "all"})
    assert response.status_code == 200 and response.json()["scope"] == "all"
    listed = client.get(f"/t/{result['tenant_id']}/api/applications",
                        HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    assert {app["name"] for app in listed.json()} == {"Bookstore", "Provisioning"}


def test_sms_options_enable_tencent_and_phone_sign_in():
    result = seed(*SMS)
    assert result["sms_templates"].keys() == {"Register", "SignIn", "ForgotPassword", "Generic"}
    connector = Connector.objects.get(tenant_id=result["tenant_id"])
    assert connector.enabled and connector.provider == "tencent"
    experience = SignInExperience.objects.get(tenant_id=result["tenant_id"])
    assert experience.sign_up == {"identifiers": ["phone"], "password": False, "verify": True}
    assert experience.sign_in["methods"][0] == {"identifier": "phone", "password": False, "verificationCode": True,
                                                "isPasswordPrimary": False}
    seed(*SMS)
    assert Connector.objects.filter(tenant_id=result["tenant_id"]).count() == 1
