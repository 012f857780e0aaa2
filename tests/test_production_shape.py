"""The documented production shape — PostgreSQL (`DATABASE_URL`) + Redis (`REDIS_URL`) — started by the launcher
`make run` uses, from a venv that holds requirements.txt and nothing else, survives what production does to it:
Redis stopped, Redis hung, a worker killed, a stop from the terminal.

The Redis here is the test's own redis-server, stopped and paused at will; the shared one is never touched.
The tests share one launcher and run in file order (each leaves it serving for the next).
"""
import hashlib
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests.fixtures_services import ThrowawayRedis, throwaway_postgres_database
from tests.launched import (HostedSignIn, Launched, TcpGate, console_sign_in, embedded_env, phone_code_sign_in,
                            refresh, sandbox_sends)

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_VENVS = ROOT / "data" / "runtime-venvs"


def runtime_venv():
    """A venv with requirements.txt alone (no test tools), one per version of the file, kept between runs."""
    requirements = (ROOT / "requirements.txt").read_bytes()
    venv = RUNTIME_VENVS / hashlib.sha256(requirements).hexdigest()[:16]
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r",
                        str(ROOT / "requirements.txt")], check=True)
        (venv / ".installed").touch()
    return python


@pytest.fixture(scope="module")
def database():
    """A PostgreSQL database of its own on the suite's server, dropped afterwards."""
    with throwaway_postgres_database("postern_prod") as url:
        yield url


@pytest.fixture(scope="module")
def redis_server():
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def database_gate(database):
    """Postern reaches PostgreSQL through a gate the tests can cut."""
    parts = urlsplit(database)
    gate = TcpGate(parts.port or 5432, parts.hostname or "127.0.0.1")
    gate.url = urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{gate.port}"))
    yield gate
    gate.cut()


@pytest.fixture(scope="module")
def postern(tmp_path_factory, database_gate, redis_server):
    data = tmp_path_factory.mktemp("production")
    # Behind "a proxy" on loopback, so that each simulated person can come from an address of their own.
    env = embedded_env(data, DATABASE_URL=database_gate.url, REDIS_URL=redis_server.url,
                       POSTERN_TRUSTED_PROXIES="127.0.0.1")
    launched = Launched(runtime_venv(), env, data / "launcher.log")
    endpoint, app_id = re.search(r"Demo tenant:\s+(\S+)\s+\(Bookstore appId (\S+)\)", launched.banner).groups()
    launched.endpoint, launched.app_id = endpoint, app_id
    launched.sandbox = f"http://127.0.0.1:{env['POSTERN_SMS_SANDBOX_PORT']}"
    try:
        yield launched
    finally:
        launched.stop()


PHONES = (f"+86139{n:08d}" for n in itertools.count(20_000_000))


def test_the_runtime_venv_holds_requirements_txt_alone(postern):
    python = runtime_venv()
    installed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True,
                               text=True, check=True).stdout.lower()
    assert "pytest" not in installed and "hypothesis" not in installed and "playwright" not in installed
    assert "kombu==" in installed and "packaging==" in installed


