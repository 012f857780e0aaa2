"""Checking an end user's credentials on the hosted page (same cost and answer for unknown identifiers)."""
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from console.accounts.models import User

_DUMMY_HASH = make_password("postern-timing-equaliser")


def find_user(tenant, identifier):
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    query = Q(username=identifier) | Q(email__iexact=identifier) if "@" in identifier else Q(username=identifier)
    if identifier.startswith("+"):
        query |= Q(phone=identifier)
    return User.objects.filter(query, tenant=tenant).first()


def password_authenticate(tenant, identifier, password):
    """The user when the password is right and the account active; None otherwise."""
    user = find_user(tenant, identifier)
    if user is None or not user.has_usable_password():
        User(password=_DUMMY_HASH).check_password(password or "")
        return None
    if not user.check_password(password or "") or user.is_suspended:
        return None
    return user


def record_sign_in(user):
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
