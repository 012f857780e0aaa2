"""The SMS pipeline end to end: rows → Redis → a real Celery worker → the real Tencent SDK → the emulator process."""
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.exceptions import NoSmsConnector, SmsQueueUnavailable
from connectors.models import SmsMessage
from connectors.services import connector_set_enabled, sms_send, sms_test_send
from connectors.tasks import deliver_sms

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+8613800138000"
CODE = "482913"


def send_code(tenant, usage_type="SignIn", code=CODE, minutes=10):
    return sms_send(tenant=tenant, phone_e164=PHONE, usage_type=usage_type, code=code,
                    valid_until=timezone.now() + timedelta(minutes=minutes))


def test_a_sign_in_code_is_sent_once_signed_and_then_wiped(celery_worker, tencent_connector, sms_emulator,
                                                            wait_for_sms):
    message = send_code(tencent_connector.tenant)

    assert message.status == "QUEUED" and message.code_encrypted and CODE not in message.code_encrypted
    sent = wait_for_sms(message.pk)
    assert sent.status == "SENT" and sent.attempts == 1
    assert re.fullmatch(r"\d{4}:\d{25}", sent.serial_no) and sent.fee == 1 and sent.provider_request_id
    assert sent.code_encrypted == "" and sent.config_encrypted == ""
    [record] = sms_emulator.client.requests()
    assert record["signature_valid"] and record["secret_id"] == sms_emulator.secret_id
    assert record["params"]["TemplateId"] == "2002" and record["params"]["TemplateParamSet"] == [CODE]
    assert record["params"]["SessionContext"] == str(message.pk)
    assert CODE not in celery_worker.log() and PHONE not in celery_worker.log()


def test_a_test_send_uses_the_generic_template_and_a_random_six_digit_code(celery_worker, tenant, admin,
                                                                            emulator_config, sms_emulator,
                                                                            wait_for_sms):
    message = sms_test_send(tenant=tenant, acting_user=admin, provider_key="tencent", config=emulator_config,
                            phone_raw="+86 138-0013-8000")

    assert message.is_test and message.connector is None and message.phone == PHONE
    assert wait_for_sms(message.pk).status == "SENT"
    [record] = sms_emulator.client.requests()
    assert record["signature_valid"] and record["params"]["TemplateId"] == "2004"
    [param] = record["params"]["TemplateParamSet"]
    assert re.fullmatch(r"\d{6}", param)
    assert SmsMessage.objects.get(pk=message.pk).config_encrypted == ""


@pytest.mark.parametrize("scenario, error_code, error_class, fix_words", [
    ("wrong secret", "AuthFailure.SignatureFailure", "credentials", "accessKeySecret"),
    ("template not approved", "FailedOperation.TemplateIncorrectOrUnapproved", "template", "template IDs"),
    ("daily limit", "LimitExceeded.PhoneNumberDailyLimit", "per_number_limit", "per-number limits"),
])
def test_final_errors_fail_at_once_with_the_fix(celery_worker, tenant, admin, emulator_config, sms_emulator,
                                                wait_for_sms, scenario, error_code, error_class, fix_words):
    from connectors.selectors import message_fix

    if scenario == "wrong secret":
        emulator_config["accessKeySecret"] = "not-the-secret-at-all"
    elif scenario == "template not approved":
        sms_emulator.client.configure(templates={"2001": 1, "2002": 1, "2003": 1})
    else:
        sms_emulator.client.script_phone(PHONE, error_code)

    message = sms_test_send(tenant=tenant, acting_user=admin, provider_key="tencent", config=emulator_config,
                            phone_raw=PHONE)

    failed = wait_for_sms(message.pk)
    assert (failed.status, failed.error_code, failed.error_class, failed.attempts) == (
        "FAILED", error_code, error_class, 1)
    assert fix_words in message_fix(failed)
    assert failed.code_encrypted == "" and failed.config_encrypted == ""
    assert len(sms_emulator.client.requests()) == 1


def test_an_http_502_is_retried_and_the_code_sent_exactly_once(celery_worker, tencent_connector, sms_emulator,
                                                                wait_for_sms):
    sms_emulator.client.script_next([{"http_status": 502}])

    message = send_code(tencent_connector.tenant)

    sent = wait_for_sms(message.pk, timeout=15)
    assert (sent.status, sent.attempts) == ("SENT", 2)
    records = sms_emulator.client.requests()
    assert [record["response_code"] for record in records] == ["HTTP 502", "Ok"]


def test_a_read_timeout_is_retried_once_only_because_the_sms_may_be_out(celery_worker, tencent_connector,
                                                                         sms_emulator, wait_for_sms):
    # Longer than the worker's 2 s SDK timeout, twice.
    sms_emulator.client.script_next([{"delay_ms": 2600}, {"delay_ms": 2600}])

    message = send_code(tencent_connector.tenant)

    failed = wait_for_sms(message.pk, timeout=20)
    assert (failed.status, failed.error_code, failed.attempts, failed.uncertain_attempts) == (
        "FAILED", "ClientNetworkError", 2, 1)
    time.sleep(0.8)  # the emulator records a delayed request once it has answered it
    assert len(sms_emulator.client.requests()) == 2


