"""`make run` with its embedded defaults — SQLite, the filesystem broker, the SMS sandbox — serves the console and
a whole OIDC session. Starts `python -m console.launcher` exactly as `make run` does, in a fresh data folder."""
import html
import json
import re
import sys
import time

import requests

from tests.launched import _csrf, authorization_code, console_sign_in, demo_app_signed_in


def test_the_banner_tells_where_to_open_the_console_and_how_to_sign_in(embedded):
    env, base, banner = embedded
    session, signed_in = console_sign_in(base, banner)
    assert signed_in.status_code == 302
    console = session.get(base + signed_in.headers["Location"], timeout=10)
    assert console.status_code == 200 and "Bookstore" in console.text


def test_a_native_app_signs_in_refreshes_and_reads_userinfo_on_sqlite(embedded):
    env, base, _banner = embedded
    info = demo_app_signed_in(sys.executable, env)
    oidc = f"{base}/t/{info['tenant_id']}/oidc"
    assert requests.get(f"{oidc}/.well-known/openid-configuration", timeout=10).json()["token_endpoint"] \
        == f"{info['issuer']}/token"
    code, verifier = authorization_code(oidc, info)
    tokens = requests.post(f"{oidc}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": info["redirect_uri"],
        "client_id": info["client_id"], "code_verifier": verifier}, timeout=10)
    assert tokens.status_code == 200, tokens.text
    me = requests.get(f"{oidc}/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}, timeout=10)
    assert me.status_code == 200 and me.json()["sub"] == info["user_uid"]
    refreshed = requests.post(f"{oidc}/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens.json()["refresh_token"],
        "client_id": info["client_id"]}, timeout=10)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != tokens.json()["refresh_token"]


def _test_send(session, base, connector_url, *, generic_template=None):
    """The demo connector's form as saved, sent as a test (optionally with another Generic template): the finished
    status the console shows."""
    page = session.get(base + connector_url, timeout=10).text
    config = json.loads(html.unescape(re.search(r'<textarea name="config"[^>]*>(.*?)</textarea>', page, re.S)[1]))
    if generic_template:
        config["templates"] = [dict(t, templateCode=generic_template) if t["usageType"] == "Generic" else t
                               for t in config["templates"]]
    answer = session.post(base + connector_url + "/test-send", data={
        "csrfmiddlewaretoken": _csrf(page), "config": json.dumps(config), "rendered_fields": "{}",
        "phone": "+86 139 0013 9001", "name": ""},
        headers={"Accept": "application/json", "Referer": base + connector_url}, timeout=10)
    assert answer.status_code == 202, answer.text
    deadline = time.monotonic() + 30
    while True:
        status = session.get(base + answer.json()["message"]["status_url"], timeout=10).json()
        if status["finished"] or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def test_the_sandbox_accepts_the_demo_connector_and_refuses_an_unapproved_template(embedded):
    env, base, banner = embedded
    session, _signed_in = console_sign_in(base, banner)
    tenant_id = re.search(r"/t/([^/\s]+)\s", banner)[1]
    connectors = session.get(f"{base}/console/t/{tenant_id}/connectors", timeout=10).text
    connector_url = re.search(rf'href="(/console/t/{tenant_id}/connectors/\d+)"', connectors)[1]

    sent = _test_send(session, base, connector_url)
    refused = _test_send(session, base, connector_url, generic_template="999999")

    assert sent["status"] == "SENT", sent
    assert (refused["status"], refused["error_code"]) == ("FAILED", "FailedOperation.TemplateIncorrectOrUnapproved")
    inbox = requests.get(env.get("POSTERN_SMS_SANDBOX_INBOX_URL") or re.search(r"SMS sandbox:\s+(\S+)", banner)[1],
                         timeout=10).text
    assert "999999" in inbox.split('id="refused"')[1] and "+8613900139001" in inbox.split('id="refused"')[0]
