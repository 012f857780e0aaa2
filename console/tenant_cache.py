"""Per-tenant reads that many requests make — the tenant itself, its signing key and JWKS, the sign-in experience,
the enabled SMS connector, the CORS origins — kept in the shared cache (Redis) and dropped whenever one of their
rows changes, for every process (the cache is shared).

A cache GET costs a fraction of the ORM query it replaces (query compilation is most of it, profiled on the
send-code and token endpoints); the entry is deleted at the change and again once the change is committed, so a
reader that refilled it from the old row in between is overwritten.

The database stays the truth: while the shared cache cannot be reached, reads go to the database and a change
that cannot drop its entry is logged, the entry then lasting at most its TTL. So an outage of Redis slows these
reads down instead of failing every token, userinfo and sign-in page request.

A read may also keep its value a few seconds in process memory (`local_seconds`) when acting on a value that old is
harmless; the process that makes the change drops its copy at once, the others within those seconds.
"""
import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# What redis-py raises when the server is down or unreachable (it also lets some socket errors through).
CACHE_UNREACHABLE = (RedisError, ConnectionError, TimeoutError)

TTL_SECONDS = 300
LOCAL_MAX_ENTRIES = 10_000
_NOTHING = "__nothing__"  # a cached "there is none"
_local = {}  # (name, tenant_id) -> (expires, value)


def _key(name, tenant_id):
    return f"tenant-read:{name}:{tenant_id}"


def read(name, tenant_id, load, *, ttl=TTL_SECONDS, local_seconds=0):
    """The cached value of `load()` for this tenant (None included)."""
    if local_seconds:
        hit = _local.get((name, tenant_id))
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    key = _key(name, tenant_id)
    cached = _shared(cache.get, key)
    if cached is None:
        value = load()
        _shared(cache.set, key, _NOTHING if value is None else value, ttl)
    else:
        value = None if cached == _NOTHING else cached
    if local_seconds:
        if len(_local) >= LOCAL_MAX_ENTRIES:
            _local.clear()
        _local[(name, tenant_id)] = (time.monotonic() + local_seconds, value)
    return value


def forget(name, tenant_id):
    _local.pop((name, tenant_id), None)
    key = _key(name, tenant_id)
    _drop(key)
    transaction.on_commit(lambda: _drop(key))


def _drop(key):
    _shared(cache.delete, key)


def _shared(operation, key, *args):
    """The shared cache's answer, or None when it cannot be reached (then the database answers)."""
    try:
        return operation(key, *args)
    except CACHE_UNREACHABLE:
        logger.warning("Shared cache unreachable: %s %s skipped (reads use the database, entries expire by TTL)",
                       operation.__name__, key)
        return None


def forget_when_changed(model, name, tenant_id_of=lambda row: row.tenant_id):
    """Drop `name` for the row's tenant whenever a `model` row is saved or deleted (cascades included)."""

    def changed(sender, instance, **kwargs):
        forget(name, tenant_id_of(instance))

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"tenant-cache-{name}-save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"tenant-cache-{name}-delete")