def test_no_retry_once_the_code_has_expired(celery_worker, tencent_connector, sms_emulator, wait_for_sms):
    sms_emulator.client.script_next([{"http_status": 503}])

    message = send_code(tencent_connector.tenant, minutes=0.02)  # valid ~1 s: shorter than the 2 s backoff

    failed = wait_for_sms(message.pk)
    assert (failed.status, failed.error_code, failed.attempts) == ("FAILED", "ServerNetworkError", 1)


def test_a_killed_worker_never_sends_twice_and_delivers_what_was_queued(celery_worker, tencent_connector,
                                                                        sms_emulator, wait_for_sms):
    tenant = tencent_connector.tenant
    sms_emulator.client.script_next([{"delay_ms": 1500}])
    in_flight = send_code(tenant)
    wait_for_sms(in_flight.pk, until=("SENDING",))

    celery_worker.kill()  # SIGKILL while the provider call is in flight
    queued_while_down = send_code(tenant, code="111111")
    deliver_sms.apply_async(args=[in_flight.pk])  # what a broker redelivery of the killed task looks like
    celery_worker.start()

    assert wait_for_sms(queued_while_down.pk).status == "SENT"
    time.sleep(1.5)  # time for the redelivered task, and for the emulator to record the delayed request
    assert SmsMessage.objects.get(pk=in_flight.pk).status == "SENDING"  # unknown outcome: never resent
    params = [record["params"]["TemplateParamSet"] for record in sms_emulator.client.requests()]
    assert sorted(params) == [["111111"], [CODE]]


def test_a_duplicated_task_sends_once(celery_worker, tencent_connector, sms_emulator, wait_for_sms):
    message = send_code(tencent_connector.tenant)
    wait_for_sms(message.pk)

    deliver_sms.apply_async(args=[message.pk])
    deliver_sms.apply_async(args=[message.pk])
    time.sleep(0.5)

    assert len(sms_emulator.client.requests()) == 1


@pytest.mark.django_db  # not transactional: the on-commit enqueue never runs, so no worker races this test
def test_a_deleted_connector_discards_its_queued_messages(tencent_connector, sms_emulator, admin):
    from connectors.services import connector_delete, sms_deliver

    message = send_code(tencent_connector.tenant)
    connector_delete(connector=tencent_connector, acting_user=admin)

    sms_deliver(message=SmsMessage.objects.get(pk=message.pk))

    failed = SmsMessage.objects.get(pk=message.pk)
    assert (failed.status, failed.error_code, failed.code_encrypted) == ("FAILED", "ConnectorDeleted", "")
    assert sms_emulator.client.requests() == []


def test_no_enabled_connector_refuses_before_anything_is_stored(tencent_connector, admin):
    connector_set_enabled(connector=tencent_connector, enabled=False, acting_user=admin)

    with pytest.raises(NoSmsConnector):
        send_code(tencent_connector.tenant)
    assert not SmsMessage.objects.exists()


def test_a_dead_broker_fails_fast_and_marks_the_row_failed(tencent_connector, broker_down):
    started = time.monotonic()
    with pytest.raises(SmsQueueUnavailable) as raised:
        send_code(tencent_connector.tenant)

    assert time.monotonic() - started < 3
    failed = SmsMessage.objects.get(pk=raised.value.sms_message.pk)
    assert (failed.status, failed.error_class, failed.code_encrypted) == ("FAILED", "queue", "")


def test_sweeper_closes_rows_a_lost_worker_left_sending_and_nothing_else(tencent_connector):
    from connectors.services import sms_sweep_stuck

    def sending_row(started):
        # Rows as a worker leaves them mid-call; created directly, so no task races this test for them.
        return SmsMessage.objects.create(
            tenant=tencent_connector.tenant, connector=tencent_connector, provider="tencent", usage_type="SignIn",
            phone=PHONE, template_code="2002", status="SENDING", attempts=1, code_encrypted="x", sending_at=started,
            valid_until=timezone.now() + timedelta(minutes=10))

    stuck = sending_row(timezone.now() - timedelta(minutes=10))
    fresh = sending_row(timezone.now())
    assert sms_sweep_stuck(older_than=timedelta(minutes=2)) == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, stuck.error_class, stuck.code_encrypted) == ("FAILED", "unknown_outcome", "")
    assert fresh.status == "SENDING"


def test_sweeper_closes_rows_still_queued_when_their_code_expired(tencent_connector):
    from connectors.services import sms_sweep_stuck

    def queued_row(valid_until):
        # A task the queue lost (a Redis restart without persistence) or that no worker ever ran.
        return SmsMessage.objects.create(
            tenant=tencent_connector.tenant, connector=tencent_connector, provider="tencent", usage_type="SignIn",
            phone=PHONE, template_code="2002", status="QUEUED", code_encrypted="x", valid_until=valid_until)

    lost = queued_row(timezone.now() - timedelta(seconds=1))
    waiting = queued_row(timezone.now() + timedelta(minutes=10))
    assert sms_sweep_stuck(older_than=timedelta(minutes=2)) == 1
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert (lost.status, lost.error_class, lost.code_encrypted) == ("FAILED", "expired", "")
    assert waiting.status == "QUEUED"
