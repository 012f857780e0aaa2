"""`make run` with its embedded defaults — SQLite, the filesystem broker, the SMS sandbox — serves the console and
a whole OIDC session. Starts `python -m console.launcher` exactly as `make run` does, in a fresh data folder."""
import base64
import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.fixtures_services import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    data = tmp_path_factory.mktemp("make-run")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "TENCENT_SMS_ENDPOINT", "POSTERN_SMS_SANDBOX_INBOX_URL",
                        "POSTERN_PUBLIC_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(PORT=str(free_port()), POSTERN_DATA_DIR=str(data), POSTERN_SMS_SANDBOX_PORT=str(free_port()),
               WEB_CONCURRENCY="1", WEB_THREADS="4", CELERY_CONCURRENCY="4", CELERY_WORKERS="1")
    # A sandbox secret from an earlier run, starting with "-" as one in 64 generated secrets do: the launcher must
    # still hand it to seed_demo as a value, not as an option.
    (data / "sms_sandbox_secret").write_text("-" + secrets.token_urlsafe(24))
    log_path = data / "launcher.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "console.launcher"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "Press Ctrl-C" not in log_path.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        base = f"http://127.0.0.1:{env['PORT']}"
        while True:
            try:
                requests.get(base + "/", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(0.2)
        yield env, base, log_path.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # what Ctrl-C in a terminal does: the launcher and its children
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_the_banner_tells_where_to_open_the_console_and_how_to_sign_in(embedded):
    env, base, banner = embedded
    console_url = re.search(r"Open the console: (\S+)", banner).group(1)
    username, password = re.search(r"Sign in as:\s+(\S+) / (\S+)", banner).groups()
    session = requests.Session()
    login_page = session.get(console_url, timeout=10)
    assert login_page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    signed_in = session.post(login_page.url, data={"csrfmiddlewaretoken": token, "username": username,
                                                   "password": password}, headers={"Referer": login_page.url},
                             timeout=10)
    assert signed_in.status_code == 200 and "Bookstore" in signed_in.text


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
