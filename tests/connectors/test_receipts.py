"""Delivery receipts: pulled (PullSmsSendStatus, real SDK → emulator, real worker) and pushed (emulator → the
callback URL of a live server); duplicates, unknown serial numbers, wrong tokens, bad bodies and the expiry window."""
import json
import logging
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from connectors import selectors
from connectors.models import SmsMessage
from connectors.providers.base import DeliveryReport, Receipt
from connectors.registry import registry
from connectors.services import (
    connector_create,
    sms_receipts_apply,
    sms_receipts_expire,
    sms_send,
)
from connectors.tasks import pull_sms_receipts

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERED_PHONE = "+8613800138000"
UNDELIVERED_PHONE = "+8613900139000"
SILENT_PHONE = "+8613700137000"
CARRIER_CODE, CARRIER_DESCRIPTION = "MK:0012", "The phone is switched off"


def send_codes(tenant, *phones):
    return [sms_send(tenant=tenant, phone_e164=phone, usage_type="SignIn", code="482913",
                     valid_until=timezone.now() + timedelta(minutes=10)).pk for phone in phones]


def wait_for_delivery(message_ids, timeout=15.0):
    """The rows once none of them awaits its receipt any more."""
    deadline = time.monotonic() + timeout
    while True:
        rows = {row.pk: row for row in SmsMessage.objects.filter(pk__in=message_ids)}
        if all(row.delivery_status != "UNKNOWN" for row in rows.values()):
            return [rows[pk] for pk in message_ids]
        if time.monotonic() > deadline:
            raise AssertionError(f"Still awaiting receipts: {[r.pk for r in rows.values() if r.delivery_status == 'UNKNOWN']}")
        time.sleep(0.05)


def push_url(connector, token=None):
    return reverse("connector_hooks:receipt_push", args=[connector.pk, token or connector.receipt_token])


def make_sent(tenant, serial_no, finished_ago=timedelta(minutes=1), **fields):
    return SmsMessage.objects.create(
        tenant=tenant, provider="tencent", usage_type="SignIn", phone=DELIVERED_PHONE, template_code="2002",
        valid_until=timezone.now(), status=fields.pop("status", "SENT"), serial_no=serial_no,
        finished_at=timezone.now() - finished_ago, **fields)


# --- Pull --------------------------------------------------------------------------------------------------------


def test_receipts_are_pulled_by_the_beat_job_through_the_sdk_and_matched_by_serial_no(
        celery_worker, tencent_connector, sms_emulator, wait_for_sms, admin_client):
    sms_emulator.client.script_receipt(UNDELIVERED_PHONE, "undelivered", code=CARRIER_CODE,
                                       description=CARRIER_DESCRIPTION)
    sms_emulator.client.script_receipt(SILENT_PHONE, "none")
    ids = send_codes(tencent_connector.tenant, DELIVERED_PHONE, UNDELIVERED_PHONE, SILENT_PHONE)
    for pk in ids:
        assert wait_for_sms(pk).status == "SENT"

    pull_sms_receipts.apply()  # beat's job: enqueues one pull per connector awaiting receipts, for the worker

    delivered, undelivered = wait_for_delivery(ids[:2])
    assert delivered.delivery_status == "DELIVERED" and delivered.delivered_at and delivered.receipt_received_at
    assert delivered.time_to_receipt is not None
    assert (undelivered.delivery_status, undelivered.delivery_description, undelivered.delivered_at) == (
        "UNDELIVERED", CARRIER_DESCRIPTION, None)
    assert SmsMessage.objects.get(pk=ids[2]).delivery_status == "UNKNOWN"
    pulls = [r for r in sms_emulator.client.requests() if r["headers"].get("X-TC-Action") == "PullSmsSendStatus"]
    assert pulls and all(r["signature_valid"] and r["response_code"] == "Ok" for r in pulls)
    assert sms_emulator.client.receipts()["pull_queue"] == 0  # each receipt handed out once

    # The next run pulls again (the silent number still awaits) and finds nothing new: nothing changes.
    before = list(SmsMessage.objects.filter(pk__in=ids).order_by("pk").values())
    pull_sms_receipts.apply()
    time.sleep(0.5)
    assert list(SmsMessage.objects.filter(pk__in=ids).order_by("pk").values()) == before

    page = admin_client.get(reverse("connectors:message_detail", args=[tencent_connector.tenant.id, ids[1]]))
    assert "Undelivered" in page.content.decode() and CARRIER_DESCRIPTION in page.content.decode()


