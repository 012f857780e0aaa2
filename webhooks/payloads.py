"""Webhook payloads in Logto's shapes (packages/core/src/libraries/hook/), built once when the event happens, and
the bytes each hook is sent: the payload plus its `hookId`, as compact JSON."""
import hashlib
import hmac
import json
import re

from django.conf import settings
from django.utils import timezone

from console import events
from console.accounts.models import User
from console.phone import mask_phone
from console.ratelimit import client_ip
from console.request_context import current_request
from console.shapes import application_json, user_json

# Logto's userInfoSelectFields: the user an interaction event carries.
USER_INFO_FIELDS = ("id", "username", "primaryEmail", "primaryPhone", "name", "avatar", "customData", "identities",
                    "lastSignInAt", "createdAt", "updatedAt", "profile", "applicationId", "isSuspended")
APPLICATION_FIELDS = ("id", "type", "name", "description")
USER_AGENT = "Postern (Logto-compatible webhooks)"
SIGNATURE_HEADER = "logto-signature-sha-256"
DELIVERY_ID_HEADER = "logto-delivery-id"
_ROUTE_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
_TENANT_PREFIX = re.compile(r"^/?t/<(?:\w+:)?tenant_id>")


def iso_now():
    """JavaScript's toISOString(): UTC, milliseconds, Z."""
    now = timezone.now()
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def body_for(payload, hook_id):
    return json.dumps({**payload, "hookId": hook_id}, separators=(",", ":"), ensure_ascii=False).encode()


def signature(signing_key, body):
    """Logto's `logto-signature-sha-256`: hex HMAC-SHA256 of exactly the bytes sent, keyed by the signing key."""
    return hmac.new(signing_key.encode(), body, hashlib.sha256).hexdigest()


def request_headers(custom_headers, delivery_id, signing_key, body):
    """Logto's headers (user-agent, the hook's own, the signature over exactly `body`) and the delivery id."""
    headers = {"user-agent": USER_AGENT, "content-type": "application/json"}
    headers.update(custom_headers or {})
    headers[SIGNATURE_HEADER] = signature(signing_key, body)
    headers[DELIVERY_ID_HEADER] = delivery_id
    return headers


def event_payload(event, details):
    """The payload of `event` (without `hookId`) from what its emitter told (console.events)."""
    payload = {"event": event, "createdAt": iso_now()}
    if event in events.INTERACTION_EVENTS.values():
        payload.update(_interaction(details))
    else:
        payload.update(_request_context(details.get("actor")))
        payload.update(_BUILDERS[event](details))
    return payload


def _pick(shape, fields):
    return {field: shape[field] for field in fields if field in shape}


def _public_session_id(session_key):
    # The session key is the cookie itself; receivers get a stable id of the session that signs nobody in.
    if not session_key:
        return None
    return hmac.new(settings.SECRET_KEY.encode(), f"webhook-session:{session_key}".encode(),
                    hashlib.sha256).hexdigest()[:21]


def _interaction(details):
    user, application = details["user"], details.get("application")
    payload = {
        "interactionEvent": details["interaction"],
        "sessionId": _public_session_id(details.get("session_id")),
        "userAgent": details.get("user_agent") or None,
        "userId": user.uid,
        "userIp": details.get("ip") or None,
        "user": _pick(user_json(user), USER_INFO_FIELDS),
    }
    if application is not None:
        payload["application"] = _pick(application_json(application), APPLICATION_FIELDS)
    return {key: value for key, value in payload.items() if value is not None}


