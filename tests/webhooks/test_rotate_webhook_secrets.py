"""Rotating POSTERN_ENCRYPTION_KEY keeps every hook's signing key (the same key, encrypted with the new one)."""
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from webhooks import selectors
from webhooks.models import Hook
from webhooks.services import hook_create

pytestmark = pytest.mark.django_db


def test_signing_keys_survive_a_key_rotation(tenant, admin, settings, encryption_keys):
    old_keys = list(settings.ENCRYPTION_KEYS)
    _hook, key = hook_create(tenant=tenant, acting_user=admin, url="https://203.0.113.10/hooks", events=["PostSignIn"])
    encryption_keys([Fernet.generate_key().decode(), *old_keys])
    out = StringIO()
    call_command("rotate_webhook_secrets", stdout=out)
    encryption_keys(settings.ENCRYPTION_KEYS[:1])
    assert "Re-encrypted 1 webhook signing key(s); 0 unreadable." in out.getvalue()
    assert selectors.signing_key(Hook.objects.get()) == key
