"""The end user's sign-in session with one tenant, kept in the (shared) Django session.

Each tenant has its own key, so a session on tenant A means nothing on tenant B, and a console admin's
session is separate from any end-user session in the same browser.
"""
import time

from console.accounts.models import User


def _key(tenant):
    return f"postern.tenant.{tenant.pk}"


def tenant_session_user(request, tenant, max_age=None):
    """The session's user; None without one, or when its sign-in is `max_age` seconds old or older."""
    data = request.session.get(_key(tenant))
    if not data:
        return None
    if max_age is not None and time.time() - data.get("auth_time", 0) >= max_age:
        return None  # OIDC Core §3.1.2.1: re-authenticate (max_age=0 always does); the session itself stays
    user = User.objects.filter(tenant=tenant, uid=data.get("uid"), is_suspended=False,
                               session_epoch=data.get("epoch", 0)).first()
    if user is None:
        request.session.pop(_key(tenant), None)
    return user


def tenant_session_auth_time(request, tenant):
    """When the tenant session's user signed in (seconds since the epoch), or None without a session."""
    return (request.session.get(_key(tenant)) or {}).get("auth_time")


def tenant_session_start(request, tenant, user):
    request.session.cycle_key()
    request.session[_key(tenant)] = {"uid": user.uid, "epoch": user.session_epoch, "auth_time": int(time.time())}


def tenant_session_end(request, tenant):
    request.session.pop(_key(tenant), None)
