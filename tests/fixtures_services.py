"""Fixtures that start real processes beside the test server (SMS emulator, Celery worker).

- `sms_emulator`: the Tencent SMS emulator (its own process, one per session), reset for the test, with
  `settings.TENCENT_SMS_ENDPOINT` pointing at it. `.client` scripts failures and reads what it received.
- `celery_worker`: a real Celery worker process (threads pool) consuming this session's own queue, on the test
  database, sending to the emulator. Needs `@pytest.mark.django_db(transaction=True)`: the worker only sees
  committed rows. `.kill()` (SIGKILL), `.start()`, `.restart()`.
- `tencent_connector`: the `tenant`'s enabled Tencent connector, with credentials the emulator accepts.
- `wait_for_sms(message_id, until=...)`: poll the row until its status is one of `until`.
"""
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.sandbox_client import EmulatorClient

PROJECT_DIR = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_SECONDS = 30
WORKER_CONCURRENCY = 8
# Short, so a scripted slow answer times out fast; every other test answers in milliseconds.
WORKER_SMS_PROVIDER_TIMEOUT_SECONDS = 2
# Webhooks retried at once, a receiver that never answers given up on soon, a breaker that trips after a few
# failures and closes again shortly (tests/webhooks).
WORKER_WEBHOOK_SETTINGS = {"POSTERN_WEBHOOK_RETRY_SCHEDULE": "0.3,0.3,0.3,0.3,0.3,0.3,0.3",
                           "POSTERN_WEBHOOK_TIMEOUT": "1", "POSTERN_WEBHOOK_BREAKER_FAILURES": "3",
                           "POSTERN_WEBHOOK_BREAKER_COOLDOWN_SECONDS": "2"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Tencent SMS emulator ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningEmulator:
    url: str
    secret_id: str
    secret_key: str
    client: EmulatorClient


def _wait_until_healthy(process: subprocess.Popen, client: EmulatorClient, log) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not client.health():
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"The Tencent SMS emulator did not start:\n{log.read().decode(errors='replace')}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def sms_emulator_process():
    """One emulator process for the whole session; tests use `sms_emulator`, which also resets it."""
    port = free_port()
    secret_id, secret_key = "AKIDtest" + secrets.token_hex(4), secrets.token_urlsafe(24)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "tencent_sms_emulator", "--port", str(port),
             "--credential", f"{secret_id}={secret_key}", "--accept-anything"],  # tests script the account
            cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            client = EmulatorClient(url)
            _wait_until_healthy(process, client, log)
            yield RunningEmulator(url=url, secret_id=secret_id, secret_key=secret_key, client=client)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def sms_emulator(sms_emulator_process, settings):
    """A freshly reset emulator, with TENCENT_SMS_ENDPOINT pointing at it."""
    sms_emulator_process.client.reset()
    settings.TENCENT_SMS_ENDPOINT = sms_emulator_process.url
    return sms_emulator_process


@pytest.fixture
def tencent_config():
    """A complete Tencent connector config as an admin would enter it (credentials not accepted anywhere)."""
    return {
        "accessKeyId": "AKIDexample",
        "accessKeySecret": "example-secret-key-0000",
        "signName": "Postern",
        "region": "ap-guangzhou",
        "sdkAppId": "1400006666",
        "templates": [
            {"templateCode": "2001", "usageType": "Register"},
            {"templateCode": "2002", "usageType": "SignIn"},
            {"templateCode": "2003", "usageType": "ForgotPassword"},
            {"templateCode": "2004", "usageType": "Generic"},
        ],
    }


@pytest.fixture
def emulator_config(sms_emulator, tencent_config):
    """The Tencent config with credentials the running emulator accepts."""
    return {**tencent_config, "accessKeyId": sms_emulator.secret_id, "accessKeySecret": sms_emulator.secret_key}


@pytest.fixture
def tencent_connector(tenant, admin, emulator_config):
    """The tenant's enabled Tencent connector, sending to the emulator."""
    from connectors.services import connector_create, connector_set_enabled

    connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=emulator_config)
    return connector_set_enabled(connector=connector, enabled=True, acting_user=admin)


# --- Celery ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def celery_test_queue():
    """This session's own queue, so tests never feed (or eat from) the queue of a Postern running beside them."""
    from console.celery import app

    queue = f"postern-test-{uuid.uuid4().hex[:12]}"
    previous = settings.CELERY_TASK_DEFAULT_QUEUE, app.conf.task_default_queue
    settings.CELERY_TASK_DEFAULT_QUEUE = app.conf.task_default_queue = queue
    yield queue
    settings.CELERY_TASK_DEFAULT_QUEUE, app.conf.task_default_queue = previous
    if settings.REDIS_URL:
        forget_queue(settings.REDIS_URL, queue)


