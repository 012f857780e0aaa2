"""Checking an end user's credentials on the hosted page (same cost and answer for unknown identifiers)."""
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from console import events, ratelimit
from console.accounts.models import User
from console.phone import InvalidPhone, normalize_phone

_DUMMY_HASH = make_password("postern-timing-equaliser")


def _as_phone(tenant, identifier):
    if not identifier or not all(c.isdigit() or c in "+-() " for c in identifier):
        return None
    try:
        return normalize_phone(identifier, tenant.default_country)
    except InvalidPhone:
        return None


def find_user(tenant, identifier, allowed=("username", "email", "phone")):
    """The tenant's user named by a username, an email or a phone number typed in any common format."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    query = Q(pk__in=[])
    if "username" in allowed:
        query |= Q(username=identifier)
    if "email" in allowed and "@" in identifier:
        query |= Q(email__iexact=identifier)
    phone = _as_phone(tenant, identifier) if "phone" in allowed else None
    if phone:
        query |= Q(phone=phone)
    return User.objects.filter(query, tenant=tenant).first()


def _password_matches(user, password):
    """The user when the password is right and the account active; None otherwise (same cost without a user)."""
    if user is None or not user.has_usable_password():
        User(password=_DUMMY_HASH).check_password(password or "")
        return None
    if not user.check_password(password or "") or user.is_suspended:
        return None
    return user


def password_sign_in(*, tenant, identifier, password, allowed, ip, application=None, user_agent=""):
    """The user when the password is right and the account active, None otherwise; raises ratelimit.RateLimited.

    The limits (console.ratelimit RATES "signin_password_failed") are checked before the password is hashed, so a
    locked account or network costs no hashing; only a failure is counted. The account is the user the identifier
    names (whichever of username, email or phone was typed), or the identifier itself when it names nobody.
    """
    user = find_user(tenant, identifier, allowed)
    values = {"tenant": tenant.pk, "ip": ip,
              "account": f"user:{user.pk}" if user else f"identifier:{(identifier or '').strip().lower()}"}
    ratelimit.consume(action="signin_password_failed", dry_run=True, **values)
    signed_in = _password_matches(user, password)
    if signed_in is None:
        # Told before it is counted, so the refusal that crosses a limit is on record too. Attempts a limit
        # already refuses are not: they are what an attacker can repeat at no cost.
        events.sign_in_failed(tenant=tenant, user=user, application=application, ip=ip, user_agent=user_agent,
                              method=events.BY_PASSWORD, error_code="session.invalid_credentials")
        ratelimit.consume(action="signin_password_failed", **values)
    return signed_in


def record_sign_in(user):
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
