"""A code or refresh token presented again: the one rulebook both token paths (console.oidc.fast and oauthlib's,
through TenantValidator) follow.

Within the app's reuse grace a repeat is the app racing itself (two tabs, a WebView and a background task): it
gets invalid_grant and nothing is revoked, so the request that won keeps its tokens. After the grace, reuse is
treated as a stolen credential: a code's first exchange loses what it issued, a refresh token its whole family.
"""
import hashlib
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from console.oidc.models import RedeemedCode

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def within_grace(first_used, app, now=None):
    return first_used + timedelta(seconds=app.reuse_grace_seconds) > (now or timezone.now())


def code_checksum(code):
    return hashlib.sha256(code.encode()).hexdigest()


def redeemed_code(grant, *, now, token_family=None):
    """The (unsaved) record of `grant`'s exchange; its access_token_id is set by whoever writes the tokens."""
    return RedeemedCode(code_checksum=code_checksum(grant.code), application_id=grant.application_id,
                        redeemed_at=now, expires=grant.expires, token_family=token_family)


def code_reused(code, app):
    """`code` is not (or no longer) a live grant of `app`: if it was exchanged before the grace, revoke what that
    exchange issued, the refresh token's later rotations included."""
    now = timezone.now()
    record = RedeemedCode.objects.filter(code_checksum=code_checksum(code), application=app,
                                         expires__gt=now).first()
    if record is None or within_grace(record.redeemed_at, app, now):
        return
    if record.access_token_id:
        AccessToken.objects.filter(pk=record.access_token_id).delete()
    RefreshToken.revoke_family(record.token_family)


def refresh_token_repeated_within_grace(refresh_token, app):
    """Whether `refresh_token` was rotated (not revoked: logout, revocation, a family sweep) less than the grace
    ago; then the request is refused and the family kept. Otherwise django-oauth-toolkit's reuse protection
    (REFRESH_TOKEN_GRACE_PERIOD_SECONDS = 0) revokes the family of a revoked token."""
    found = (RefreshToken.objects.filter(token_checksum=hashlib.sha256(refresh_token.encode()).hexdigest(),
                                         application=app)
             .order_by(F("revoked").desc(nulls_first=True)).first())
    return (found is not None and found.revoked is not None and within_grace(found.revoked, app)
            and AccessToken.objects.filter(source_refresh_token=found).exists())
