"""Postern started the way `make run` starts it (`python -m console.launcher`), and what a person does with it
over HTTP: the console sign-in, a phone-code sign-in on the hosted page through the SMS sandbox, tokens.

Also a TCP gate in front of a server, to cut it off from Postern and bring it back.
"""
import base64
import hashlib
import itertools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from tests.fixtures_services import free_port

ROOT = Path(__file__).resolve().parent.parent
BANNER_DONE = "Press Ctrl-C"
REDIRECT_URI = "com.example.app://callback"
_CLIENT_ADDRESSES = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


class Launched:
    """A running launcher in a session of its own; `stop()` is what Ctrl-C does."""

    def __init__(self, python, env, log_path, *, startup_seconds=180):
        self.env, self.log_path = env, log_path
        self.base = f"http://127.0.0.1:{env['PORT']}"
        with open(log_path, "w") as log:
            self.process = subprocess.Popen([str(python), "-m", "console.launcher"], cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + startup_seconds
        while BANNER_DONE not in self.log():
            assert self.process.poll() is None and time.monotonic() < deadline, self.log()[-4000:]
            time.sleep(0.2)
        self.wait_until_serving(deadline)
        self.banner = self.log()

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, deadline):
        while True:
            try:
                requests.get(self.base + "/", timeout=2)
                return
            except requests.RequestException:
                assert time.monotonic() < deadline, self.log()[-4000:]
                time.sleep(0.2)

    def children(self):
        """{pid: command line} of the launcher's direct children."""
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                found[int(entry.name)] = cmdline
        return found

    def child_pid(self, marker):
        [pid] = [pid for pid, cmdline in self.children().items() if marker in cmdline]
        return pid

    def stop(self, timeout=20):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # what Ctrl-C in a terminal does
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                raise


def embedded_env(data_dir, **extra):
    """The environment of a `make run` on a new machine: nothing set but ports, a data folder and small pools."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "TENCENT_SMS_ENDPOINT", "POSTERN_SMS_SANDBOX_INBOX_URL",
                        "POSTERN_PUBLIC_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    env.update(PORT=str(free_port()), POSTERN_DATA_DIR=str(data_dir), POSTERN_SMS_SANDBOX_PORT=str(free_port()),
               WEB_CONCURRENCY="1", WEB_THREADS="4", CELERY_CONCURRENCY="4", CELERY_WORKERS="1", **extra)
    return env


class TcpGate:
    """A TCP forwarder to a server (PostgreSQL, say) that a test can cut — every connection dropped, new ones
    refused — and restore on the same port: an outage of that server as its clients see it."""

    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets = set()
        self._listener = None
        self.restore()

    def restore(self):
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR: the same port again
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        with self._lock:
            listener, self._listener = self._listener, None
            doomed, self._sockets = self._sockets, set()
        listener.close()
        for sock in doomed:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener):
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _csrf(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def console_sign_in(base, banner, *, timeout=10):
    """Signs in as the banner's admin; the browser session and its answer to the sign-in POST (not followed)."""
    console_url = re.search(r"Open the console: (\S+)", banner).group(1)
    username, password = re.search(r"Sign in as:\s+(\S+) / (\S+)", banner).groups()
    session = requests.Session()
    page = session.get(console_url, timeout=timeout)
    return session, session.post(page.url, data={"csrfmiddlewaretoken": _csrf(page.text), "username": username,
                                                 "password": password},
                                 headers={"Referer": page.url}, allow_redirects=False, timeout=timeout)


