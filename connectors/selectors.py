"""Reads on connectors and the SMS message log; every read is scoped to one tenant."""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from connectors.models import Connector, PipelineError, SmsMessage
from connectors.providers.base import ErrorClass, SmsProvider, fix_for
from connectors.registry import UnknownProvider, registry
from connectors.sandbox import account as sandbox
from console import crypto, tenant_cache
from console.phone import mask_phone

PIPELINE_FIXES = {
    PipelineError.QUEUE: gettext_lazy(
        "Postern could not reach its task queue (Redis), so nothing was sent. Check that Redis and the Celery worker "
        "are running, then send again."),
    PipelineError.EXPIRED: gettext_lazy(
        "The code expired before it could be delivered: the provider kept failing or the queue was backed up. Check "
        "the worker and the provider, then send again."),
    PipelineError.UNDELIVERABLE: gettext_lazy(
        "The connector was deleted, its provider removed, or its secrets cannot be decrypted with "
        "POSTERN_ENCRYPTION_KEY. Set the connector up again."),
    PipelineError.UNKNOWN_OUTCOME: gettext_lazy(
        "The worker stopped while waiting for the provider, so the SMS may or may not have gone out. It is not resent "
        "automatically, to never send a code twice."),
}
_PROVIDER_ERROR_CLASSES = frozenset(error_class.value for error_class in ErrorClass)


# --- Connectors --------------------------------------------------------------------------------------------------


def connectors_for_tenant(tenant):
    return Connector.objects.filter(tenant=tenant).order_by("kind", "created_at", "id")


def connector_for_tenant(tenant, connector_id) -> Connector:
    """The tenant's connector, or 404 (also for another tenant's connector)."""
    return get_object_or_404(Connector, tenant=tenant, pk=connector_id)


def enabled_sms_connector(tenant) -> Connector | None:
    """Read on every code sent: cached per tenant, dropped whenever a connector changes (connectors.apps)."""
    return tenant_cache.read("enabled-sms-connector", tenant.pk, lambda: Connector.objects.filter(
        tenant=tenant, kind=Connector.Kind.SMS, enabled=True).first())


def provider_or_none(key: str | None) -> SmsProvider | None:
    """The registered provider; None for an unknown key (a stored connector may outlive its provider module)."""
    try:
        return registry.get(key or "")
    except UnknownProvider:
        return None


def provider_for_factory(factory_id: str | None) -> SmsProvider | None:
    """The provider Logto's Management API names by its connector factory id (`tencent-short-message-service`)."""
    return next((provider for provider in registry.all() if provider.factory_id == factory_id), None)


def connector_secrets(connector: Connector) -> dict[str, str]:
    """The decrypted secret fields; raises ValueError when POSTERN_ENCRYPTION_KEY cannot decrypt them."""
    if not connector.secrets_encrypted:
        return {}
    return json.loads(crypto.decrypt(connector.secrets_encrypted))


def connector_full_config(connector: Connector) -> dict[str, Any]:
    """The config a provider sends with, secrets included: for the delivery task only, never for a page."""
    return {**connector.config, **connector_secrets(connector)}


def connector_for_receipt_push(connector_id: int, token: str) -> Connector | None:
    """The connector whose receipt callback URL this is; None for a wrong token (answered like a missing page)."""
    connector = Connector.objects.filter(pk=connector_id).first()
    if connector is None or not connector.receipt_token or not hmac.compare_digest(
            connector.receipt_token.encode(), token.encode()):
        return None
    return connector


def receipt_callback_url(connector: Connector) -> str:
    """The public URL the provider posts this connector's delivery receipts to."""
    path = reverse("connector_hooks:receipt_push", args=[connector.pk, connector.receipt_token])
    return settings.PUBLIC_URL + path


def connectors_awaiting_receipts() -> list[int]:
    """Enabled connectors whose provider pulls receipts and that have SENT messages awaiting one, in one query."""
    pulling = [provider.key for provider in registry.all() if provider.pulls_receipts]
    awaiting = SmsMessage.objects.filter(
        connector_id=OuterRef("pk"), delivery_status=SmsMessage.Delivery.UNKNOWN,
        finished_at__gte=timezone.now() - settings.SMS_RECEIPT_WINDOW, status=SmsMessage.Status.SENT,
    )
    return list(Connector.objects.filter(enabled=True, provider__in=pulling).filter(Exists(awaiting))
                .values_list("pk", flat=True))


