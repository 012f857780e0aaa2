"""/api/sms-messages: Postern's own, the tenant's SMS log as the console's Messages pages show it (numbers masked,
the provider's answer, the receipt, what to fix), paged as Logto's lists are."""
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from connectors import selectors
from connectors.models import SmsMessage
from connectors.providers.base import UsageType
from console.phone import InvalidPhone, mask_phone, normalize_phone
from management_api.errors import ApiError, not_found_with_id
from management_api.paging import PageParams, paged
from management_api.path_ids import row_id

router = Router(tags=["SMS messages (Postern)"])


class MessageQuery(Schema):
    status: Literal[tuple(SmsMessage.Status.values)] | None = Field(
        None, description="QUEUED, SENDING, SENT or FAILED.")
    phone: str | None = Field(None, max_length=40, description=(
        "Only messages to this number (E.164, or as dialled in the tenant's default country)."))
    purpose: Literal[tuple(usage.value for usage in UsageType)] | None = Field(
        None, description="Register, SignIn, ForgotPassword or Generic.")
    deliveryStatus: Literal[tuple(SmsMessage.Delivery.values)] | None = Field(None, description=(
        "Only SENT messages with this receipt: UNKNOWN (awaiting), DELIVERED, UNDELIVERED or EXPIRED (none in time)."))


def _millis(moment):
    return int(moment.timestamp() * 1000) if moment else None


def sms_message_json(message):
    """A row of the SMS log: never the code, the test config or the full number."""
    sent = message.status == SmsMessage.Status.SENT
    provider = selectors.provider_or_none(message.provider)
    return {
        "id": str(message.pk),
        "tenantId": message.tenant_id,
        "connectorId": str(message.connector_id) if message.connector_id else None,
        "factoryId": provider.factory_id if provider else None,
        "providerKey": message.provider,
        "purpose": message.usage_type,
        "isTest": message.is_test,
        "phone": mask_phone(message.phone),
        "country": message.country or None,
        "route": message.route or None,
        "templateCode": message.template_code,
        "templateLocale": message.template_locale or None,
        "status": message.status,
        "attempts": message.attempts,
        "requestId": message.provider_request_id or None,
        "serialNo": message.serial_no or None,
        "fee": message.fee,
        "errorCode": message.error_code or None,
        "errorClass": message.error_class or None,
        "errorMessage": message.error_message or None,
        "fix": selectors.message_fix(message) or None,
        "deliveryStatus": message.delivery_status if sent else None,
        "deliveryCode": message.delivery_code or None,
        "deliveryDescription": message.delivery_description or None,
        "deliveredAt": _millis(message.delivered_at),
        "receiptReceivedAt": _millis(message.receipt_received_at),
        "createdAt": _millis(message.created_at),
        "sendingAt": _millis(message.sending_at),
        "finishedAt": _millis(message.finished_at),
    }


def _filters(tenant, query):
    phone = ""
    if query.phone:
        try:
            phone = normalize_phone(query.phone, tenant.default_country)
        except InvalidPhone as exc:
            raise ApiError(400, "guard.invalid_input", str(exc), {"fields": {"phone": [str(exc)]}}) from None
    return selectors.MessageFilters(status=query.status or "", usage_type=query.purpose or "", phone_e164=phone,
                                    delivery_status=query.deliveryStatus or "")


@router.get("/sms-messages", summary="Get SMS messages", description=(
    "Postern's SMS log, newest first: `page` (from 1) and `page_size` (up to 100), the total in `Total-Number`. "
    "Numbers are masked (`+86*******8000`); the full number is shown only in the console, on request, audited."))
def list_sms_messages(request, response: HttpResponse, page: Query[PageParams], query: Query[MessageQuery]):
    tenant = request.auth.tenant
    rows = selectors.messages_for_tenant(tenant, _filters(tenant, query))
    return [sms_message_json(message) for message in paged(rows, page, response)]


@router.get("/sms-messages/{id}", summary="Get SMS message", description=(
    "One message: status (QUEUED → SENDING → SENT | FAILED), the provider's request id, serial number and fee, "
    "the delivery receipt once SENT, and for a failure its error class and what to fix — the console's message "
    "page as JSON. A test send's `Postern-Sms-Message-Id` header names one."))
def get_sms_message(request, id: str):
    pk = row_id(id)
    message = selectors.messages_for_tenant(request.auth.tenant).filter(pk=pk).first() if pk else None
    if message is None:
        raise not_found_with_id("SMS message", id)
    return sms_message_json(message)
