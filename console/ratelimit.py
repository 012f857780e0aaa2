"""Fixed-window rate limits kept in the shared cache (Redis in production), never in process memory; the sign-in
abuse rulebook (RATES), consumed through `consume()`."""
import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _


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
    return peek_all([(key, limit, window)])[0]


def peek_all(limits):
    """Like hit_all without counting: refused where `limit` attempts already happened in the window."""
    buckets = [_window_key(key, window) + (limit,) for key, limit, window in limits]
    counts = cache.get_many([bucket for bucket, _resets, _limit in buckets])
    now = time.time()
    return [Verdict(False, max(1, int(resets_at - now))) if (counts.get(bucket) or 0) >= limit else Verdict(True)
            for bucket, resets_at, limit in buckets]


def reset(key, *, window):
    cache.delete(_window_key(key, window)[0])


def client_ip(request):
    # console.proxies.TrustedProxyMiddleware has already put the client's address here (the peer itself unless
    # POSTERN_TRUSTED_PROXIES says the peer is a proxy of ours).
    return request.META.get("REMOTE_ADDR", "")


# --- The sign-in abuse rulebook ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    scope: tuple  # the values a counter is kept per, e.g. ("tenant", "ip")
    amount: int
    window: int  # seconds
    message: str  # what the person is told, with %(s)d for the seconds to wait


# Every number here is in the README ("Hosted sign-in pages"). Failed passwords only: a success counts nowhere, so
# signing in often never locks anyone out.
RATES = {
    # Hosted page. The account rate (any IP) locks that account's password sign-in only; a phone code still works.
    "signin_password_failed": (
        Rate(("tenant", "account"), 10, 900, _(
            "Too many failed sign-ins for this account. Try again in %(s)d seconds, or sign in with a "
            "verification code.")),
        Rate(("tenant", "ip"), 30, 900, _("Too many failed sign-ins from your network. Try again in %(s)d seconds.")),
        Rate(("tenant",), 600, 900, _(
            "Password sign-in is paused after too many failed attempts. Try again in %(s)d seconds.")),
    ),
    # Console. Per user *and* IP: a stranger elsewhere cannot lock an admin out.
    "console_password_failed": (
        Rate(("user", "ip"), 10, 900, _("Too many failed sign-ins. Try again in %(s)d seconds.")),
        Rate(("ip",), 30, 900, _("Too many failed sign-ins from your network. Try again in %(s)d seconds.")),
    ),
    # New accounts on the hosted page, by username or by phone; counted when an account is created.
    "register": (
        Rate(("tenant", "ip"), 10, 3600, _(
            "Too many accounts were created from your network. Try again in %(s)d seconds.")),
        Rate(("tenant",), 1000, 3600, _("Sign-up is paused for a while. Try again in %(s)d seconds.")),
    ),
    # Management API calls, per machine-to-machine app (a provisioning script, not a person).
    "management_api": (
        Rate(("application",), 600, 60, _("Too many Management API calls. Try again in %(s)d seconds.")),
    ),
}


class RateLimited(Exception):
    def __init__(self, message, retry_after):
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


def consume(*, action, dry_run=False, **values):
    """Count one `action` against each of its RATES, or with `dry_run` only check that none is spent.

    `values` name what the rates are kept per (tenant=, ip=, account=, user=). Raises RateLimited with the first
    spent rate's message and the seconds until its window ends.
    """
    rates = RATES[action]
    limits = [(f"{action}:" + ":".join(f"{name}={values[name]}" for name in rate.scope), rate.amount, rate.window)
              for rate in rates]
    verdicts = peek_all(limits) if dry_run else hit_all(limits)
    for verdict, rate in zip(verdicts, rates):
        if not verdict.allowed:
            raise RateLimited(str(rate.message) % {"s": verdict.retry_after}, verdict.retry_after)
