"""The validated authorization request of a sign-in in progress, stashed in the session under an opaque id."""
import secrets
import time

from console.oidc.provider import authorization_from_stash

# How long a hosted page stays usable after /auth (oidc-provider's interaction lasts an hour too), and how many
# sign-ins one browser may have open at a tenant at once (tabs); the oldest goes first.
PENDING_TTL_SECONDS = 3600
PENDING_MAX = 10


def _key(tenant):
    return f"postern.authz.{tenant.pk}"


def _live(pending):
    now = time.time()
    return {stash_id: data for stash_id, data in pending.items() if now - data["at"] < PENDING_TTL_SECONDS}


def authorization_stash(request, tenant, auth_request):
    """Stash a validated request; returns the id the hosted pages carry in their URLs."""
    pending = _live(request.session.get(_key(tenant)) or {})
    stash_id = secrets.token_urlsafe(16)
    pending[stash_id] = {"at": time.time(), **auth_request.as_stash()}
    newest = sorted(pending.items(), key=lambda item: item[1]["at"])[-PENDING_MAX:]
    request.session[_key(tenant)] = dict(newest)
    return stash_id


def authorization_unstash(request, tenant, stash_id):
    """The stashed request (it stays for reloads and the back button until it expires), or None."""
    data = _live(request.session.get(_key(tenant)) or {}).get(stash_id)
    return authorization_from_stash(tenant, data) if data else None
