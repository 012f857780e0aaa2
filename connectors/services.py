"""Writes on connectors, and the SMS pipeline: every SMS is a row, queued after commit, delivered at most once.

Console changes are audited with field names only; secrets and codes never reach a log, an audit entry, the
broker or a page.
"""
from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from connectors import selectors
from connectors.budget import sms_budget_consume
from connectors.exceptions import NoSmsConnector, SmsQueueUnavailable, TestSendRateLimited
from connectors.models import Connector, PipelineError, SmsMessage
from connectors.providers.base import (
    MASK,
    ConfigError,
    DeliveryReport,
    Failed,
    MalformedReceipts,
    NoTemplate,
    Receipt,
    Sent,
    SmsProvider,
    UsageType,
)
from connectors.registry import UnknownProvider, registry
from console import code_format, crypto, events, ratelimit, redis_outage
from console.audit.services import audit_record, changed_fields
from console.phone import InvalidPhone, mask_phone, normalize_phone, region_of
from console.tenants.models import Tenant

__all__ = [
    "NoSmsConnector", "NoTemplate", "SmsQueueUnavailable", "TestSendRateLimited", "connector_config_for_edit",
    "connector_create", "connector_delete", "connector_set_enabled", "connector_update", "sms_deliver",
    "sms_deliver_timed_out", "sms_send", "sms_template_check", "sms_test_send", "connector_receipt_token_ensure",
    "sms_receipts_apply", "sms_receipts_expire", "sms_receipts_pull", "sms_receipts_push",
]

logger = logging.getLogger(__name__)

TEST_SEND_LIMIT = 5
TEST_SEND_WINDOW_SECONDS = 60
TEST_CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# A read timeout may mean the SMS went out; resending it risks a second SMS, so only once.
MAX_UNCERTAIN_RETRIES = 1
BACKOFF_BASE_SECONDS = 2
_QUEUE_ERRORS = (OperationalError, RedisError, OSError)


# --- Connectors ----------------------------------------------------------------------------------------------------


def connector_create(*, tenant, acting_user, provider_key: str, config: dict[str, Any], name: str = "") -> Connector:
    """Save a validated connector; it is enabled when the tenant has no enabled connector of its kind yet."""
    provider = _provider(provider_key)
    cleaned = _validated(provider, _with_kept_secrets(provider, config, {}))
    public, secret = _split_secrets(provider, cleaned)
    with transaction.atomic():
        _lock_tenant(tenant)
        has_enabled = Connector.objects.filter(tenant=tenant, kind=Connector.Kind.SMS, enabled=True).exists()
        connector = Connector.objects.create(
            tenant=tenant, kind=Connector.Kind.SMS, provider=provider.key, name=_display_name(name, provider),
            config=public, secrets_encrypted=_encrypt_secrets(secret), enabled=not has_enabled,
            receipt_token=_new_receipt_token(),
        )
        audit_record(tenant=tenant, actor=acting_user, action="connector.create", target=connector, changes={
            "provider": provider.key, "config": public, "secrets": sorted(secret), "enabled": connector.enabled,
        })
        _connector_updated(connector, "created", acting_user)
    return connector


def connector_update(*, connector: Connector, acting_user, config: dict[str, Any], name: str = "") -> Connector:
    """Replace the config; a secret left blank (or still masked) keeps the stored one."""
    provider = _provider(connector.provider)
    stored_secrets = _readable_secrets(connector)
    cleaned = _validated(provider, _with_kept_secrets(provider, config, stored_secrets))
    public, secret = _split_secrets(provider, cleaned)
    before = {**connector.config, **stored_secrets, "name": connector.name}
    with transaction.atomic():
        connector.name = _display_name(name, provider)
        connector.config = public
        connector.secrets_encrypted = _encrypt_secrets(secret)
        connector.save(update_fields=["name", "config", "secrets_encrypted", "updated_at"])
        changes = changed_fields(before, {**cleaned, "name": connector.name}, secret_fields=tuple(secret))
        if changes:
            audit_record(tenant=connector.tenant, actor=acting_user, action="connector.update", target=connector,
                         changes=changes)
            _connector_updated(connector, "updated", acting_user)
    return connector