def test_the_pull_job_costs_one_query_when_nothing_awaits_a_receipt(tencent_connector, django_assert_num_queries,
                                                                    settings):
    tenant = tencent_connector.tenant
    make_sent(tenant, "1:old", finished_ago=settings.SMS_RECEIPT_WINDOW + timedelta(minutes=1))
    make_sent(tenant, "1:done", delivery_status="DELIVERED")
    make_sent(tenant, "1:failed", status="FAILED")
    with django_assert_num_queries(1):
        assert selectors.connectors_awaiting_receipts() == []

    make_sent(tenant, "1:awaiting", connector=tencent_connector)
    assert selectors.connectors_awaiting_receipts() == [tencent_connector.pk]
    tencent_connector.enabled = False
    tencent_connector.save()
    assert selectors.connectors_awaiting_receipts() == []


def test_a_pull_with_a_wrong_secret_is_refused_by_the_emulator_like_tencent(sms_emulator, emulator_config):
    provider = registry.get("tencent")
    pulled = provider.pull_receipts(config={**emulator_config, "accessKeySecret": "wrong-secret-000000"}, limit=100)
    assert pulled.error_code == "AuthFailure.SignatureFailure" and pulled.receipts == []


# --- Push --------------------------------------------------------------------------------------------------------


def test_receipts_pushed_in_batches_are_recorded_once_and_answered_like_tencent_expects(
        celery_worker, tencent_connector, sms_emulator, wait_for_sms, live_server, settings, admin_client):
    settings.PUBLIC_URL = live_server.url
    sms_emulator.client.set_receipt_callback(selectors.receipt_callback_url(tencent_connector), batch_size=2)
    sms_emulator.client.script_receipt(UNDELIVERED_PHONE, "undelivered", code=CARRIER_CODE,
                                       description=CARRIER_DESCRIPTION)
    ids = send_codes(tencent_connector.tenant, DELIVERED_PHONE, UNDELIVERED_PHONE, "+8613600136000")
    for pk in ids:
        assert wait_for_sms(pk).status == "SENT"

    assert sms_emulator.client.flush_receipts() == 3

    pushes = sms_emulator.client.receipts()["pushes"]
    assert [p["count"] for p in pushes] == [2, 1]
    assert all(p["status"] == 200 and json.loads(p["answer"]) == {"result": 0, "errmsg": "OK"} for p in pushes)
    delivered, undelivered, other = SmsMessage.objects.filter(pk__in=ids).order_by("pk")
    assert (delivered.delivery_status, delivered.delivery_code) == ("DELIVERED", "DELIVRD")
    assert delivered.delivered_at is not None and other.delivery_status == "DELIVERED"
    assert (undelivered.delivery_status, undelivered.delivery_code, undelivered.delivery_description) == (
        "UNDELIVERED", CARRIER_CODE, CARRIER_DESCRIPTION)

    # Tencent may push a receipt twice, and push one a pull already brought: nothing changes.
    body = [{"user_receive_time": "2026-01-01 08:00:00", "nationcode": "86", "mobile": "13800138000",
             "report_status": "FAIL", "errmsg": "X", "description": "late", "sid": delivered.serial_no}]
    before = list(SmsMessage.objects.filter(pk__in=ids).order_by("pk").values())
    response = admin_client.post(push_url(tencent_connector), json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    assert list(SmsMessage.objects.filter(pk__in=ids).order_by("pk").values()) == before

    tenant_id = tencent_connector.tenant.id
    page = admin_client.get(reverse("connectors:message_detail", args=[tenant_id, undelivered.pk])).content.decode()
    assert "Undelivered" in page and CARRIER_DESCRIPTION in page and CARRIER_CODE in page
    listed = admin_client.get(reverse("connectors:message_list", args=[tenant_id]), {"delivery": "UNDELIVERED"})
    assert [m.pk for m in listed.context["page"].object_list] == [undelivered.pk]


def test_a_receipt_for_an_unknown_serial_no_is_ignored_and_logged(client, tencent_connector, make_admin,
                                                                  make_tenant, caplog):
    other_tenant = make_tenant(make_admin("other"), name="Other")
    foreign = make_sent(other_tenant, "2001:foreign")
    body = [{"report_status": "SUCCESS", "errmsg": "DELIVRD", "sid": "2001:nobody"},
            {"report_status": "SUCCESS", "errmsg": "DELIVRD", "sid": foreign.serial_no}]

    with caplog.at_level(logging.WARNING, logger="connectors.services"):
        response = client.post(push_url(tencent_connector), json.dumps(body), content_type="application/json")

    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    assert "2001:nobody" in caplog.text and "2001:foreign" in caplog.text
    assert SmsMessage.objects.get(pk=foreign.pk).delivery_status == "UNKNOWN"  # another tenant's row is untouched


def test_a_wrong_token_is_404_and_a_malformed_body_400_and_nothing_changes(client, tencent_connector):
    row = make_sent(tencent_connector.tenant, "2002:1", connector=tencent_connector)
    good = json.dumps([{"report_status": "SUCCESS", "sid": row.serial_no}])

    assert client.post(push_url(tencent_connector, token="x" * 43), good, content_type="application/json"
                       ).status_code == 404
    wrong_connector = reverse("connector_hooks:receipt_push", args=[tencent_connector.pk + 1000,
                                                                    tencent_connector.receipt_token])
    assert client.post(wrong_connector, good, content_type="application/json").status_code == 404
    for body in ("not json", "{}", '{"sid": "2002:1"}', "[1]", '[{"report_status": "SUCCESS"}]',
                 '[{"report_status": "MAYBE", "sid": "2002:1"}]',
                 '[{"report_status": "SUCCESS", "sid": "2002:1", "user_receive_time": "yesterday"}]',
                 '[{"report_status": "SUCCESS", "sid": "2002:1", "description": "a\\u0000b"}]',
                 '[{"report_status": "SUCCESS", "sid": "2002:1"}, {"sid": "2002:1"}]'):
        response = client.post(push_url(tencent_connector), body, content_type="application/json")
        assert response.status_code == 400, body
    assert SmsMessage.objects.get(pk=row.pk).delivery_status == "UNKNOWN"
    assert client.get(push_url(tencent_connector)).status_code == 405
    response = client.post(push_url(tencent_connector), good, content_type="application/json")
    assert response.status_code == 200 and SmsMessage.objects.get(pk=row.pk).delivery_status == "DELIVERED"


def test_the_connector_page_shows_its_callback_url_with_an_unguessable_token(admin_client, tenant, admin,
                                                                             tencent_config):
    first = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config)
    second = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=tencent_config)
    assert len(first.receipt_token) >= 43 and first.receipt_token != second.receipt_token
    type(first).objects.filter(pk=first.pk).update(receipt_token="")  # saved before receipts existed

    page = admin_client.get(reverse("connectors:edit", args=[tenant.id, first.pk])).content.decode()

    first.refresh_from_db()
    assert first.receipt_token and selectors.receipt_callback_url(first) in page
    assert "Callback Configuration" in page


