"""How an application's secrets are kept: their SHA-256, never the secret itself.

Postern generates every client secret (console.ids.app_secret: 32 random letters and digits, about 190 bits), so
a slow password hash buys nothing: finding one from its checksum is as hopeless as guessing it outright. PBKDF2,
django-oauth-toolkit's default, spent close to a second of CPU on every token request of a confidential client
(README "Performance"). Named secrets (ApplicationSecret) are kept the same way. A primary secret stored before
as a password hash is still accepted, and stored again as its checksum on its first match.
"""
import hashlib

from django.contrib.auth.hashers import check_password, identify_hasher
from django.utils.crypto import constant_time_compare

PREFIX = "sha256$"


def checksum(secret):
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def stored_form(secret):
    """What the primary secret column keeps for `secret`."""
    return PREFIX + checksum(secret)


def is_stored_form(value):
    """Already a kept form: a checksum, or a password hash from before (a generated secret has no "$")."""
    if value.startswith(PREFIX):
        return True
    if "$" not in value:
        return False
    try:
        identify_hasher(value)
    except ValueError:
        return False
    return True


def check(provided, stored):
    """(whether `provided` is the secret `stored` keeps, whether `stored` should be replaced by its checksum)."""
    if stored.startswith(PREFIX):
        return constant_time_compare(stored_form(provided), stored), False
    if is_stored_form(stored):
        matched = check_password(provided, stored)
        return matched, matched
    # Kept in plain text (django-oauth-toolkit's hash_client_secret=False), as django-oauth-toolkit compares it.
    return constant_time_compare(provided, stored), False
