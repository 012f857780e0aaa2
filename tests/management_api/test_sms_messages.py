"""/api/sms-messages: Postern's SMS log as JSON, paged and filtered, numbers masked as the console masks them."""
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import SmsMessage

pytestmark = pytest.mark.django_db

PHONE, OTHER_PHONE = "+8613800138000", "+8613900139000"


def message(tenant, phone=PHONE, **fields):
    row = SmsMessage.objects.create(tenant=tenant, provider="tencent", usage_type=fields.pop("usage_type", "SignIn"),
                                    phone=phone, template_code="2002", valid_until=timezone.now() + timedelta(minutes=10),
                                    country="CN", route="mainland", **fields)
    return row


@pytest.fixture
def log(mapi):
    now = timezone.now()
    return {
        "sent": message(mapi.tenant, status="SENT", serial_no="2019:1234567890", fee=1, provider_request_id="req-1",
                        delivery_status="DELIVERED", delivery_code="DELIVRD", delivered_at=now, finished_at=now,
                        attempts=1),
        "failed": message(mapi.tenant, OTHER_PHONE, status="FAILED", error_class="credentials",
                          error_code="AuthFailure.SecretIdNotFound", error_message="The SecretId is not found.",
                          usage_type="Register", attempts=1, finished_at=now),
        "queued": message(mapi.tenant, usage_type="Generic", is_test=True),
    }


def test_the_log_lists_newest_first_with_the_total_and_masked_numbers(mapi, log):
    status, body, response = mapi.call("GET", "/sms-messages")

    assert status == 200 and response["Total-Number"] == "3"
    assert [row["id"] for row in body] == [str(log[key].pk) for key in ("queued", "failed", "sent")]
    assert {row["phone"] for row in body} == {"+86*******8000", "+86*******9000"}
    assert PHONE not in response.content.decode() and "13800138000" not in response.content.decode()


def test_one_message_shows_status_receipt_serial_fee_and_purpose(mapi, log):
    status, body, _ = mapi.call("GET", f"/sms-messages/{log['sent'].pk}")

    assert status == 200
    assert body["status"] == "SENT" and body["deliveryStatus"] == "DELIVERED" and body["deliveryCode"] == "DELIVRD"
    assert body["serialNo"] == "2019:1234567890" and body["fee"] == 1 and body["requestId"] == "req-1"
    assert body["purpose"] == "SignIn" and body["factoryId"] == "tencent-short-message-service"
    assert body["route"] == "mainland" and body["country"] == "CN" and body["deliveredAt"] > 0
    assert body["errorClass"] is None and body["fix"] is None


def test_a_failure_names_its_error_class_and_the_consoles_fix(mapi, log):
    body = mapi.call("GET", f"/sms-messages/{log['failed'].pk}")[1]
    assert body["status"] == "FAILED" and body["errorClass"] == "credentials" and body["deliveryStatus"] is None
    assert body["errorCode"] == "AuthFailure.SecretIdNotFound" and "accessKeySecret" in body["fix"]


@pytest.mark.parametrize("query, expected", [
    ("status=FAILED", ["failed"]),
    ("phone=138%200013%208000", ["queued", "sent"]),
    ("phone=%2B8613900139000", ["failed"]),
    ("purpose=Generic", ["queued"]),
    ("deliveryStatus=DELIVERED", ["sent"]),
    ("status=SENT&phone=13900139000", []),
])
def test_filters(mapi, log, query, expected):
    status, body, response = mapi.call("GET", f"/sms-messages?{query}")
    assert status == 200 and [row["id"] for row in body] == [str(log[key].pk) for key in expected]
    assert response["Total-Number"] == str(len(expected))


def test_pages(mapi, log):
    body, response = mapi.call("GET", "/sms-messages?page=2&page_size=2")[1:]
    assert [row["id"] for row in body] == [str(log["sent"].pk)] and response["Total-Number"] == "3"


@pytest.mark.parametrize("query, path", [
    ("status=LOST", "status"), ("phone=12", "phone"), ("page=0", "page"), ("page_size=101", "page_size"),
])
def test_bad_filters_answer_400_with_the_field(mapi, query, path):
    status, body, _ = mapi.call("GET", f"/sms-messages?{query}")
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert path in str(body["data"])


def test_another_tenants_message_and_ids_that_are_no_row_answer_404(make_management_api):
    tenant_a, tenant_b = make_management_api(), make_management_api()
    theirs = message(tenant_a.tenant)
    for path in (str(theirs.pk), "abc", "99999999999999999999"):
        status, body, _ = tenant_b.call("GET", f"/sms-messages/{path}")
        assert status == 404 and body["code"] == "entity.not_exists_with_id"
    assert tenant_b.call("GET", "/sms-messages")[1] == []


def test_a_read_only_token_reads_the_log(make_management_api):
    reader = make_management_api(access="read")
    row = message(reader.tenant)
    assert reader.call("GET", f"/sms-messages/{row.pk}")[1]["id"] == str(row.pk)