# --- Expiry ------------------------------------------------------------------------------------------------------


def test_a_message_without_a_receipt_expires_after_the_window_and_a_late_receipt_still_counts(tenant, settings):
    window = settings.SMS_RECEIPT_WINDOW
    old = make_sent(tenant, "3:old", finished_ago=window + timedelta(minutes=1))
    recent = make_sent(tenant, "3:recent", finished_ago=window - timedelta(minutes=1))
    delivered = make_sent(tenant, "3:delivered", finished_ago=window * 2, delivery_status="DELIVERED")
    failed = make_sent(tenant, "", finished_ago=window * 2, status="FAILED")

    assert sms_receipts_expire() == 1

    statuses = dict(SmsMessage.objects.values_list("pk", "delivery_status"))
    assert statuses == {old.pk: "EXPIRED", recent.pk: "UNKNOWN", delivered.pk: "DELIVERED", failed.pk: "UNKNOWN"}
    assert sms_receipts_expire(now=timezone.now() + timedelta(minutes=2)) == 1
    assert SmsMessage.objects.get(pk=recent.pk).delivery_status == "EXPIRED"

    settings.SMS_RECEIPT_WINDOW = timedelta(hours=1)
    young = make_sent(tenant, "3:young", finished_ago=timedelta(hours=2))
    assert sms_receipts_expire() == 1 and SmsMessage.objects.get(pk=young.pk).delivery_status == "EXPIRED"

    connector = type("C", (), {"tenant_id": tenant.pk, "pk": None})()
    tally = sms_receipts_apply(connector=connector, receipts=[
        Receipt(serial_no="3:old", report=DeliveryReport.DELIVERED, code="DELIVRD", description="", received_at=None)])
    assert tally.applied == 1 and SmsMessage.objects.get(pk=old.pk).delivery_status == "DELIVERED"
