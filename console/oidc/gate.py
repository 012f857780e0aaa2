"""The public tenant gate: whether an app, a token or an end user belongs to the tenant whose issuer was called.

Every OIDC endpoint asks here (the validator's client loader, token, userinfo, introspection, revocation,
logout), so "tenant A's thing at tenant B" is refused in one place and answers like an unknown one.
"""
import hashlib

from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from console.applications.models import Application
from console.compiled_query import CompiledQuery

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()

# Every userinfo call and Management API request starts with this read: compiled once (console.compiled_query).
# The columns nobody here reads are left out (each timestamp costs a parse per row); one read later is loaded then.
_ACCESS_TOKEN = CompiledQuery(lambda checksum: AccessToken.objects.filter(token_checksum=checksum)
                              .select_related("application", "user").order_by("pk")
                              .defer("token", "id_token", "source_refresh_token", "created", "updated",
                                     "user__password", "user__last_login", "user__created_at",
                                     "application__created", "application__updated"))


def app_belongs(tenant, app):
    return app is not None and tenant is not None and app.tenant_id == tenant.pk


def user_ok(user):
    """A token's or grant's user may still act: not suspended (no user at all: client credentials)."""
    return user is None or not user.is_suspended


def app_at(tenant, client_id, *only):
    """The tenant's app with `client_id`, or None (another tenant's app is as unknown as a missing one)."""
    if not client_id or "\x00" in client_id:
        return None
    apps = Application.objects.filter(tenant=tenant, client_id=client_id)
    return (apps.only(*only) if only else apps).first()


def _checksum(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def access_token_at(tenant, raw):
    """The unexpired access token `raw` issued by `tenant` to a user who may still act there, or None."""
    found = _ACCESS_TOKEN.first(_checksum(raw))
    if found is None or found.is_expired() or not app_belongs(tenant, found.application):
        return None
    return found if user_ok(found.user) else None


def refresh_token_at(tenant, raw):
    """The live (not rotated or revoked) refresh token `raw` of `tenant`, or None."""
    found = (RefreshToken.objects.filter(token_checksum=_checksum(raw), revoked__isnull=True)
             .select_related("application", "user").first())
    if found is None or not app_belongs(tenant, found.application):
        return None
    return found if user_ok(found.user) else None
