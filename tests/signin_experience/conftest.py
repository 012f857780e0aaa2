import pytest

from signin_experience.models import SignInExperience


@pytest.fixture
def phone_experience(tenant, tencent_connector):
    """The seed guide's setup: phone sign-up (verify on, no password), phone + verification code sign-in."""
    experience = SignInExperience.objects.get(tenant=tenant)
    experience.sign_up = {"identifiers": ["phone"], "password": False, "verify": True}
    experience.sign_in = {"methods": [
        {"identifier": "phone", "password": True, "verificationCode": True, "isPasswordPrimary": False},
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
    ]}
    experience.forgot_password_methods = ["PhoneVerificationCode"]
    experience.save()
    return experience


@pytest.fixture
def app(tenant, admin, make_app):
    return make_app(tenant, admin)


class ThrowawayRedis:
    """A redis-server of this test's own, so it can be stopped without touching the shared one."""

    def __init__(self):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        import shutil
        import subprocess
        import time

        import redis

        self.process = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.kill()
        self.process.wait()


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
