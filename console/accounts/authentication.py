"""Checking a console admin's password behind the sign-in abuse limits (console.ratelimit RATES)."""
from django.contrib.auth import authenticate

from console import ratelimit


def admin_password_sign_in(*, request, username, password, ip):
    """The admin when the password is right, None otherwise; raises ratelimit.RateLimited.

    Checked before hashing, counted only on failure, per username *and* IP (and per IP): wrong passwords from
    elsewhere never lock an admin out of their own network.
    """
    values = {"user": username.lower(), "ip": ip}
    ratelimit.consume(action="console_password_failed", dry_run=True, **values)
    user = authenticate(request, username=username, password=password)
    if user is None:
        ratelimit.consume(action="console_password_failed", **values)
    return user