def connector_set_enabled(*, connector: Connector, enabled: bool, acting_user) -> Connector:
    """Enable or disable; enabling one disables the tenant's other connector of the same kind, atomically."""
    with transaction.atomic():
        _lock_tenant(connector.tenant)
        if enabled:
            others = Connector.objects.filter(tenant_id=connector.tenant_id, kind=connector.kind, enabled=True)
            for other in others.exclude(pk=connector.pk):
                other.enabled = False
                other.save(update_fields=["enabled", "updated_at"])
                audit_record(tenant=connector.tenant, actor=acting_user, action="connector.disable", target=other,
                             changes={"reason": f"connector {connector.pk} enabled instead"})
                _connector_updated(other, "disabled", acting_user)
        if connector.enabled != enabled:
            connector.enabled = enabled
            connector.save(update_fields=["enabled", "updated_at"])
            audit_record(tenant=connector.tenant, actor=acting_user,
                         action="connector.enable" if enabled else "connector.disable", target=connector)
            _connector_updated(connector, "enabled" if enabled else "disabled", acting_user)
    return connector


@transaction.atomic
def connector_delete(*, connector: Connector, acting_user) -> None:
    """Delete the connector; its messages stay in the log, and queued ones fail as undeliverable."""
    audit_record(tenant=connector.tenant, actor=acting_user, action="connector.delete", target=connector,
                 changes={"provider": connector.provider, "name": connector.name})
    _connector_updated(connector, "deleted", acting_user)
    connector.delete()


def _connector_updated(connector, action, acting_user):
    events.emit(events.CONNECTOR_UPDATED, tenant=connector.tenant, connector=connector, action=action,
                actor=acting_user)


def connector_config_for_edit(connector: Connector) -> dict[str, Any]:
    """The config to show in the console: schema order, secrets masked to their last 4 characters."""
    provider = _provider(connector.provider)
    stored_secrets = _readable_secrets(connector)
    masked_secrets = provider.mask_secrets(stored_secrets)
    for name in _secret_names(provider):
        if name not in stored_secrets and connector.secrets_encrypted:
            masked_secrets[name] = MASK  # stored but unreadable: show that something is there
    merged = {**connector.config, **masked_secrets}
    ordered = {field.name: merged[field.name] for field in provider.config_fields if field.name in merged}
    return ordered | {key: value for key, value in merged.items() if key not in ordered}


def _provider(key: str) -> SmsProvider:
    try:
        return registry.get(key)
    except UnknownProvider:
        raise ValidationError({"provider": f"There is no provider called {key!r}."}) from None


def _display_name(name: str, provider: SmsProvider) -> str:
    return (name or "").strip()[:128] or provider.name


def _lock_tenant(tenant) -> None:
    # Serialises connector changes per tenant, so "enable this one, disable the others" cannot interleave.
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()


def _secret_names(provider: SmsProvider) -> list[str]:
    return [field.name for field in provider.config_fields if field.secret]


