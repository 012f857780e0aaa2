"""Encryption at rest for secrets kept in the database (connector secrets, signing keys, pending codes)."""
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@functools.cache
def _fernet():
    return MultiFernet([Fernet(key.encode()) for key in settings.ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Stored secret cannot be decrypted with POSTERN_ENCRYPTION_KEY") from exc


def mask(secret: str, visible: int = 4) -> str:
    if not secret:
        return ""
    return "•" * 8 + secret[-visible:] if len(secret) > visible else "•" * 8
