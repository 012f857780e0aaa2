"""What the token engine leaves behind, deleted once it can decide nothing any more (a beat job: tasks.py)."""
from django.db.models import Exists, OuterRef
from django.utils import timezone
from oauth2_provider.models import clear_expired, get_refresh_token_model

from console.oidc.models import RedeemedCode

RefreshToken = get_refresh_token_model()


def expired_tokens_clear():
    """django-oauth-toolkit's clear_expired(): expired grants (a code is spent by its exchange record, not by
    deleting its grant), expired access tokens no refresh token holds, refresh tokens idle past
    REFRESH_TOKEN_EXPIRE_SECONDS, orphaned, or revoked longer ago than that (kept until then so that replaying a
    rotated one still revokes its family). Then the exchange records whose code has expired and whose refresh
    family has no refresh token left (a family keeps its sign-in time for the ID tokens it is issued). Returns
    how many exchange records were deleted."""
    clear_expired()
    family_left = RefreshToken.objects.filter(token_family=OuterRef("token_family"))
    deleted, _ = (RedeemedCode.objects.filter(expires__lt=timezone.now())
                  .exclude(Exists(family_left)).delete())
    return deleted