def test_console_sign_in_phone_code_sign_in_and_refresh(postern):
    session, signed_in = console_sign_in(postern.base, postern.banner)
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert "Bookstore" in session.get(postern.base + signed_in.headers["Location"], timeout=10).text
    tokens = phone_code_sign_in(postern.endpoint, postern.app_id, postern.sandbox, next(PHONES))
    refreshed = refresh(postern.endpoint, postern.app_id, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != tokens["refresh_token"]


def signed_in_everywhere(postern):
    """An app's tokens from a phone-code sign-in, a signed-in console admin, and a person on the sign-in page."""
    tokens = phone_code_sign_in(postern.endpoint, postern.app_id, postern.sandbox, next(PHONES))
    admin, _signed_in = console_sign_in(postern.base, postern.banner)
    flow = HostedSignIn(postern.endpoint, postern.app_id)
    flow.open()
    return tokens, admin, flow


def a_phone_code_sign_in_works_within(postern, *, seconds):
    deadline = time.monotonic() + seconds
    while True:
        try:
            phone_code_sign_in(postern.endpoint, postern.app_id, postern.sandbox, next(PHONES), timeout=5)
            return
        except AssertionError:
            assert time.monotonic() < deadline, postern.log()[-4000:]
            time.sleep(1)


def test_a_redis_outage_costs_send_code_only_and_heals_without_a_restart(postern, redis_server):
    tokens, admin, flow = signed_in_everywhere(postern)
    redis_server.stop()
    try:
        outage_ends = time.monotonic() + 5
        console = admin.get(f"{postern.base}/console/", timeout=5)
        assert console.status_code == 200 and "Bookstore" in console.text
        _session, signed_in = console_sign_in(postern.base, postern.banner, timeout=5)
        assert signed_in.status_code in (302, 503), signed_in.text[:500]
        assert requests.get(f"{postern.endpoint}/oidc/jwks", timeout=5).status_code == 200
        assert requests.get(f"{postern.endpoint}/oidc/.well-known/openid-configuration", timeout=5).status_code == 200
        refreshed = refresh(postern.endpoint, postern.app_id, tokens["refresh_token"], timeout=5)
        assert refreshed.status_code == 200, refreshed.text
        me = requests.get(f"{postern.endpoint}/oidc/me", timeout=5,
                          headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"})
        assert me.status_code == 200
        assert flow.session.get(flow.page_url, timeout=5).status_code == 200
        refused = flow.send_code(next(PHONES), timeout=5)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert "try again" in refused.text.lower()
        time.sleep(max(0.0, outage_ends - time.monotonic()))
    finally:
        redis_server.start()
    a_phone_code_sign_in_works_within(postern, seconds=30)
    assert "exited" not in postern.log() and "killed" not in postern.log(), postern.log()[-4000:]


def test_a_hung_redis_answers_503_within_3_seconds_and_the_console_still_signs_in(postern, redis_server):
    flow = HostedSignIn(postern.endpoint, postern.app_id)
    flow.open()
    redis_server.pause()
    try:
        started = time.monotonic()
        sent = flow.send_code(next(PHONES), timeout=10)
        assert (sent.status_code, time.monotonic() - started < 3) == (503, True), time.monotonic() - started
        started = time.monotonic()
        signed_in = flow.password("nobody", "wrong password", timeout=10)
        assert (signed_in.status_code, time.monotonic() - started < 3) == (503, True), time.monotonic() - started
        started = time.monotonic()
        _session, console = console_sign_in(postern.base, postern.banner, timeout=10)
        assert console.status_code in (302, 503) and time.monotonic() - started < 5, console.text[:300]
        assert requests.get(f"{postern.endpoint}/oidc/jwks", timeout=5).status_code == 200
    finally:
        redis_server.resume()
    deadline = time.monotonic() + 30
    while phone_attempt(postern) != 302:
        assert time.monotonic() < deadline, postern.log()[-4000:]
        time.sleep(1)


def phone_attempt(postern):
    flow = HostedSignIn(postern.endpoint, postern.app_id)
    flow.open()
    return flow.send_code(next(PHONES)).status_code


def test_a_database_outage_answers_503_not_500_and_heals_without_a_restart(postern, database_gate):
    tokens, admin, flow = signed_in_everywhere(postern)
    database_gate.cut()
    try:
        console = admin.get(f"{postern.base}/console/", timeout=10)
        assert console.status_code == 503 and console.headers["Retry-After"], console.text[:300]
        assert flow.session.get(flow.page_url, timeout=10).status_code == 503
        refreshed = refresh(postern.endpoint, postern.app_id, tokens["refresh_token"])
        assert (refreshed.status_code, refreshed.json()["error"]) == (503, "temporarily_unavailable")
        me = requests.get(f"{postern.endpoint}/oidc/me", timeout=10,
                          headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 503
    finally:
        database_gate.restore()
    a_phone_code_sign_in_works_within(postern, seconds=30)
    assert refresh(postern.endpoint, postern.app_id, tokens["refresh_token"]).status_code == 200
    assert admin.get(f"{postern.base}/console/", timeout=10).status_code == 200


def test_a_killed_worker_is_restarted_and_every_queued_code_is_sent_once(postern):
    worker = postern.child_pid("celery -A console worker")
    beat = postern.child_pid("celery -A console beat")
    os.kill(worker, signal.SIGKILL)
    os.kill(beat, signal.SIGKILL)
    phones = [next(PHONES) for _ in range(5)]
    for phone in phones:  # queued while no worker is running
        flow = HostedSignIn(postern.endpoint, postern.app_id)
        flow.open()
        assert flow.send_code(phone).status_code == 302
    deadline = time.monotonic() + 30
    while not all(sandbox_sends(postern.sandbox, phone) for phone in phones):
        assert time.monotonic() < deadline, postern.log()[-4000:]
        time.sleep(0.5)
    time.sleep(2)  # a second delivery of any of them would arrive by now
    assert [sandbox_sends(postern.sandbox, phone) for phone in phones] == [1] * 5
    log = postern.log()
    assert f"worker1 (pid {worker}) was killed by SIGKILL" in log and f"beat (pid {beat}) was killed by SIGKILL" in log
    assert worker not in postern.children() and postern.child_pid("celery -A console beat") != beat


def test_sigterm_stops_everything_within_10_seconds_and_leaves_no_orphan(postern):
    children = postern.children()
    assert len(children) >= 4  # sandbox, web, worker, beat
    groups = list(children)
    started = time.monotonic()
    os.kill(postern.process.pid, signal.SIGTERM)
    time.sleep(0.3)
    os.kill(postern.process.pid, signal.SIGTERM)  # impatient: a second Ctrl-C must not cut the stop short
    assert postern.process.wait(timeout=15) == 0, postern.log()[-3000:]
    assert time.monotonic() - started < 10
    time.sleep(0.5)
    left = [pid for pid in _all_pids() if _pgid(pid) in groups]
    assert left == []


def _all_pids():
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _pgid(pid):
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except OSError:
        return None
