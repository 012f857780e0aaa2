"""Fixed-window rate limits kept in the shared cache (Redis in production), never in process memory."""
import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def _window_key(key, window):
    # Keys carry what people typed (identifiers, phone numbers): hashed, they are safe for any cache and never
    # show a phone number or a username to whoever reads Redis.
    start = int(time.time()) // window * window
    return f"rl:{hashlib.sha256(key.encode()).hexdigest()}:{start}", start + window


def hit(key, *, limit, window):
    """Count one attempt against `key`; refuse once more than `limit` happened in the current window."""
    return hit_all([(key, limit, window)])[0]


def hit_all(limits):
    """Count one attempt against each (key, limit, window); a Verdict for each, in order. With Redis, all the
    counters move in one round trip."""
    buckets = [_window_key(key, window) + (limit, window) for key, limit, window in limits]
    if hasattr(cache, "incr_all"):
        counts = cache.incr_all([(bucket, window + 5) for bucket, _resets, _limit, window in buckets])
    else:
        counts = [_incr(bucket, window + 5) for bucket, _resets, _limit, window in buckets]
    now = time.time()
    return [Verdict(False, max(1, int(resets_at - now))) if count > limit else Verdict(True)
            for count, (_bucket, resets_at, limit, _window) in zip(counts, buckets)]


def _incr(bucket, ttl):
    if cache.add(bucket, 1, ttl):
        return 1
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, ttl)
        return 1


def peek(key, *, limit, window):
    bucket, resets_at = _window_key(key, window)
    count = cache.get(bucket) or 0
    if count >= limit:
        return Verdict(False, max(1, int(resets_at - time.time())))
    return Verdict(True)


def reset(key, *, window):
    cache.delete(_window_key(key, window)[0])


def client_ip(request):
    # Behind a proxy, set the proxy to overwrite X-Forwarded-For; REMOTE_ADDR is the honest default.
    return request.META.get("REMOTE_ADDR", "")
