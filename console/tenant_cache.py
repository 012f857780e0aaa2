"""Per-tenant reads that many requests make — the tenant itself, its signing key and JWKS, the sign-in experience,
the enabled SMS connector, the CORS origins — kept in the shared cache (Redis) and dropped whenever one of their
rows changes, for every process (the cache is shared).

A cache GET costs a fraction of the ORM query it replaces (query compilation is most of it, profiled on the
send-code and token endpoints); the entry is deleted at the change and again once the change is committed, so a
reader that refilled it from the old row in between is overwritten.

A read may also keep its value a few seconds in process memory (`local_seconds`) when acting on a value that old is
harmless; the process that makes the change drops its copy at once, the others within those seconds.
"""
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

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
    value = cache.get(_key(name, tenant_id))
    if value is None:
        value = load()
        cache.set(_key(name, tenant_id), _NOTHING if value is None else value, ttl)
    elif value == _NOTHING:
        value = None
    if local_seconds:
        if len(_local) >= LOCAL_MAX_ENTRIES:
            _local.clear()
        _local[(name, tenant_id)] = (time.monotonic() + local_seconds, value)
    return value


def forget(name, tenant_id):
    _local.pop((name, tenant_id), None)
    key = _key(name, tenant_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_when_changed(model, name, tenant_id_of=lambda row: row.tenant_id):
    """Drop `name` for the row's tenant whenever a `model` row is saved or deleted (cascades included)."""

    def changed(sender, instance, **kwargs):
        forget(name, tenant_id_of(instance))

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"tenant-cache-{name}-save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"tenant-cache-{name}-delete")