def _split_secrets(provider: SmsProvider, config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    names = set(_secret_names(provider))
    public = {key: value for key, value in config.items() if key not in names}
    secret = {key: value for key, value in config.items() if key in names}
    return public, secret


def _encrypt_secrets(secret: dict[str, str]) -> str:
    return crypto.encrypt(json.dumps(secret)) if secret else ""


def _readable_secrets(connector: Connector | None) -> dict[str, str]:
    if connector is None:
        return {}
    try:
        return selectors.connector_secrets(connector)
    except ValueError:
        logger.warning("Connector %s: stored secrets cannot be decrypted; they must be entered again", connector.pk)
        return {}


def _is_kept(value: Any) -> bool:
    return value is None or (isinstance(value, str) and (not value.strip() or value.startswith(MASK)))


def _with_kept_secrets(provider: SmsProvider, config: dict[str, Any], stored: dict[str, str]) -> dict[str, Any]:
    """A blank or masked secret means "keep the stored one"; with none stored, it is missing."""
    if not isinstance(config, dict):
        return config  # validation says what is wrong with it
    merged = dict(config)
    for name in _secret_names(provider):
        if _is_kept(merged.get(name)):
            if name in stored:
                merged[name] = stored[name]
            else:
                merged.pop(name, None)
    return merged


def _validated(provider: SmsProvider, config: Any) -> dict[str, Any]:
    try:
        return provider.validate(config)
    except ConfigError as exc:
        raise ValidationError({path: [message] for path, message in exc.errors.items()}) from None


# --- Sending -------------------------------------------------------------------------------------------------------


def sms_send(
    *, tenant, phone_e164: str, usage_type: str, code: str, valid_until: datetime, language: str = ""
) -> SmsMessage:
    """Queue a verification code for the tenant's enabled SMS connector; returns the QUEUED row.

    The template is the one for the number's route and usage type in `language` (the hosted page's), else the one
    without a locale; with none, NoTemplate is raised and nothing is stored or queued.

    The row is committed first and the task (row id only) enqueued on commit. Call this outside an atomic block:
    inside one, the task is enqueued when the outermost block commits and SmsQueueUnavailable comes out of that
    block's exit. Raises NoSmsConnector when none is enabled, SmsQueueUnavailable (row FAILED) when the broker is
    down — the caller answers 503.
    """
    usage_type = UsageType(usage_type)
    _check_code(code)
    normalized = normalize_phone(phone_e164, "ZZ")
    if normalized != phone_e164:
        raise ValueError("phone_e164 must already be E.164, e.g. +8613800138000; use console.phone")
    connector = selectors.enabled_sms_connector(tenant)
    if connector is None:
        raise NoSmsConnector(f"Tenant {tenant.pk} has no enabled SMS connector")
    provider = _provider(connector.provider)
    routing = _routing(provider, connector.config, phone_e164, usage_type, language)
    message = SmsMessage(
        tenant=tenant, connector=connector, provider=provider.key, usage_type=usage_type, phone=phone_e164,
        code_encrypted=crypto.encrypt(code), valid_until=valid_until, **routing,
    )
    sms_budget_consume(tenant=tenant, phone_e164=phone_e164, country=message.country)
    message.save()  # committed at once outside an atomic block, so the task below is published right away
    _enqueue_on_commit(message)
    return message


def sms_test_send(
    *, tenant, acting_user, provider_key: str, config: dict[str, Any], phone_raw: str,
    connector: Connector | None = None, language: str = "",
) -> SmsMessage:
    """Send a random code with the Generic template using the UNSAVED config, after checking it all.

    Raises ValidationError keyed by config path (`templates[2].usageType`, or the template list that has no Generic
    template for the number's route) or `phone`, TestSendRateLimited, or SmsQueueUnavailable. Blank secrets are
    taken from `connector` (the one being edited); `language` picks a localised template as on the hosted page.
    """
    provider = _provider(provider_key)
    if connector is not None and (connector.tenant_id != tenant.pk or connector.provider != provider.key):
        raise ValueError("connector must be the tenant's connector being edited, for the same provider")
    errors: dict[str, list[str]] = {}
    try:
        cleaned = _validated(provider, _with_kept_secrets(provider, config, _readable_secrets(connector)))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        phone = normalize_phone(phone_raw, tenant.default_country)
    except InvalidPhone as exc:
        errors["phone"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    try:
        routing = _routing(provider, cleaned, phone, UsageType.GENERIC, language)
    except NoTemplate as exc:
        raise ValidationError({exc.path: [exc.message]}) from None
    _count_test_send(tenant, acting_user)
    message = SmsMessage(
        tenant=tenant, connector=connector, provider=provider.key, usage_type=UsageType.GENERIC, phone=phone,
        **routing, code_encrypted=crypto.encrypt(code_format.code_generate()),
        config_encrypted=crypto.encrypt(json.dumps(cleaned)), valid_until=timezone.now() + TEST_CODE_LIFETIME,
        is_test=True,
    )
    with transaction.atomic():
        message.save()
        audit_record(tenant=tenant, actor=acting_user, action="connector.test_send", target=message, changes={
            "provider": provider.key, "connector": connector.pk if connector else None, "phone": mask_phone(phone),
        })
        _enqueue_on_commit(message)
    return message


def sms_template_check(*, tenant, phone_e164: str, usage_type: str, language: str = "") -> None:
    """Raise NoTemplate when `sms_send` would refuse this number for want of a template, so a code that is not
    sent (an unknown number) gets the same answer as one that is."""
    connector = selectors.enabled_sms_connector(tenant)
    if connector is not None:
        _routing(_provider(connector.provider), connector.config, phone_e164, UsageType(usage_type), language)


def _routing(provider: SmsProvider, config: dict[str, Any], phone_e164: str, usage_type: UsageType,
             language: str) -> dict[str, str]:
    """The row's template and routing fields; NoTemplate (logged, the admin must add one) when none fits."""
    try:
        choice = provider.template_for(config, phone_e164=phone_e164, usage_type=usage_type, language=language)
    except NoTemplate as exc:
        logger.warning("SMS to %s not queued: %s", mask_phone(phone_e164), exc.message)
        raise
    return {"template_code": choice.template_code, "route": choice.route, "template_locale": choice.locale,
            "country": region_of(phone_e164) or ""}


def _count_test_send(tenant, acting_user) -> None:
    # An admin and a Management API app may share a primary key: each kind counts in its own bucket.
    sender = f"{acting_user._meta.label_lower}:{acting_user.pk}"
    for key in (f"sms-test:sender:{sender}", f"sms-test:tenant:{tenant.pk}"):
        verdict = ratelimit.hit(key, limit=TEST_SEND_LIMIT, window=TEST_SEND_WINDOW_SECONDS)
        if not verdict.allowed:
            raise TestSendRateLimited(verdict.retry_after)


def _check_code(code: str) -> None:
    # Refused here, not by the provider after queueing (console.code_format says why the format fits Tencent).
    if not code_format.code_is_valid(code):
        raise ValueError(f"code must be {code_format.LENGTH} characters of {code_format.ALPHABET}")


def _enqueue_on_commit(message: SmsMessage) -> None:
    # The worker must find the row, so the task is published only once it is committed.
    transaction.on_commit(partial(_enqueue_delivery, message))


def _enqueue_delivery(message: SmsMessage, countdown: float | None = None) -> None:
    """Publish the row id; a dead broker fails fast (no publish retries), FAILs the row and raises."""
    from connectors.tasks import deliver_sms

    try:
        if settings.REDIS_URL:
            redis_outage.check()
        deliver_sms.apply_async(args=[message.pk], countdown=countdown, retry=False)
    except _QUEUE_ERRORS as exc:
        logger.error("SMS %s to %s could not be queued: %s", message.pk, mask_phone(message.phone), exc)
        _finish(message, SmsMessage.Status.FAILED, from_status=(SmsMessage.Status.QUEUED,),
                error_class=PipelineError.QUEUE, error_code="QueueUnavailable",
                error_message="The task queue could not be reached; nothing was sent.")
        message.refresh_from_db()
        raise SmsQueueUnavailable(message) from exc


# --- Delivery (in the Celery worker) ---------------------------------------------------------------------------------


def sms_deliver(*, message: SmsMessage) -> None:
    """Send a QUEUED message once: claim it (QUEUED → SENDING), call the provider, record the answer.

    At most once: the claim is a conditional UPDATE, so a redelivered or duplicated task finds the row SENDING,
    SENT or FAILED and does nothing. The price is a window: when the worker dies between the claim and the
    provider's answer, the row stays SENDING and is never resent — the SMS may or may not be out, and sending a
    code twice is the worse failure. A sweeper may mark such rows FAILED (`PipelineError.UNKNOWN_OUTCOME`) once
    they are older than the task's hard time limit.

    Transient failures go back to QUEUED and are retried with exponential backoff (2, 4, 8, 16 s; 5 attempts) while
    the code is valid; a failure that may have sent (read timeout) is retried once at most; the rest fail at once.
    """
    now = timezone.now()
    # Every attempt bumps `attempts`, so a row still QUEUED with the attempts we loaded is exactly the row we
    # loaded: no second read is needed, and a task holding a stale copy claims nothing.
    claimed = SmsMessage.objects.filter(
        pk=message.pk, status=SmsMessage.Status.QUEUED, attempts=message.attempts
    ).update(status=SmsMessage.Status.SENDING, sending_at=now, attempts=message.attempts + 1)
    if not claimed:
        logger.info("SMS %s was claimed by another attempt or is finished; not sending it again", message.pk)
        return
    message.status, message.sending_at, message.attempts = SmsMessage.Status.SENDING, now, message.attempts + 1
    if now >= message.valid_until:
        _fail(message, PipelineError.EXPIRED, "CodeExpired", "The code expired before it could be sent.")
        return
    try:
        provider, config = _delivery_setup(message)
    except _Undeliverable as exc:
        _fail(message, PipelineError.UNDELIVERABLE, exc.code, str(exc))
        return
    try:
        result = provider.send(
            config=config, phone_e164=message.phone, template_code=message.template_code,
            params=[crypto.decrypt(message.code_encrypted)], session_context=str(message.pk),
        )
    except Exception:
        # A bug, not an answer: the request may have gone out, so the row is closed rather than retried.
        logger.exception("SMS %s: the provider raised instead of answering", message.pk)
        _fail(message, PipelineError.UNKNOWN_OUTCOME, "ProviderCrashed", "Postern failed while sending.")
        return
    if isinstance(result, Sent):
        _finish(message, SmsMessage.Status.SENT, provider_request_id=result.request_id or "",
                serial_no=result.serial_no or "", fee=result.fee, error_code="", error_class="", error_message="")
        return
    retry_in = _retry_delay(message, result)
    if retry_in is None:
        _fail(message, result.error_class, result.error_code, result.message, request_id=result.request_id)
        return
    requeued = SmsMessage.objects.filter(pk=message.pk, status=SmsMessage.Status.SENDING).update(
        status=SmsMessage.Status.QUEUED, error_code=result.error_code, error_class=result.error_class,
        error_message=result.message[:500], provider_request_id=result.request_id or "",
        uncertain_attempts=F("uncertain_attempts") + int(result.maybe_sent),
    )
    if requeued:
        logger.info("SMS %s: %s, retrying in %s s", message.pk, result.error_code, retry_in)
        try:
            _enqueue_delivery(message, countdown=retry_in)
        except SmsQueueUnavailable:
            pass  # the row is FAILED and the error logged; nobody waits on this task


def sms_deliver_timed_out(*, message: SmsMessage) -> None:
    """The task ran out of time mid-call: the outcome is unknown and the row is closed, not resent."""
    _fail(message, PipelineError.UNKNOWN_OUTCOME, "TimeLimitExceeded",
          "The provider did not answer within the task's time limit.")


class _Undeliverable(Exception):
    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code = code


def _delivery_setup(message: SmsMessage) -> tuple[SmsProvider, dict[str, Any]]:
    try:
        provider = registry.get(message.provider)
    except UnknownProvider:
        raise _Undeliverable("ProviderGone", f"The provider {message.provider!r} is no longer installed.") from None
    try:
        if message.is_test:
            return provider, json.loads(crypto.decrypt(message.config_encrypted))
        if message.connector is None:
            # Like authentik's "Discarding message": the configuration it was meant for is gone.
            raise _Undeliverable("ConnectorDeleted", "The connector was deleted before the SMS was sent.")
        return provider, selectors.connector_full_config(message.connector)
    except ValueError:
        raise _Undeliverable("SecretsUnreadable", "The stored secrets cannot be decrypted.") from None


def _retry_delay(message: SmsMessage, result: Failed) -> int | None:
    if not result.retryable or message.attempts >= MAX_ATTEMPTS:
        return None
    if result.maybe_sent and message.uncertain_attempts >= MAX_UNCERTAIN_RETRIES:
        return None
    delay = BACKOFF_BASE_SECONDS * 2 ** (message.attempts - 1)
    if timezone.now() + timedelta(seconds=delay) >= message.valid_until:
        return None
    return delay


def _fail(message: SmsMessage, error_class: str, error_code: str, text: str, request_id: str | None = None) -> None:
    _finish(message, SmsMessage.Status.FAILED, error_class=str(error_class), error_code=error_code,
            error_message=(text or "")[:500], provider_request_id=request_id or "")


def _finish(message: SmsMessage, status: str, from_status=(SmsMessage.Status.SENDING,), **fields) -> None:
    """Record the final state and wipe the code and any test config, unless another task got there first."""
    updated = SmsMessage.objects.filter(pk=message.pk, status__in=from_status).update(
        status=status, finished_at=timezone.now(), code_encrypted="", config_encrypted="", **fields
    )
    if updated:
        logger.info("SMS %s to %s: %s %s", message.pk, mask_phone(message.phone), status, fields.get("error_code", ""))
        if status == SmsMessage.Status.FAILED and not message.is_test:
            _sms_failed(message, fields)


def _sms_failed(message: SmsMessage, fields) -> None:
    for name, value in fields.items():
        setattr(message, name, value)
    message.status = SmsMessage.Status.FAILED
    events.emit(events.SMS_FAILED, tenant=message.tenant, message=message, error_class=message.error_class,
                error_code=message.error_code, error_message=message.error_message,
                fix=selectors.message_fix(message))


def sms_sweep_stuck(*, older_than: timedelta) -> int:
    """Close rows nothing will finish: left SENDING by a worker that died mid-call (FAILED, outcome unknown, never
    resent), or still QUEUED when their code expired (the task was lost, or never published: FAILED, expired).

    Runs periodically (Celery beat); `older_than` must exceed the delivery task's hard time limit, so a row that a
    live worker is still sending is never touched. Returns how many rows were closed.
    """
    now = timezone.now()
    closed = {"finished_at": now, "code_encrypted": "", "config_encrypted": ""}
    lost = SmsMessage.objects.filter(status=SmsMessage.Status.SENDING, sending_at__lt=now - older_than).update(
        status=SmsMessage.Status.FAILED, **closed,
        error_class=str(PipelineError.UNKNOWN_OUTCOME), error_code="WorkerLost",
        error_message="The worker stopped while waiting for the provider; the SMS may or may not have been sent.",
    )
    expired = SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED, valid_until__lt=now).update(
        status=SmsMessage.Status.FAILED, **closed, error_class=str(PipelineError.EXPIRED), error_code="CodeExpired",
        error_message="The code expired before a worker sent it (the queue lost the task or no worker ran).",
    )
    return lost + expired


# --- Delivery receipts ---------------------------------------------------------------------------------------------

# A pull job run drains at most this many full batches (100 receipts each for Tencent); the rest waits 30 s.
RECEIPT_PULL_MAX_BATCHES = 50


@dataclass(frozen=True)
class ReceiptTally:
    applied: int = 0
    duplicates: int = 0
    unknown: int = 0

    def __add__(self, other: ReceiptTally) -> ReceiptTally:
        return ReceiptTally(self.applied + other.applied, self.duplicates + other.duplicates,
                            self.unknown + other.unknown)


def _new_receipt_token() -> str:
    return secrets.token_urlsafe(32)


def connector_receipt_token_ensure(*, connector: Connector) -> str:
    """The connector's callback token, generated on first use for connectors saved before receipts existed."""
    if not connector.receipt_token:
        Connector.objects.filter(pk=connector.pk, receipt_token="").update(receipt_token=_new_receipt_token())
        connector.receipt_token = Connector.objects.values_list("receipt_token", flat=True).get(pk=connector.pk)
    return connector.receipt_token


def sms_receipts_apply(*, connector: Connector, receipts: list[Receipt], now: datetime | None = None) -> ReceiptTally:
    """Record receipts on the connector's tenant's SENT rows, matched by serial number.

    Idempotent: a receipt only moves a row from UNKNOWN (or EXPIRED: the carrier's word beats our guess) to
    DELIVERED / UNDELIVERED, so a duplicate, pulled or pushed, changes nothing. A serial number the tenant never
    sent with is ignored and logged, so a stranger's receipts cannot touch another tenant's rows.
    """
    now = now or timezone.now()
    awaiting = (SmsMessage.Delivery.UNKNOWN, SmsMessage.Delivery.EXPIRED)
    rows = SmsMessage.objects.filter(tenant_id=connector.tenant_id, status=SmsMessage.Status.SENT)
    applied: set[str] = set()
    with transaction.atomic():
        for receipt in receipts:
            delivered = receipt.report == DeliveryReport.DELIVERED
            if rows.filter(serial_no=receipt.serial_no, delivery_status__in=awaiting).update(
                delivery_status=SmsMessage.Delivery.DELIVERED if delivered else SmsMessage.Delivery.UNDELIVERED,
                delivery_code=receipt.code, delivery_description=receipt.description,
                delivered_at=receipt.received_at if delivered else None, receipt_received_at=now,
            ):
                applied.add(receipt.serial_no)
                if not delivered:
                    _sms_undelivered(rows.filter(serial_no=receipt.serial_no).first(), receipt)
    rest = {receipt.serial_no for receipt in receipts} - applied
    known = set(rows.filter(serial_no__in=rest).values_list("serial_no", flat=True)) if rest else set()
    unknown = rest - known
    if unknown:
        logger.warning("Connector %s: ignored %s receipt(s) for serial numbers this tenant never sent: %s",
                       connector.pk, len(unknown), ", ".join(sorted(unknown)[:10]))
    return ReceiptTally(applied=len(applied), duplicates=len(receipts) - len(applied) - len(unknown),
                        unknown=len(unknown))


def _sms_undelivered(message: SmsMessage | None, receipt: Receipt) -> None:
    if message is None or message.is_test:
        return
    events.emit(events.SMS_UNDELIVERED, tenant=message.tenant, message=message, delivery_code=receipt.code,
                delivery_description=receipt.description)


def sms_receipts_pull(*, connector: Connector, max_batches: int = RECEIPT_PULL_MAX_BATCHES) -> ReceiptTally:
    """Pull the connector's queued receipts from its provider and record them, batch after batch while full."""
    tally = ReceiptTally()
    provider = selectors.provider_or_none(connector.provider)
    if provider is None or not provider.pulls_receipts:
        return tally
    try:
        config = selectors.connector_full_config(connector)
    except ValueError:
        logger.warning("Connector %s: stored secrets cannot be decrypted; receipts are not pulled", connector.pk)
        return tally
    for _ in range(max_batches):
        pulled = provider.pull_receipts(config=config, limit=provider.receipt_pull_limit)
        if pulled.error_code:
            logger.warning("Connector %s: pulling receipts failed: %s %s", connector.pk, pulled.error_code,
                           pulled.message)
            break
        tally += sms_receipts_apply(connector=connector, receipts=pulled.receipts)
        if len(pulled.receipts) < provider.receipt_pull_limit:
            break
    return tally


def sms_receipts_push(*, connector: Connector, body: bytes) -> dict[str, Any]:
    """Record receipts the provider pushed to the connector's callback URL; the answer the provider expects.

    Raises MalformedReceipts (nothing recorded) when the body is not the provider's shape.
    """
    provider = selectors.provider_or_none(connector.provider)
    if provider is None or not provider.receives_receipt_pushes:
        raise MalformedReceipts("This connector's provider does not push receipts.")
    sms_receipts_apply(connector=connector, receipts=provider.parse_receipt_push(body))
    return provider.receipt_push_answer()


def sms_receipts_expire(*, now: datetime | None = None) -> int:
    """Mark SENT rows EXPIRED ("no receipt") once settings.SMS_RECEIPT_WINDOW has passed without a receipt."""
    cutoff = (now or timezone.now()) - settings.SMS_RECEIPT_WINDOW
    expired = 0
    # Per connector (and the connector-less test sends), so each UPDATE walks the sms_awaiting_receipt index.
    for connector_id in [None, *Connector.objects.values_list("pk", flat=True)]:
        expired += SmsMessage.objects.filter(
            connector_id=connector_id, delivery_status=SmsMessage.Delivery.UNKNOWN, finished_at__lt=cutoff,
            status=SmsMessage.Status.SENT,
        ).update(delivery_status=SmsMessage.Delivery.EXPIRED)
    return expired


def sms_message_phone_reveal(*, sms_message: SmsMessage, acting_user) -> str:
    """The full number of a message, for an admin who asked to see it: personal data, so the look is audited."""
    audit_record(tenant=sms_message.tenant, actor=acting_user, action="sms_message.reveal_phone", target=sms_message)
    return sms_message.phone
