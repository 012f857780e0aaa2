"""Checking an end user's credentials on the hosted page (same cost and answer for unknown identifiers)."""
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from connectors.phone import InvalidPhone, normalize_phone
from console.accounts.models import User

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


def password_authenticate(tenant, identifier, password, allowed=("username", "email", "phone")):
    """The user when the password is right and the account active; None otherwise."""
    user = find_user(tenant, identifier, allowed)
    if user is None or not user.has_usable_password():
        User(password=_DUMMY_HASH).check_password(password or "")
        return None
    if not user.check_password(password or "") or user.is_suspended:
        return None
    return user


def record_sign_in(user):
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
