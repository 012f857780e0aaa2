"""The SMS pipeline carries codes of console.code_format's shape only: anything else is refused before a row is
stored or a task queued (the provider would refuse it after)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import SmsMessage
from connectors.services import sms_send, sms_test_send
from console import crypto

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "١٢٣٤٥٦", "", None])
def test_a_code_of_another_shape_is_refused_before_anything_is_stored(tencent_connector, code):
    with pytest.raises(ValueError):
        sms_send(tenant=tencent_connector.tenant, phone_e164=PHONE, usage_type="SignIn", code=code,
                 valid_until=timezone.now() + timedelta(minutes=10))
    assert not SmsMessage.objects.exists()


def test_a_test_send_carries_a_code_of_the_format(tenant, admin, emulator_config, monkeypatch):
    monkeypatch.setattr("connectors.services._enqueue_on_commit", lambda message: None)
    message = sms_test_send(tenant=tenant, acting_user=admin, provider_key="tencent", config=emulator_config,
                            phone_raw=PHONE)
    code = crypto.decrypt(SmsMessage.objects.get(pk=message.pk).code_encrypted)
    assert len(code) == 6 and code.isascii() and code.isdigit()