@dataclass
class HostedSignIn:
    """An app's authorization request and the browser that follows it through the hosted sign-in page."""

    endpoint: str  # <base>/t/<tenant-id>
    client_id: str
    session: requests.Session = field(default_factory=requests.Session)
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    page_url: str = ""

    def __post_init__(self):
        # Each person comes from an address of their own, through the proxy the launched Postern trusts
        # (POSTERN_TRUSTED_PROXIES=127.0.0.1): per-network limits count people, as behind a real proxy.
        self.session.headers["X-Forwarded-For"] = next(_CLIENT_ADDRESSES)

    def open(self, *, timeout=10):
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        answer = self.session.get(f"{self.endpoint}/oidc/auth", params={
            "client_id": self.client_id, "redirect_uri": REDIRECT_URI, "response_type": "code",
            "scope": "openid offline_access phone", "code_challenge": challenge, "code_challenge_method": "S256",
            "state": "s1", "prompt": "consent"}, allow_redirects=False, timeout=timeout)
        assert answer.status_code == 302, answer.text[:500]
        page = self.session.get(self.endpoint.split("/t/")[0] + answer.headers["Location"], timeout=timeout)
        self.page_url = page.url
        return page

    def post(self, path, data, *, timeout=10):
        """POSTs a hosted-page form (path relative to the tenant endpoint) with the page's query string."""
        page = self.session.get(self.page_url, timeout=timeout)
        query = urlsplit(self.page_url).query
        return self.session.post(f"{self.endpoint}/{path}?{query}",
                                 data={"csrfmiddlewaretoken": _csrf(page.text), **data},
                                 headers={"Referer": self.page_url}, allow_redirects=False, timeout=timeout)

    def send_code(self, phone, *, timeout=10):
        return self.post("sign-in/code", {"phone": phone, "agree": "on"}, timeout=timeout)

    def password(self, identifier, password, *, timeout=10):
        return self.post("sign-in", {"identifier": identifier, "password": password}, timeout=timeout)

    def verify(self, code, *, timeout=10):
        query = urlsplit(self.page_url).query
        page = self.session.get(f"{self.endpoint}/sign-in/verify?{query}", timeout=timeout)
        return self.session.post(f"{self.endpoint}/sign-in/verify?{query}",
                                 data={"csrfmiddlewaretoken": _csrf(page.text), "code": code},
                                 headers={"Referer": page.url}, allow_redirects=False, timeout=timeout)

    def exchange(self, signed_in, *, timeout=10):
        """The app's code exchange for the 302 that ended the sign-in."""
        assert signed_in.status_code == 302 and signed_in.headers["Location"].startswith(REDIRECT_URI), \
            (signed_in.status_code, signed_in.headers.get("Location"), signed_in.text[:500])
        code = parse_qs(urlsplit(signed_in.headers["Location"]).query)["code"][0]
        tokens = requests.post(f"{self.endpoint}/oidc/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_id": self.client_id, "code_verifier": self.verifier}, timeout=timeout)
        assert tokens.status_code == 200, tokens.text
        return tokens.json()


def demo_app_signed_in(python, env):
    """bench/postern_setup.py against a launched Postern: the demo tenant, its app and a signed-in end user's
    session cookie (one JSON dict)."""
    setup = subprocess.run([str(python), str(ROOT / "bench" / "postern_setup.py")], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True)
    return json.loads(setup.stdout.strip().splitlines()[-1])


def authorization_code(oidc, info, *, scope="openid offline_access profile", timeout=10):
    """(code, verifier) from the real authorization endpoint, for the session of `demo_app_signed_in`."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    name, value = info["cookie"].split("=", 1)
    authorized = requests.get(f"{oidc}/auth", params={
        "client_id": info["client_id"], "redirect_uri": info["redirect_uri"], "response_type": "code",
        "scope": scope, "code_challenge": challenge, "code_challenge_method": "S256",
        "state": "s1", "prompt": "consent"}, cookies={name: value}, allow_redirects=False, timeout=timeout)
    assert authorized.status_code == 302, authorized.text[:500]
    return parse_qs(urlsplit(authorized.headers["Location"]).query)["code"][0], verifier


def refresh(endpoint, client_id, refresh_token, *, timeout=10):
    return requests.post(f"{endpoint}/oidc/token", data={"grant_type": "refresh_token",
                                                          "refresh_token": refresh_token, "client_id": client_id},
                         timeout=timeout)


def sandbox_code(sandbox_url, phone, *, seconds=30, after=0):
    """The code in the newest SMS the sandbox received for `phone` (waiting for more than `after` of them)."""
    deadline = time.monotonic() + seconds
    while True:
        records = requests.get(f"{sandbox_url}/__emulator__/requests", params={"phone": phone}, timeout=5).json()
        if len(records) > after:
            return records[-1]["params"]["TemplateParamSet"][0]
        assert time.monotonic() < deadline, f"no SMS for {phone} within {seconds} s"
        time.sleep(0.2)


def sandbox_sends(sandbox_url, phone):
    return len(requests.get(f"{sandbox_url}/__emulator__/requests", params={"phone": phone}, timeout=5).json())


def phone_code_sign_in(endpoint, client_id, sandbox_url, phone, *, timeout=10):
    """A whole phone-code sign-in (registering the number if new); the app's tokens."""
    flow = HostedSignIn(endpoint, client_id)
    flow.open(timeout=timeout)
    before = sandbox_sends(sandbox_url, phone)
    sent = flow.send_code(phone, timeout=timeout)
    assert sent.status_code == 302, (sent.status_code, sent.headers.get("X-Postern-Error"), sent.text[:300])
    code = sandbox_code(sandbox_url, phone, after=before)
    return flow.exchange(flow.verify(code, timeout=timeout), timeout=timeout)
