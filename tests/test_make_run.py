"""`make run` with its embedded defaults — SQLite, the filesystem broker, the SMS sandbox — serves the console and
a whole OIDC session. Starts `python -m console.launcher` exactly as `make run` does, in a fresh data folder."""
import sys

import requests

from tests.launched import authorization_code, console_sign_in, demo_app_signed_in


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
