"""Identifier formats shared by every model: lowercase alphanumerics, as Logto uses."""
import secrets
import string

LOWER_ALNUM = string.ascii_lowercase + string.digits
ALNUM = string.ascii_letters + string.digits


def random_id(length: int, alphabet: str = LOWER_ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def tenant_id() -> str:
    return random_id(6)


def app_id() -> str:
    return random_id(21)


def app_secret() -> str:
    return random_id(32, ALNUM)


def user_id() -> str:
    return random_id(12)


def invitation_id() -> str:
    return random_id(21)


def bearer_token() -> str:
    """Access and refresh tokens (opaque, 256 bits, URL-safe) for every grant (console.oidc.grants): one call to the
    OS, where oauthlib's generator drew a character at a time through SystemRandom (README "Performance")."""
    return secrets.token_urlsafe(32)
