"""Writes on hooks, for the console and the Management API alike; every change is audited (header names and the
fact of a key rotation, never a header value or a key)."""
import json
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from console import crypto, ids
from console.audit.services import audit_record, changed_fields
from console.tenants.models import Tenant
from webhooks import catalogue, delivery, payloads, transport, urls_policy
from webhooks.models import Hook, HookAttempt, HookDelivery

MAX_HOOKS_PER_TENANT = 50
MAX_NAME_LENGTH = 256
MAX_HEADERS = 20
MAX_HEADER_NAME_LENGTH = 256
MAX_HEADER_VALUE_LENGTH = 4096
# Set by Postern on every delivery; a hook cannot replace them.
RESERVED_HEADERS = frozenset({payloads.SIGNATURE_HEADER, payloads.DELIVERY_ID_HEADER, "content-type",
                              "content-length", "host", "transfer-encoding", "connection"})
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def _invalid(field, message, code="guard.invalid_input"):
    return ValidationError({field: ValidationError(message, code=code)})


def _new_signing_key():
    return ids.random_id(32, ids.ALNUM)


def _clean_name(name):
    name = (name or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        raise _invalid("name", _("Use at most %(max)d characters.") % {"max": MAX_NAME_LENGTH})
    return name


def _clean_events(events):
    if not isinstance(events, (list, tuple)) or not events:
        raise _invalid("events", _("Choose at least one event."), code="hook.missing_events")
    unknown = [event for event in events if event not in catalogue.EVENTS]
    if unknown:
        raise _invalid("events", _("Postern does not fire %(events)s; the events it fires are listed in the README.")
                       % {"events": ", ".join(str(event) for event in unknown)})
    return list(dict.fromkeys(events))


def _clean_url(url):
    refusal = urls_policy.url_refusal(url)
    if refusal:
        raise _invalid("url", refusal.message, code=refusal.code)
    return url.strip()


def _clean_headers(headers):
    headers = headers or {}
    if not isinstance(headers, dict):
        raise _invalid("headers", _("Headers must be pairs of a name and a value."))
    if len(headers) > MAX_HEADERS:
        raise _invalid("headers", _("Use at most %(max)d custom headers.") % {"max": MAX_HEADERS})
    cleaned = {}
    for name, value in headers.items():
        name = str(name).strip()
        if not _TOKEN.match(name) or len(name) > MAX_HEADER_NAME_LENGTH:
            raise _invalid("headers", _("“%(name)s” is not a valid header name.") % {"name": name[:60]})
        if name.lower() in RESERVED_HEADERS:
            raise _invalid("headers", _("The %(name)s header is set by Postern.") % {"name": name})
        if not isinstance(value, str) or len(value) > MAX_HEADER_VALUE_LENGTH or any(
                ord(c) < 32 and c != "\t" or ord(c) == 127 for c in value):
            raise _invalid("headers", _("The value of %(name)s must be one line of text (at most %(max)d "
                                        "characters).") % {"name": name, "max": MAX_HEADER_VALUE_LENGTH})
        cleaned[name] = value.strip()
    return cleaned


def _lock_tenant_hooks(tenant):
    # Serialises hook creation per tenant, so two at once cannot both pass the count.
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()


def _audit_view(hook):
    return {"name": hook.name, "events": list(hook.events), "url": hook.url, "headers": sorted(hook.headers),
            "enabled": hook.enabled}


@transaction.atomic
def hook_create(*, tenant, acting_user, url, events=None, name="", headers=None, enabled=True, legacy_event=None):
    """A new hook with a new signing key; returns (hook, signing key). `legacy_event` is Logto's deprecated single
    `event`, used when `events` is not given."""
    if events is None and legacy_event is not None:
        events = [legacy_event]
    hook = Hook(tenant=tenant, name=_clean_name(name), events=_clean_events(events), url=_clean_url(url),
                headers=_clean_headers(headers), enabled=bool(enabled),
                legacy_event=legacy_event if legacy_event in catalogue.EVENTS else None)
    _lock_tenant_hooks(tenant)
    if Hook.objects.filter(tenant=tenant).count() >= MAX_HOOKS_PER_TENANT:
        raise ValidationError(ValidationError(_("A tenant can have at most %(max)d webhooks.")
                                              % {"max": MAX_HOOKS_PER_TENANT}, code="hook.limit_reached"))
    key = _new_signing_key()
    hook.signing_key_encrypted = crypto.encrypt(key)
    hook.save()
    audit_record(tenant=tenant, actor=acting_user, action="hook.create", target=hook, changes=_audit_view(hook))
    return hook, key


_UNSET = object()


@transaction.atomic
def hook_update(*, hook, acting_user, name=_UNSET, events=_UNSET, url=_UNSET, headers=_UNSET, enabled=_UNSET,
                legacy_event=_UNSET):
    """Change what is given, keep the rest. A new URL, or enabling the hook, closes its breaker."""
    before = _audit_view(hook)
    if name is not _UNSET:
        hook.name = _clean_name(name)
    if events is not _UNSET:
        hook.events = _clean_events(events)
    if legacy_event is not _UNSET:
        if events is _UNSET and legacy_event is not None:
            hook.events = _clean_events([legacy_event])
        hook.legacy_event = legacy_event if legacy_event in catalogue.EVENTS else None
    if url is not _UNSET:
        hook.url = _clean_url(url)
    if headers is not _UNSET:
        hook.headers = _clean_headers(headers)
    if enabled is not _UNSET:
        hook.enabled = bool(enabled)
    hook.save()
    after = _audit_view(hook)
    if after["url"] != before["url"] or (after["enabled"] and not before["enabled"]):
        delivery.breaker_close(hook)
    diff = changed_fields(before, after)
    if diff:
        audit_record(tenant=hook.tenant, actor=acting_user, action="hook.update", target=hook, changes=diff)
    return hook


@transaction.atomic
def hook_delete(*, hook, acting_user):
    """Delete the hook and its deliveries (queued ones are not sent)."""
    audit_record(tenant=hook.tenant, actor=acting_user, action="hook.delete", target=hook,
                 changes={"name": hook.name, "url": hook.url})
    hook.delete()


@transaction.atomic
def hook_signing_key_rotate(*, hook, acting_user):
    """A new signing key, used from the next attempt on (queued deliveries included); returns it."""
    key = _new_signing_key()
    hook.signing_key_encrypted = crypto.encrypt(key)
    hook.save(update_fields=["signing_key_encrypted", "updated_at"])
    audit_record(tenant=hook.tenant, actor=acting_user, action="hook.rotate_signing_key", target=hook)
    return key


def hook_signing_key_reveal(*, hook, acting_user):
    """The signing key, for an admin who asked to see it in the console; the look is audited."""
    audit_record(tenant=hook.tenant, actor=acting_user, action="hook.reveal_signing_key", target=hook)
    return crypto.decrypt(hook.signing_key_encrypted)


@transaction.atomic
def hook_resume(*, hook, acting_user):
    """Close the hook's circuit breaker now; what it held is sent at once."""
    delivery.breaker_close(hook)
    audit_record(tenant=hook.tenant, actor=acting_user, action="hook.resume", target=hook)
    return hook


@dataclass(frozen=True)
class TestResult:
    event: str
    delivery: HookDelivery
    outcome: transport.Outcome


def hook_test_send(*, hook, acting_user, events, url=None, headers=None):
    """Send Logto's test payload of each event to `url` (default the hook's) now, one after the other, stopping at
    the first failure; each is recorded as a test delivery. A success to the hook's own URL closes its breaker.
    Returns the results; the last one failed unless all succeeded."""
    events = _clean_events(events)
    url = hook.url if url is None else _clean_url(url)
    headers = hook.headers if headers is None else _clean_headers(headers)
    key = crypto.decrypt(hook.signing_key_encrypted)
    results = []
    for event in events:
        body = json.dumps(payloads.test_payload(event, hook.pk), separators=(",", ":")).encode()
        started = timezone.now()
        row = HookDelivery.objects.create(
            tenant=hook.tenant, hook=hook, event=event, body=body, is_test=True, status=HookDelivery.Status.DELIVERING,
            attempts=1, attempt_limit=1, next_attempt_at=started, claimed_at=started)
        outcome = transport.post(url, body, payloads.request_headers(headers, row.delivery_id, key, body))
        error = "" if outcome.succeeded else delivery.describe_failure(outcome)[:300]
        HookAttempt.objects.create(
            delivery=row, hook=hook, number=1, url=url, status_code=outcome.status_code,
            result=HookAttempt.Result.SUCCESS if outcome.succeeded else HookAttempt.Result.ERROR,
            response_head=outcome.response_head, error=error, latency_ms=outcome.latency_ms, started_at=started)
        HookDelivery.objects.filter(pk=row.pk).update(
            status=HookDelivery.Status.SUCCEEDED if outcome.succeeded else HookDelivery.Status.FAILED,
            finished_at=timezone.now(), last_status_code=outcome.status_code, last_error=error)
        results.append(TestResult(event, row, outcome))
        if not outcome.succeeded:
            break
    if results[-1].outcome.succeeded and url == hook.url:
        delivery.breaker_close(hook)
    audit_record(tenant=hook.tenant, actor=acting_user, action="hook.test", target=hook,
                 changes={"events": events, "url": url, "succeeded": results[-1].outcome.succeeded})
    return results


@transaction.atomic
def delivery_redeliver(*, delivery_row, acting_user):
    """Queue a finished delivery again: the same bytes and delivery id, a new round of attempts."""
    if delivery_row.is_test:
        raise ValidationError(_("A test event is not redelivered; send a new one."), code="hook.test_not_redelivered")
    now = timezone.now()
    requeued = HookDelivery.objects.filter(
        pk=delivery_row.pk, status__in=(HookDelivery.Status.SUCCEEDED, HookDelivery.Status.FAILED)).update(
        status=HookDelivery.Status.QUEUED, attempt_limit=delivery_row.attempts + delivery.attempt_limit(),
        next_attempt_at=now, enqueued_at=now, finished_at=None, held=False)
    if not requeued:
        raise ValidationError(_("This delivery is still being sent."), code="hook.delivery_in_progress")
    audit_record(tenant=delivery_row.tenant, actor=acting_user, action="hook.redeliver", target=delivery_row.hook,
                 changes={"delivery": delivery_row.delivery_id, "event": delivery_row.event})
    transaction.on_commit(lambda: delivery.publish([delivery_row.pk]))
    delivery_row.refresh_from_db()
    return delivery_row
