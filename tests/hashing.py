"""A fast password hasher that counts its work, so a test can tell whether a refused attempt was hashed."""
import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, make_password


class CountingHasher(MD5PasswordHasher):
    hashes = 0

    def encode(self, password, salt):
        type(self).hashes += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings, monkeypatch):
    """Every password hash in the test goes through CountingHasher (the unknown-user path's dummy hash too)."""
    settings.PASSWORD_HASHERS = ["tests.hashing.CountingHasher"]
    monkeypatch.setattr("signin_experience.authentication._DUMMY_HASH", make_password("postern-timing-equaliser"))
    CountingHasher.hashes = 0
    return CountingHasher
