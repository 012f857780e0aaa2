"""A code or refresh token presented again: the rule the token engine (console.oidc.validators) follows.

Within the app's reuse grace a repeat is the app racing itself (two tabs, a WebView and a background task): it
gets invalid_grant and nothing is revoked, so the request that won keeps its tokens. After the grace, reuse is
treated as a stolen credential: a code's first exchange loses what it issued, a refresh token its whole family.
"""
import hashlib
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from console.oidc.models import RedeemedCode

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


def within_grace(first_used, app, now=None):
    return first_used + timedelta(seconds=app.reuse_grace_seconds) > (now or timezone.now())


def token_checksum(token):
    return hashlib.sha256(token.encode()).hexdigest()


code_checksum = token_checksum


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


def refresh_token_reused(found, app, *, now):
    """`found`, a refresh token of `app`, is presented although rotated or revoked. A rotation less than the grace
    ago is the app racing itself: nothing happens. Otherwise (a token rotated longer ago, or revoked by logout,
    revocation or a family sweep, RFC 7009 §2.1) the whole family is revoked."""
    rotated = AccessToken.objects.filter(source_refresh_token=found).exists()
    if rotated and within_grace(found.revoked, app, now):
        return
    RefreshToken.revoke_family(found.token_family)
