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
    bucket, resets_at = _window_key(key, window)
    if cache.add(bucket, 1, window + 5):
        count = 1
    else:
        try:
            count = cache.incr(bucket)
        except ValueError:  # expired between add and incr
            cache.add(bucket, 1, window + 5)
            count = 1
    if count > limit:
        return Verdict(False, max(1, int(resets_at - time.time())))
    return Verdict(True)


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
