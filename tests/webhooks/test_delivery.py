"""Delivery through the real Celery worker to a real receiver: retries, failures, Retry-After, the breaker, test
events, and the address rule applied to the connection itself.

The worker runs on tests.fixtures_services.WORKER_WEBHOOK_SETTINGS: every retry after a moment, a receiver given up
on after its timeout, the breaker tripping after a few failures in a row and closing again shortly."""
import time

import pytest

from console.users.services import end_user_create
from tests.fixtures_services import WORKER_WEBHOOK_SETTINGS
from tests.webhooks.receiver import Answer
from webhooks import delivery, transport
from webhooks.models import Hook, HookAttempt, HookDelivery

pytestmark = pytest.mark.django_db(transaction=True)
BREAKER_FAILURES = int(WORKER_WEBHOOK_SETTINGS["POSTERN_WEBHOOK_BREAKER_FAILURES"])
BREAKER_COOLDOWN = float(WORKER_WEBHOOK_SETTINGS["POSTERN_WEBHOOK_BREAKER_COOLDOWN_SECONDS"])


def create_user(mapi, username):
    user = end_user_create(tenant=mapi.tenant, acting_user=mapi.owner, username=username)
    return user


def test_503_twice_then_200_is_delivered_once_more_and_logged_as_three_attempts(mapi, receiver, make_hook,
                                                                                celery_worker, wait_for_delivery):
    receiver.script = [Answer(503), Answer(503), Answer(200)]
    hook = make_hook(mapi, ["User.Created"], receiver.url())
    create_user(mapi, "reader")
    [row] = wait_for_delivery(hook["id"], until=("SUCCEEDED",))
    assert row.attempts == 3
    first, second, third = receiver.wait_for(3)
    assert first.body == second.body == third.body  # the same bytes every time, signed every time
    assert all(received.signed_with(hook["signingKey"]) for received in (first, second, third))
    assert {received.headers["logto-delivery-id"] for received in (first, second, third)} == {row.delivery_id}
    status, logs, response = mapi.call("GET", f"/hooks/{hook['id']}/recent-logs")
    assert status == 200 and response["Total-Number"] == "3"
    assert [(log["payload"]["result"], log["payload"]["response"]["statusCode"], log["payload"]["attempt"])
            for log in logs] == [("Success", 200, 3), ("Error", 503, 2), ("Error", 503, 1)]
    assert {log["key"] for log in logs} == {"TriggerHook.User.Created"}
    assert logs[0]["payload"]["hookRequest"]["body"]["data"]["username"] == "reader"
    assert logs[2]["payload"]["retryInSeconds"] == pytest.approx(0.3)
    status, read, _ = mapi.call("GET", f"/hooks/{hook['id']}?includeExecutionStats=true")
    assert read["executionStats"] == {"successCount": 1, "requestCount": 3}


def test_400_fails_at_once(mapi, receiver, make_hook, celery_worker, wait_for_delivery):
    receiver.default = Answer(400, body=b'{"error":"unknown user"}')
    hook = make_hook(mapi, ["User.Created"], receiver.url())
    create_user(mapi, "reader")
    [row] = wait_for_delivery(hook["id"], until=("FAILED",))
    assert (row.attempts, row.last_status_code, row.last_error) == (1, 400, "HTTP 400")
    [attempt] = HookAttempt.objects.filter(delivery=row)
    assert attempt.response_head == '{"error":"unknown user"}' and attempt.retry_in is None
    time.sleep(1)
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed(mapi, receiver, make_hook, celery_worker, wait_for_delivery):
    receiver.default = Answer(302, headers={"Location": "http://169.254.169.254/latest/meta-data"})
    hook = make_hook(mapi, ["User.Created"], receiver.url())
    create_user(mapi, "reader")
    [row] = wait_for_delivery(hook["id"], until=("FAILED",))
    assert row.attempts == 1 and "redirects are not followed" in row.last_error


def test_retry_after_is_honoured(mapi, receiver, make_hook, celery_worker, wait_for_delivery):
    receiver.script = [Answer(429, headers={"Retry-After": "2"})]
    hook = make_hook(mapi, ["User.Created"], receiver.url())
    create_user(mapi, "reader")
    wait_for_delivery(hook["id"], until=("SUCCEEDED",))
    first, second = receiver.wait_for(2)
    assert second.at - first.at >= 2.0


def test_a_receiver_that_never_answers_times_out_and_is_retried(mapi, receiver, make_hook, celery_worker):
    receiver.default = Answer(hang=True)
    hook = make_hook(mapi, ["User.Created"], receiver.url())
    create_user(mapi, "reader")
    receiver.wait_for(2, timeout=20)  # the first attempt timed out; a second came
    attempt = HookAttempt.objects.filter(hook_id=hook["id"]).order_by("number").first()
    assert attempt.status_code is None and attempt.result == "Error" and "timed out" in attempt.error.lower()
    assert attempt.latency_ms >= 900


