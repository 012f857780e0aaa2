"""CSV export of the message log: the log's filters, streamed, numbers masked unless asked for (audited)."""
import csv
import io
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from connectors.models import SmsMessage
from console.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def make_message(tenant, phone, **fields):
    return SmsMessage.objects.create(tenant=tenant, provider="tencent", usage_type=fields.pop("usage_type", "SignIn"),
                                     phone=phone, template_code="2002",
                                     valid_until=timezone.now() + timedelta(minutes=10), **fields)


def rows_of(response):
    assert isinstance(response, StreamingHttpResponse) and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_has_the_logs_filters_and_masked_numbers(admin_client, tenant, make_admin, make_tenant):
    make_message(tenant, "+8613800138000", status="SENT", fee=1)
    failed = make_message(tenant, "+8613900139000", status="FAILED", error_code="X", error_message="=HYPERLINK(1)")
    make_message(make_tenant(make_admin("other"), name="Other"), "+8613700137000", status="FAILED")
    url = reverse("connectors:message_export", args=[tenant.id])

    everything = rows_of(admin_client.get(url))
    only_failed = rows_of(admin_client.get(url, {"status": "FAILED"}))

    assert [row["phone"] for row in everything] == ["+86*******9000", "+86*******8000"]
    assert [row["id"] for row in only_failed] == [str(failed.pk)]
    assert only_failed[0]["error_message"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert not AuditEntry.objects.filter(action="sms_messages.export_full_numbers").exists()
    assert admin_client.get(url, {"phone": "12"}).status_code == 400


def test_full_numbers_need_a_post_and_are_audited(admin_client, tenant, admin):
    make_message(tenant, "+8613800138000", status="SENT")
    url = reverse("connectors:message_export", args=[tenant.id])

    assert rows_of(admin_client.get(url, {"full_numbers": "1"}))[0]["phone"] == "+86*******8000"
    full = rows_of(admin_client.post(f"{url}?status=SENT", {"full_numbers": "1"}))

    assert full[0]["phone"] == "+8613800138000"
    entry = AuditEntry.objects.get(tenant=tenant, action="sms_messages.export_full_numbers")
    assert entry.actor == admin and entry.changes == {"filters": {"status": "SENT"}}


def test_a_large_export_streams_every_row(admin_client, tenant):
    SmsMessage.objects.bulk_create([SmsMessage(tenant=tenant, provider="tencent", usage_type="SignIn",
                                               phone=f"+861380013{n:04d}", template_code="2002",
                                               valid_until=timezone.now()) for n in range(4500)])
    response = admin_client.get(reverse("connectors:message_export", args=[tenant.id]))

    assert len(rows_of(response)) == 4500
