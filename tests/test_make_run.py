"""`make run` with its embedded defaults — SQLite, the filesystem broker, the SMS sandbox — serves the console and
a whole OIDC session. Starts `python -m console.launcher` exactly as `make run` does, in a fresh data folder."""
import base64
import hashlib
import json
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.launched import Launched, console_sign_in, embedded_env

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    data = tmp_path_factory.mktemp("make-run")
    env = embedded_env(data)
    # A sandbox secret from an earlier run, starting with "-" as one in 64 generated secrets do: the launcher must
    # still hand it to seed_demo as a value, not as an option.
    (data / "sms_sandbox_secret").write_text("-" + secrets.token_urlsafe(24))
    launched = Launched(sys.executable, env, data / "launcher.log")
    try:
        yield env, launched.base, launched.banner
    finally:
        launched.stop()


def test_the_banner_tells_where_to_open_the_console_and_how_to_sign_in(embedded):
    env, base, banner = embedded
    session, signed_in = console_sign_in(base, banner)
    assert signed_in.status_code == 302
    console = session.get(base + signed_in.headers["Location"], timeout=10)
    assert console.status_code == 200 and "Bookstore" in console.text


def test_a_native_app_signs_in_refreshes_and_reads_userinfo_on_sqlite(embedded):
    env, base, _banner = embedded
    setup = subprocess.run([sys.executable, str(ROOT / "bench" / "postern_setup.py")], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True)
    info = json.loads(setup.stdout.strip().splitlines()[-1])
    oidc = f"{base}/t/{info['tenant_id']}/oidc"
    assert requests.get(f"{oidc}/.well-known/openid-configuration", timeout=10).json()["token_endpoint"] \
        == f"{info['issuer']}/token"
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    name, value = info["cookie"].split("=", 1)
    authorized = requests.get(f"{oidc}/auth", params={
        "client_id": info["client_id"], "redirect_uri": info["redirect_uri"], "response_type": "code",
        "scope": "openid offline_access profile", "code_challenge": challenge, "code_challenge_method": "S256",
        "state": "s1", "prompt": "consent"}, cookies={name: value}, allow_redirects=False, timeout=10)
    assert authorized.status_code == 302, authorized.text[:500]
    code = parse_qs(urlsplit(authorized.headers["Location"]).query)["code"][0]
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
