"""The console's webhook pages: list, editor, signing key, test event, deliveries with their attempts, redeliver,
the breaker's state, in English and Chinese."""
import re

import pytest
from django.utils import timezone

from console.audit.models import AuditEntry
from tests.webhooks.receiver import Answer
from webhooks.models import Hook, HookAttempt, HookDelivery

pytestmark = pytest.mark.django_db(transaction=True)
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def create(admin_client, tenant, url, **fields):
    data = {"name": "CRM", "url": url, "events": ["PostSignIn", "User.Created"],
            "headers": "Authorization: Bearer crm-token\nX-Team: growth", "enabled": "on", **fields}
    return admin_client.post(f"/console/t/{tenant.id}/webhooks/new", data)


def test_create_shows_the_key_once_then_edit_reveal_and_rotate(admin_client, tenant, receiver):
    page = admin_client.get(f"/console/t/{tenant.id}/webhooks")
    assert page.status_code == 200 and "No webhook yet." in page.content.decode()
    assert f'href="/console/t/{tenant.id}/webhooks"' in page.content.decode()  # the nav entry
    created = create(admin_client, tenant, receiver.url())
    hook = Hook.objects.get(tenant=tenant)
    assert created.status_code == 302 and created["Location"] == f"/console/t/{tenant.id}/webhooks/{hook.pk}"
    assert hook.headers == {"Authorization": "Bearer crm-token", "X-Team": "growth"}
    assert hook.events == ["PostSignIn", "User.Created"]
    detail = admin_client.get(created["Location"])
    body = detail.content.decode()
    key = re.search(r'id="signing-key">(\w+)<', body).group(1)
    assert len(key) == 32 and detail["Cache-Control"].startswith("max-age=0")
    assert "Bearer crm-token" in body  # the editor shows what the admin entered
    again = admin_client.get(created["Location"]).content.decode()
    assert key not in again and "Show the signing key" in again

    admin_client.post(f"/console/t/{tenant.id}/webhooks/{hook.pk}/signing-key")
    assert key in admin_client.get(created["Location"]).content.decode()
    admin_client.post(f"/console/t/{tenant.id}/webhooks/{hook.pk}/signing-key/rotate")
    rotated = re.search(r'id="signing-key">(\w+)<', admin_client.get(created["Location"]).content.decode()).group(1)
    assert rotated != key

    saved = admin_client.post(created["Location"], {"name": "CRM v2", "url": receiver.url("/v2"),
                                                    "events": ["PostRegister"], "headers": ""})
    assert saved.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.url, hook.events, hook.headers, hook.enabled) == (
        "CRM v2", receiver.url("/v2"), ["PostRegister"], {}, False)
    actions = list(AuditEntry.objects.filter(target_type="hook").order_by("id").values_list("action", flat=True))
    assert actions == ["hook.create", "hook.reveal_signing_key", "hook.rotate_signing_key", "hook.update"]
    assert "crm-token" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


@pytest.mark.parametrize("url, message", [
    ("http://169.254.169.254/latest/meta-data", "link-local, cloud metadata"),
    ("http://hooks.example/x", "must use https"),
    ("not a url", "Enter a valid"),
])
def test_a_refused_url_is_shown_on_the_form_and_nothing_is_saved(admin_client, tenant, url, message):
    answer = create(admin_client, tenant, url)
    assert answer.status_code == 400 and message in answer.content.decode()
    assert not Hook.objects.exists()


def test_a_bad_header_line_or_no_event_is_refused(admin_client, tenant, receiver):
    answer = create(admin_client, tenant, receiver.url(), headers="no colon here")
    assert answer.status_code == 400 and "Line 1 is not Name: value." in answer.content.decode()
    answer = create(admin_client, tenant, receiver.url(), events=[])
    assert answer.status_code == 400 and "Choose at least one event." in answer.content.decode()
    assert not Hook.objects.exists()