def _request_context(actor):
    """What Logto sends for a data event about the request behind it — `userAgent`, `ip`, and for the Management
    API `method`, `path`, `matchedRoute`, `params` — plus Postern's `actor`: who made the change."""
    context = {}
    request = current_request()
    if request is not None:
        if request.headers.get("User-Agent"):
            context["userAgent"] = request.headers["User-Agent"]
        context["ip"] = client_ip(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and "management_api" in match.namespaces:
            params = {key: str(value) for key, value in match.kwargs.items() if key != "tenant_id"}
            route = _TENANT_PREFIX.sub("", match.route)
            context.update(method=request.method, path=request.path.split(f"/t/{match.kwargs['tenant_id']}", 1)[-1],
                           matchedRoute="/" + _ROUTE_ARGUMENT.sub(r":\1", route).lstrip("/"), params=params)
    if actor is not None:
        context["actor"] = _actor_json(actor)
    return context


def _actor_json(actor):
    if actor._meta.label == "applications.Application":
        return {"type": "Application", "id": actor.client_id, "name": actor.name}
    return {"type": "ConsoleAdmin", "id": actor.uid, "name": actor.username}


def _user_data(details):
    return {"data": user_json(details["user"])}


def _message_rate_limited(details):
    # Logto's shape ({action, recipient}) plus which limit refused it and when to try again.
    return {"action": "VerificationCodeSend", "recipient": details["recipient"], "limit": details["limit"],
            "retryAfter": details.get("retry_after")}


def _sms_json(message):
    return {
        "id": str(message.pk), "phone": mask_phone(message.phone), "country": message.country or None,
        "usageType": message.usage_type, "provider": message.provider,
        "connectorId": str(message.connector_id) if message.connector_id else None,
        "userId": _user_id_for_phone(message.tenant_id, message.phone),
        "attempts": message.attempts, "createdAt": _millis(message.created_at),
    }


def _user_id_for_phone(tenant_id, phone):
    return User.objects.filter(tenant_id=tenant_id, phone=phone).values_list("uid", flat=True).first()


def _sms_failed(details):
    message = details["message"]
    return {"data": {**_sms_json(message), "errorClass": details["error_class"], "errorCode": details["error_code"],
                     "errorMessage": details["error_message"], "fix": details.get("fix") or None}}


def _sms_undelivered(details):
    message = details["message"]
    return {"data": {**_sms_json(message), "serialNo": message.serial_no or None,
                     "deliveryCode": details.get("delivery_code") or None,
                     "deliveryDescription": details.get("delivery_description") or None}}


def _connector_updated(details):
    connector = details["connector"]
    return {"action": details["action"], "data": {
        "id": str(connector.pk), "kind": connector.kind, "provider": connector.provider,
        "name": connector.name, "enabled": connector.enabled}}


def _millis(moment):
    return int(moment.timestamp() * 1000) if moment else None


_BUILDERS = {
    events.USER_CREATED: _user_data,
    events.USER_DELETED: _user_data,
    events.USER_DATA_UPDATED: _user_data,
    events.USER_SUSPENSION_UPDATED: _user_data,
    events.MESSAGE_RATE_LIMITED: _message_rate_limited,
    events.SMS_FAILED: _sms_failed,
    events.SMS_UNDELIVERED: _sms_undelivered,
    events.CONNECTOR_UPDATED: _connector_updated,
}


def test_payload(event, hook_id):
    """Logto's test payload for `event` (generateHookTestPayload): fake data in the event's shape."""
    now = timezone.now()
    base = {"hookId": hook_id, "createdAt": iso_now(), "userAgent": "fake-user-agent"}
    if event in events.INTERACTION_EVENTS.values():
        millis = _millis(now)
        return {"event": event, **base, "sessionId": "fake-session-id", "userIp": "fake-user-ip", "userId": "fake-id",
                "user": {"id": "fake-id", "username": "fake-user", "primaryEmail": "fake-user@fake-service.com",
                         "primaryPhone": "1234567890", "name": "Fake User",
                         "avatar": "https://fake-service.com/avatars/fake-user.png", "customData": {"theme": "light"},
                         "identities": {"google": {"userId": "fake-google-user-id"}}, "profile": {},
                         "applicationId": "fake-application-id", "isSuspended": False, "lastSignInAt": millis,
                         "createdAt": millis, "updatedAt": millis},
                "application": {"id": "fake-spa-application-id", "type": "SPA", "name": "Fake Application",
                                "description": "Fake application data for testing"}}
    return {"event": event, **base, "path": "/fake-path/:id", "method": "POST", "status": 200,
            "params": {"id": "fake-id"}, "data": {"result": "success"}}
