"""Persistent database connections survive the server closing them (console.pg's health check), and keep the
token endpoints' statements prepared."""
import time

import psycopg
import pytest
from django.core import signals
from django.db import connection

from console.oidc import gate


@pytest.fixture
def backend_pid(transactional_db):
    """The PostgreSQL backend serving this thread's persistent connection, opened now."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def _pid_seen_by_next_request():
    signals.request_started.send(sender=None)  # what every request starts with
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        signals.request_finished.send(sender=None)


def test_a_connection_the_server_closed_is_replaced_before_the_next_request_uses_it(backend_pid):
    old_pid = backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")},
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    time.sleep(0.3)

    assert _pid_seen_by_next_request() != old_pid


def test_a_quiet_healthy_connection_is_kept(backend_pid):
    assert _pid_seen_by_next_request() == backend_pid


def test_the_redis_cache_reuses_one_client():
    from django.conf import settings
    from django.core.cache import cache

    if not settings.REDIS_URL:
        pytest.skip("Redis only")
    cache.set("postern-test-key", {"a": 1}, 5)
    assert cache.get("postern-test-key") == {"a": 1}
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


@pytest.mark.django_db
def test_the_token_endpoints_reads_are_prepared_once_per_connection():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    for _ in range(2):
        assert gate.access_token_at(None, "no-such-token") is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert [s for s in prepared if "oauth2_provider_accesstoken" in s and "token_checksum" in s], prepared