def test_send_test_event_shows_the_request_and_the_answer(admin_client, tenant, receiver):
    create(admin_client, tenant, receiver.url())
    hook = Hook.objects.get()
    receiver.script = [Answer(202, body=b'{"received":true}')]
    sent = admin_client.post(f"/console/t/{tenant.id}/webhooks/{hook.pk}/test", {"event": "User.Created"})
    test_delivery = HookDelivery.objects.get(hook=hook, is_test=True)
    assert sent["Location"] == f"/console/t/{tenant.id}/webhooks/{hook.pk}/deliveries/{test_delivery.delivery_id}"
    page = admin_client.get(sent["Location"]).content.decode()
    assert "Test event delivered: HTTP 202" in page and "{&quot;received&quot;:true}" in page
    assert "logto-signature-sha-256" in page and "Bearer crm-token" not in page  # header values masked
    assert "&quot;event&quot;: &quot;User.Created&quot;" in page
    [received] = receiver.received
    assert received.headers["authorization"] == "Bearer crm-token"
    assert received.headers["logto-delivery-id"] == test_delivery.delivery_id

    receiver.default = Answer(503)
    sent = admin_client.post(f"/console/t/{tenant.id}/webhooks/{hook.pk}/test", {"event": "PostSignIn"})
    assert "Test event not delivered: HTTP 503" in admin_client.get(sent["Location"]).content.decode()
    listing = admin_client.get(f"/console/t/{tenant.id}/webhooks/{hook.pk}").content.decode()
    assert listing.count("(test)") == 2 and "HTTP 503" in listing


def test_redeliver_queues_the_same_bytes_again_and_the_breaker_shows_and_resumes(admin_client, tenant, receiver,
                                                                                  celery_worker):
    create(admin_client, tenant, receiver.url())
    hook = Hook.objects.get()
    row = HookDelivery.objects.create(tenant=tenant, hook=hook, event="User.Created", body=b'{"event":"User.Created"}',
                                      status=HookDelivery.Status.FAILED, attempts=8, attempt_limit=8,
                                      next_attempt_at=timezone.now(), finished_at=timezone.now(),
                                      last_error="HTTP 503")
    url = f"/console/t/{tenant.id}/webhooks/{hook.pk}/deliveries/{row.delivery_id}"
    assert "Redeliver" in admin_client.get(url).content.decode()
    admin_client.post(f"{url}/redeliver")
    [received] = receiver.wait_for(1)
    assert received.body == b'{"event":"User.Created"}' and received.headers["logto-delivery-id"] == row.delivery_id
    row.refresh_from_db()
    assert (row.status, row.attempts, row.attempt_limit) in {("SUCCEEDED", 9, 16), ("DELIVERING", 9, 16)}
    assert AuditEntry.objects.filter(action="hook.redeliver").exists()

    Hook.objects.filter(pk=hook.pk).update(consecutive_failures=12, paused_until=timezone.now() + timezone.timedelta(
        minutes=10))
    detail = admin_client.get(f"/console/t/{tenant.id}/webhooks/{hook.pk}").content.decode()
    assert "The endpoint failed 12 times in a row." in detail and "Resume now" in detail
    assert "Paused: failing" in admin_client.get(f"/console/t/{tenant.id}/webhooks").content.decode()
    admin_client.post(f"/console/t/{tenant.id}/webhooks/{hook.pk}/resume")
    hook.refresh_from_db()
    assert (hook.consecutive_failures, hook.paused_until) == (0, None)


def test_delete(admin_client, tenant, receiver):
    create(admin_client, tenant, receiver.url())
    hook = Hook.objects.get()
    answer = admin_client.post(f"/console/t/{tenant.id}/webhooks/{hook.pk}/delete")
    assert answer["Location"] == f"/console/t/{tenant.id}/webhooks" and not Hook.objects.exists()


def test_the_pages_speak_chinese(admin_client, tenant, receiver):
    create(admin_client, tenant, receiver.url())
    hook = Hook.objects.get()
    HookAttempt.objects.all().delete()
    listing = admin_client.get(f"/console/t/{tenant.id}/webhooks", **ZH).content.decode()
    assert "创建 Webhook" in listing and "Create webhook" not in listing
    detail = admin_client.get(f"/console/t/{tenant.id}/webhooks/{hook.pk}", **ZH).content.decode()
    assert "签名密钥" in detail and "发送测试事件" in detail and "Signing key" not in detail
