"""Shared fixtures: factories for admins, tenants, apps and end users; a clean cache per test."""

import itertools
import secrets
import sys

import pytest
from django.conf import settings
from django.core.cache import cache

from console.accounts.models import User
from console.applications.services import application_create
from console.tenants.services import tenant_create

pytest_plugins = ["tests.fixtures_services"]

_seq = itertools.count()
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _clean_cache(request):
    """Forget rate-limit counters and cached documents between tests (never the Celery queues)."""
    if settings.REDIS_URL:
        client = cache._cache.get_client()
        keys = list(client.scan_iter(match=":*", count=1000))
        if keys:
            client.delete(*keys)
    elif "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        cache.clear()
    yield


@pytest.fixture(scope="session")
def embedded(tmp_path_factory):
    """`make run` on its embedded defaults (SQLite, filesystem broker, SMS sandbox) in a fresh data folder:
    (env, base URL, banner)."""
    # Imported here: tests.launched imports tests.fixtures_services, which must first be loaded as a plugin.
    from tests.launched import Launched, embedded_env

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


@pytest.fixture
def make_admin(db):
    def make(username=None, password=PASSWORD):
        return User.objects.create_admin(username=username or f"admin{next(_seq)}", password=password)

    return make


@pytest.fixture
def make_tenant(db):
    def make(owner, name="Acme"):
        return tenant_create(name=name, tag="development", acting_user=owner)

    return make


@pytest.fixture
def make_app(db):
    def make(tenant, owner, framework="capacitor-js", name="Bookstore", **kwargs):
        kwargs.setdefault("redirect_uris", ["com.example.app://callback"])
        kwargs.setdefault("post_logout_redirect_uris", ["com.example.app://callback/sign-out"])
        app, secret = application_create(tenant=tenant, name=name, framework=framework, acting_user=owner, **kwargs)
        app.plaintext_secret = secret
        return app

    return make


@pytest.fixture
def make_end_user(db):
    def make(tenant, username=None, password=PASSWORD, **fields):
        user = User(tenant=tenant, username=username or f"user{next(_seq)}", **fields)
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def admin(make_admin):
    return make_admin("alice")


@pytest.fixture
def tenant(make_tenant, admin):
    return make_tenant(admin)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def encryption_keys(settings):
    """use(keys): run with these POSTERN_ENCRYPTION_KEYS (the first encrypts), as a key rotation does."""
    from console import crypto

    def use(keys):
        settings.ENCRYPTION_KEYS = keys
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()