def forget_queue(redis_url: str, queue: str) -> None:
    """Remove the queue and what kombu keeps for it, including tasks a killed worker left unacknowledged."""
    import json

    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, entry in client.hscan_iter("unacked"):
        try:
            routing_key = json.loads(entry)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


class CeleryWorker:
    """A `celery worker` process that can be killed with SIGKILL and started again."""

    def __init__(self, env: dict[str, str], queue: str, log_path: Path, concurrency: int = WORKER_CONCURRENCY):
        self.env, self.queue, self.log_path, self.concurrency = env, queue, log_path, concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "console", "worker", "--pool", "threads",
                 "--concurrency", str(self.concurrency), "-Q", self.queue, "-n", f"{self.queue}@%h",
                 "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
                cwd=PROJECT_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while " ready." not in self.log(offset):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The Celery worker did not start:\n{self.log(offset)}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, unacknowledged tasks stay where the broker keeps them."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.start()

    def log(self, offset: int = 0) -> str:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


def database_url(database: dict) -> str:
    """A DATABASE_URL for another process, from a Django connection's settings."""
    credentials = quote(database["USER"] or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return (f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
            f"{quote(database['NAME'], safe='')}")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, sms_emulator_process, celery_test_queue, tmp_path_factory):
    """A real worker on the test database and this session's queue, sending to the session's emulator."""
    from django.db import connections

    database = connections["default"].settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "REDIS_URL": settings.REDIS_URL or "",
        "POSTERN_CELERY_QUEUE": celery_test_queue,
        "POSTERN_DATA_DIR": str(Path(settings.DATA_DIR).resolve()),  # the same Fernet key as this process
        "TENCENT_SMS_ENDPOINT": sms_emulator_process.url,
        "POSTERN_SMS_PROVIDER_TIMEOUT": str(WORKER_SMS_PROVIDER_TIMEOUT_SECONDS),
        **WORKER_WEBHOOK_SETTINGS,
        "PYTHONUNBUFFERED": "1",
    }
    worker = CeleryWorker(env, celery_test_queue, tmp_path_factory.mktemp("celery") / "worker.log")
    worker.start()
    try:
        yield worker
    finally:
        # Before the test database is dropped: PostgreSQL refuses to drop a database with open connections.
        worker.stop()


@pytest.fixture
def wait_for_sms():
    """wait_for_sms(message_id, until=("SENT", "FAILED"), timeout=10) -> the SmsMessage once its status is in until."""
    from connectors.models import SmsMessage

    def wait(message_id, until=("SENT", "FAILED"), timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            message = SmsMessage.objects.get(pk=message_id)
            if message.status in until:
                return message
            if time.monotonic() > deadline:
                raise AssertionError(f"SMS {message_id} is {message.status}, not {until}, after {timeout} s")
            time.sleep(0.05)

    return wait


# --- A Redis of a test's own ----------------------------------------------------------------------------------------
class ThrowawayRedis:
    """A redis-server of this test's own, keeping nothing on disk, that the test may stop, start again on the same
    port, pause (SIGSTOP: alive but not answering) and resume, without touching the shared one."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        import shutil

        import redis

        self.process = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", tempfile.gettempdir()],
                                        stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.resume()
        self.process.kill()
        self.process.wait()

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def own_redis(settings, monkeypatch):
    """Cache, rate limits and the Celery broker of this process on a Redis the test can stop and restart."""
    from console.celery import app as celery_app

    server = ThrowawayRedis()
    server.start()
    settings.CACHES = {"default": dict(settings.CACHES["default"], LOCATION=server.url)}
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    monkeypatch.setattr(celery_app, "_pool", None)
    celery_app.conf.broker_write_url = server.url
    yield server
    celery_app.conf.broker_write_url = None
    if server.process.poll() is None:
        server.stop()


@contextlib.contextmanager
def throwaway_postgres_database(prefix):
    """A PostgreSQL database of its own on the suite's server (DATABASE_URL's), dropped afterwards; yields its URL."""
    import psycopg
    from urllib.parse import urlsplit, urlunsplit

    from console import env

    parts = urlsplit(env.DATABASE_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
