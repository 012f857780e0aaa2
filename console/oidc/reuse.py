"""A code or refresh token presented again: the rule the token engine (console.oidc.validators) follows.

A code is single-use because its exchange is recorded (RedeemedCode, unique by the code's checksum) in the
transaction that writes the tokens: of two concurrent exchanges, one inserts the record, the other waits for it
and then finds it taken. A refresh token is claimed by the conditional UPDATE that revokes it (the validator).

Within the app's reuse grace a repeat is the app racing itself (two tabs, a WebView and a background task): it
gets invalid_grant and nothing is revoked, so the request that won keeps its tokens. After the grace, reuse is
treated as a stolen credential: a code's first exchange loses what it issued, a refresh token its whole family.
"""
import hashlib
from datetime import datetime, timedelta, timezone as datetime_timezone

from django.db.models import OuterRef, Subquery
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


def redemption_of_checksum(checksum):
    """The record of the exchange of the code whose checksum this is, as a queryset (empty while the code is
    unused), for an Exists() beside the read of its grant."""
    return RedeemedCode.objects.filter(code_checksum=checksum)


def redemption_record(grant, *, access_token, token_family, auth_time, now):
    """The record of `grant`'s code exchanged for `access_token` (and the refresh family `token_family`, None
    without offline_access) for a sign-in at `auth_time` (seconds since the epoch). Inserting it, in the
    transaction that writes the tokens, is the claim: the code's checksum is unique, so of two concurrent exchanges
    the database refuses the second's record (IntegrityError) and its transaction must be rolled back."""
    signed_in = None if auth_time is None else datetime.fromtimestamp(int(auth_time), datetime_timezone.utc)
    return RedeemedCode(code_checksum=code_checksum(grant.code), application_id=grant.application_id,
                        redeemed_at=now, expires=grant.expires, token_family=token_family,
                        access_token_checksum=token_checksum(access_token), auth_time=signed_in)


def family_auth_time():
    """The sign-in time of a refresh token's family (the exchange that started it), for an annotation on the
    refresh token's read; None for a family with no recorded exchange."""
    return Subquery(RedeemedCode.objects.filter(token_family=OuterRef("token_family")).values("auth_time")[:1])


def code_reused(code, app):
    """`code` is not (or no longer) a live grant of `app`: if it was exchanged before the grace, revoke what that
    exchange issued, the refresh token's later rotations included."""
    now = timezone.now()
    record = redemption_of_checksum(code_checksum(code)).filter(application=app, expires__gt=now).first()
    if record is None or within_grace(record.redeemed_at, app, now):
        return
    if record.access_token_checksum:
        AccessToken.objects.filter(token_checksum=record.access_token_checksum).delete()
    RefreshToken.revoke_family(record.token_family)


def refresh_token_reused(found, app, *, now):
    """`found`, a refresh token of `app`, is presented although rotated or revoked. A rotation less than the grace
    ago is the app racing itself: nothing happens. Otherwise (a token rotated longer ago, or revoked by logout,
    revocation or a family sweep, RFC 7009 §2.1) the whole family is revoked."""
    rotated = AccessToken.objects.filter(source_refresh_token=found).exists()
    if rotated and within_grace(found.revoked, app, now):
        return
    RefreshToken.revoke_family(found.token_family)
