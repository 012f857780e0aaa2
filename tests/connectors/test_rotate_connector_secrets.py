"""Rotating POSTERN_ENCRYPTION_KEY: new key first, old one after, run the command, drop the old key."""
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from connectors.models import Connector
from connectors.selectors import connector_secrets
from connectors.services import connector_create

pytestmark = pytest.mark.django_db


def test_secrets_survive_a_key_rotation(tenant, admin, tencent_config, settings, encryption_keys):
    old_keys = list(settings.ENCRYPTION_KEYS)
    connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config)
    new_key = Fernet.generate_key().decode()

    encryption_keys([new_key, *old_keys])
    out = StringIO()
    call_command("rotate_connector_secrets", stdout=out)
    encryption_keys([new_key])

    assert "Re-encrypted 1 connector(s)" in out.getvalue()
    assert connector_secrets(Connector.objects.get()) == {"accessKeySecret": tencent_config["accessKeySecret"]}