# --- Messages ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageFilters:
    status: str = ""
    usage_type: str = ""
    phone_e164: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    delivery_status: str = ""


def messages_for_tenant(tenant, filters: MessageFilters | None = None):
    filters = filters or MessageFilters()
    messages = SmsMessage.objects.filter(tenant=tenant).select_related("connector").defer(
        "code_encrypted", "config_encrypted"
    )
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.usage_type:
        messages = messages.filter(usage_type=filters.usage_type)
    if filters.delivery_status:
        messages = messages.filter(status=SmsMessage.Status.SENT, delivery_status=filters.delivery_status)
    if filters.phone_e164:
        messages = messages.filter(phone=filters.phone_e164)
    if filters.date_from:
        messages = messages.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        messages = messages.filter(created_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return messages.order_by("-created_at", "-id")


def message_for_tenant(tenant, message_id) -> SmsMessage:
    """The tenant's message, or 404 (also for another tenant's message)."""
    return get_object_or_404(SmsMessage.objects.select_related("connector"), tenant=tenant, pk=message_id)


def sms_message_status(tenant, message_id) -> str | None:
    """QUEUED, SENDING, SENT or FAILED; None when the tenant has no such message."""
    return SmsMessage.objects.filter(tenant=tenant, pk=message_id).values_list("status", flat=True).first()


def message_fix(message: SmsMessage) -> str:
    """What the admin should do about a failed message, in plain words ("" when there is nothing to fix)."""
    if message.status != SmsMessage.Status.FAILED or not message.error_class:
        return ""
    if message.error_class in PIPELINE_FIXES:
        return PIPELINE_FIXES[PipelineError(message.error_class)]
    error_class = message.error_class if message.error_class in _PROVIDER_ERROR_CLASSES else ErrorClass.UNKNOWN
    provider = provider_or_none(message.provider)
    return provider.fix_for(error_class, message.error_code) if provider else fix_for(error_class, message.error_code)


def message_status_payload(message: SmsMessage) -> dict[str, Any]:
    """What the console's live progress shows; never the code, the full number or a secret."""
    return {
        "id": message.pk,
        "status": message.status,
        "status_label": message.get_status_display(),
        "finished": message.is_finished,
        "phone": mask_phone(message.phone),
        "attempts": message.attempts,
        "serial_no": message.serial_no,
        "fee": message.fee,
        "request_id": message.provider_request_id,
        "error_code": message.error_code,
        "error_message": message.error_message,
        "fix": message_fix(message),
        **message_routing(message),
    }


_ROUTE_LABELS = {"mainland": gettext_lazy("Mainland China"), "international": gettext_lazy("International")}
_NO_LOCALE = gettext_lazy("default (no locale)")


def message_routing(message: SmsMessage) -> dict[str, str]:
    """Which template served the message, on which route, for which country, in which language."""
    return {
        "template_code": message.template_code,
        "route": message.route,
        "route_label": str(_ROUTE_LABELS.get(message.route, message.route)),
        "country": message.country,
        "template_locale": message.template_locale,
        "locale_label": message.template_locale or str(_NO_LOCALE),
    }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def sms_sandbox(provider_key: str) -> dict[str, Any] | None:
    """The SMS sandbox's account, for the console's guide and message pages; None unless the sandbox is in use
    (`make run` without TENCENT_SMS_ENDPOINT) and the provider is the one it emulates."""
    if not settings.SMS_SANDBOX_INBOX_URL or provider_key != sandbox.PROVIDER_KEY:
        return None
    return {"inbox_url": settings.SMS_SANDBOX_INBOX_URL, "secret_id": sandbox.SECRET_ID,
            "sdk_app_id": sandbox.SDK_APP_ID, "sign_name": sandbox.SIGN_NAME, "templates": sandbox.templates()}


def message_sender(message: SmsMessage) -> dict[str, str]:
    """Which account sent a message, as the provider (and the sandbox's inbox) sees it: SDK AppID and SecretId."""
    config = message.connector.config if message.connector else {}
    return {"sdk_app_id": str(config.get("sdkAppId", "")), "secret_id": str(config.get("accessKeyId", ""))}
