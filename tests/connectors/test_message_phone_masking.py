"""The message page masks the number everywhere (title and body) until the admin asks to see it, which is audited."""
import pytest
from django.urls import reverse

from connectors.models import SmsMessage
from console.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PHONE = "+8613900139001"


@pytest.fixture
def message(tenant):
    from django.utils import timezone
    return SmsMessage.objects.create(tenant=tenant, provider="tencent", usage_type="SignIn", phone=PHONE,
                                     template_code="100002", valid_until=timezone.now())


def test_the_message_page_masks_the_number_everywhere(admin_client, tenant, message):
    body = admin_client.get(reverse("connectors:message_detail", args=[tenant.id, message.id])).content.decode()

    assert message.masked_phone in body
    assert PHONE not in body and PHONE[3:] not in body
    assert not AuditEntry.objects.filter(action="sms_message.reveal_phone").exists()


def test_revealing_the_number_shows_it_and_is_audited(admin_client, tenant, admin, message):
    url = reverse("connectors:message_detail", args=[tenant.id, message.id])

    response = admin_client.post(url, {"reveal": "1"})

    assert response.status_code == 200 and f'<code id="full-phone">{PHONE}</code>' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="sms_message.reveal_phone")
    assert entry.actor == admin and entry.tenant == tenant