def test_the_breaker_pauses_a_failing_receiver_then_a_probe_closes_it(mapi, receiver, make_hook, celery_worker,
                                                                       wait_for_delivery):
    receiver.default = Answer(500)
    hook = make_hook(mapi, ["User.Created"], receiver.url())
    create_user(mapi, "first")
    receiver.wait_for(BREAKER_FAILURES)
    deadline = time.monotonic() + 10
    while not Hook.objects.get(pk=hook["id"]).paused_until:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    breaker = mapi.call("GET", f"/hooks/{hook['id']}")[1]["circuitBreaker"]
    assert breaker["open"] is True and breaker["consecutiveFailures"] >= BREAKER_FAILURES
    create_user(mapi, "second")
    wait_for_delivery(hook["id"], until=("QUEUED",), count=2)
    held = HookDelivery.objects.filter(hook_id=hook["id"], held=True)
    deadline = time.monotonic() + 10
    while held.count() < 2:
        assert time.monotonic() < deadline, list(HookDelivery.objects.values_list("status", "held", "attempts"))
        time.sleep(0.05)
    calls = len(receiver.received)
    time.sleep(0.5)
    assert len(receiver.received) == calls  # paused: the receiver is left alone

    receiver.default = Answer(200)
    time.sleep(BREAKER_COOLDOWN)
    deadline = time.monotonic() + 20
    while HookDelivery.objects.filter(hook_id=hook["id"], status="SUCCEEDED").count() < 2:
        assert time.monotonic() < deadline, list(HookDelivery.objects.values_list("status", "held", "attempts"))
        delivery.deliveries_sweep()  # what beat does every few seconds
        time.sleep(0.2)
    rows = wait_for_delivery(hook["id"], until=("SUCCEEDED",), count=2)
    assert {bytes(row.body) for row in rows} == {received.body for received in receiver.received[-2:]}
    assert mapi.call("GET", f"/hooks/{hook['id']}")[1]["circuitBreaker"]["open"] is False


def test_a_test_event_is_sent_now_and_answers_logtos_statuses(mapi, receiver, make_hook):
    hook = make_hook(mapi, ["PostSignIn", "User.Created"], receiver.url())
    status, answer, _ = mapi.call("POST", f"/hooks/{hook['id']}/test", {
        "events": ["PostSignIn", "User.Created"], "config": {"url": receiver.url("/other")}})
    assert status == 204, answer
    sign_in, created = receiver.received
    assert sign_in.path == "/other" and sign_in.signed_with(hook["signingKey"])
    assert (sign_in.json["event"], sign_in.json["hookId"], sign_in.json["userId"]) == ("PostSignIn", hook["id"],
                                                                                      "fake-id")
    assert created.json["data"] == {"result": "success"} and created.json["path"] == "/fake-path/:id"

    receiver.default = Answer(500, body=b"receiver is down")
    status, answer, _ = mapi.call("POST", f"/hooks/{hook['id']}/test", {"events": ["PostSignIn"],
                                                                      "config": {"url": receiver.url()}})
    assert (status, answer["code"]) == (422, "hook.endpoint_responded_with_error")
    assert answer["data"] == {"responseStatus": 500, "responseBody": "receiver is down"}

    status, answer, _ = mapi.call("POST", f"/hooks/{hook['id']}/test", {"events": ["PostSignIn"],
                                                                      "config": {"url": "http://127.0.0.1:9/"}})
    assert (status, answer["code"]) == (422, "hook.send_test_payload_failed") and answer["message"]
    status, logs, response = mapi.call("GET", f"/hooks/{hook['id']}/recent-logs")
    assert response["Total-Number"] == "4"
    assert HookDelivery.objects.filter(hook_id=hook["id"], is_test=True).count() == 4


def test_the_connection_itself_refuses_a_forbidden_address(receiver, settings):
    """The rule is asked again about the address a delivery connected to, so a name that resolves to a forbidden
    address by then (DNS rebinding) sends nothing."""
    settings.PRODUCTION = True
    outcome = transport.post(f"https://localhost:{receiver.port}/hooks", b"{}", {})
    assert outcome.error_kind == "refused" and "private or loopback" in outcome.error
    outcome = transport.post(f"http://localhost:{receiver.port}/hooks", b"{}", {})
    assert outcome.error_kind == "refused" and "https" in outcome.error
    assert receiver.received == []
    settings.PRODUCTION = False
    outcome = transport.post(receiver.url(), b"{}", {})
    assert outcome.status_code == 200 and len(receiver.received) == 1


def test_a_duplicated_task_sends_nothing_twice(mapi, receiver, make_hook, celery_worker, wait_for_delivery):
    receiver.default = Answer(delay=0.5)
    hook = make_hook(mapi, ["User.Created"], receiver.url())
    create_user(mapi, "reader")
    row = HookDelivery.objects.get(hook_id=hook["id"])
    delivery.publish_each([row.pk] * 5)  # a broker that redelivers, a sweeper that publishes it again
    wait_for_delivery(hook["id"], until=("SUCCEEDED",))
    time.sleep(1)
    assert len(receiver.received) == 1 and HookAttempt.objects.filter(delivery=row).count() == 1
