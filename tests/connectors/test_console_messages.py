"""The Messages pages: filters, masked numbers, the provider's answer and the fix; live status of a test send."""
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connectors.models import SmsMessage

pytestmark = pytest.mark.django_db


def make_message(tenant, phone="+8613800138000", **fields):
    fields.setdefault("valid_until", timezone.now() + timedelta(minutes=10))
    return SmsMessage.objects.create(tenant=tenant, provider="tencent", usage_type=fields.pop("usage_type", "SignIn"),
                                     phone=phone, template_code="2002", **fields)


def listed_ids(response):
    return [message.pk for message in response.context["page"].object_list]


def test_the_list_masks_numbers_and_filters_by_status_purpose_phone_and_date(admin_client, tenant):
    sent = make_message(tenant, status="SENT", serial_no="2019:1")
    failed = make_message(tenant, phone="+8613900139000", status="FAILED", usage_type="Register",
                          error_code="LimitExceeded.PhoneNumberDailyLimit", error_class="per_number_limit")
    old = make_message(tenant, status="SENT")
    SmsMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    url = reverse("connectors:message_list", args=[tenant.id])

    page = admin_client.get(url)

    body = page.content.decode()
    assert listed_ids(page) == [failed.pk, sent.pk, old.pk]
    assert "+86*******8000" in body and "+8613800138000" not in body
    assert listed_ids(admin_client.get(url, {"status": "FAILED"})) == [failed.pk]
    assert listed_ids(admin_client.get(url, {"purpose": "Register"})) == [failed.pk]
    for typed in ("139 0013 9000", "0086-139-0013-9000", "+86 13900139000"):
        assert listed_ids(admin_client.get(url, {"phone": typed})) == [failed.pk]
    today = timezone.now().date()
    assert listed_ids(admin_client.get(url, {"date_from": today.isoformat()})) == [failed.pk, sent.pk]
    assert listed_ids(admin_client.get(url, {"date_to": (today - timedelta(days=1)).isoformat()})) == [old.pk]


def test_a_bad_filter_is_explained_not_a_500(admin_client, tenant):
    make_message(tenant)
    url = reverse("connectors:message_list", args=[tenant.id])

    response = admin_client.get(url, {"phone": "12", "status": "NOPE", "date_from": "yesterday"})

    assert response.status_code == 400 and listed_ids(response) == []
    assert "not valid" in response.content.decode()


def test_the_list_costs_the_same_queries_for_3_or_60_rows(admin_client, tenant):
    url = reverse("connectors:message_list", args=[tenant.id])
    for _ in range(3):
        make_message(tenant, status="SENT")
    admin_client.get(url)  # the first page of a session also stores the current tenant in it
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(57):
        make_message(tenant, status="SENT")
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert len(listed_ids(response)) == 50
    assert len(many) == len(few)


def test_the_detail_shows_the_providers_answer_and_the_fix(admin_client, tenant):
    message = make_message(tenant, status="FAILED", attempts=1, error_code="FailedOperation.TemplateIncorrectOrUnapproved",
                           error_class="template", error_message="the template is incorrect or unapproved",
                           provider_request_id="req-42")

    body = admin_client.get(reverse("connectors:message_detail", args=[tenant.id, message.pk])).content.decode()

    assert "req-42" in body and "FailedOperation.TemplateIncorrectOrUnapproved" in body
    assert "Tencent Cloud → SMS → Body Templates" in body


def test_another_tenants_message_is_404(client, tenant, make_admin, make_tenant):
    message = make_message(tenant)
    intruder = make_admin("mallory")
    own = make_tenant(intruder, name="Mallory's")
    client.force_login(intruder)

    for tenant_id in (tenant.id, own.id):
        for name in ("connectors:message_detail", "connectors:message_status"):
            assert client.get(reverse(name, args=[tenant_id, message.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_console_test_send_goes_out_and_its_status_shows_the_serial_no(celery_worker, sms_emulator, admin_client,
                                                                         tenant, emulator_config,
                                                                         post_connector_form):
    url = reverse("connectors:test_send_new", args=[tenant.id]) + "?provider=tencent"

    answer = post_connector_form(url, emulator_config, phone="+86 138 0013 8000",
                                 HTTP_ACCEPT="application/json").json()

    seen = [answer["message"]["status"]]
    deadline = time.monotonic() + 10
    while seen[-1] not in ("SENT", "FAILED") and time.monotonic() < deadline:
        time.sleep(0.05)
        status = admin_client.get(answer["message"]["status_url"]).json()
        seen.append(status["status"])
    assert seen[0] == "QUEUED" and seen[-1] == "SENT"
    assert status["serial_no"] and status["fee"] == 1 and status["fix"] == ""
    [record] = sms_emulator.client.requests()
    assert record["params"]["TemplateId"] == "2004"
