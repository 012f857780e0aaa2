"""Per-tenant reads that many requests make — the sign-in experience, the enabled SMS connector, the CORS origins —
kept in the shared cache (Redis) and dropped whenever one of their rows is saved or deleted, in this process and
every other (the cache is shared; nothing is kept in process memory).

A cache GET costs a fraction of the ORM query it replaces (query compilation is most of it, profiled on the
send-code endpoint); the entry is deleted at the change and again once the change is committed, so a reader that
refilled it from the old row in between is overwritten.
"""
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

TTL_SECONDS = 300
_NOTHING = "__nothing__"  # a cached "there is none"


def _key(name, tenant_id):
    return f"tenant-read:{name}:{tenant_id}"


def read(name, tenant_id, load):
    """The cached value of `load()` for this tenant (None included)."""
    value = cache.get(_key(name, tenant_id))
    if value is None:
        value = load()
        cache.set(_key(name, tenant_id), _NOTHING if value is None else value, TTL_SECONDS)
        return value
    return None if value == _NOTHING else value


def forget(name, tenant_id):
    key = _key(name, tenant_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_when_changed(model, name):
    """Drop `name` for the row's tenant whenever a `model` row is saved or deleted (cascades included)."""

    def changed(sender, instance, **kwargs):
        forget(name, instance.tenant_id)

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"tenant-cache-{name}-save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"tenant-cache-{name}-delete")
