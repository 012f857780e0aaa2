"""/api/connectors and /api/connector-factories: Logto's connector shapes over the console's connector services.

Config validation, secret masking, "one enabled connector per kind" and the test send are the console's own
(connectors.services); the API adds Logto's names and codes around them.
"""
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Router
from pydantic import Field, StrictBool, StrictStr

from connectors import selectors, services
from connectors.exceptions import SmsQueueUnavailable, TestSendRateLimited
from connectors.forms import MAX_CONFIG_DEPTH, check_config_text, json_depth
from connectors.registry import registry
from connectors.shapes import connector_factory_json, connector_json
from management_api.errors import ApiError, not_found_with_id, service_error
from management_api.path_ids import row_id
from management_api.text_guard import StorableBody
from management_api.transactions import outside_transaction

router = Router(tags=["Connectors"])

# The header a test send answers with: the id of its row in the SMS log (GET /api/sms-messages/{id}).
SMS_MESSAGE_ID_HEADER = "Postern-Sms-Message-Id"
# Fields of the request that are not part of the provider's config (everything else in an error is config).
_NOT_CONFIG = ("phone", "provider")


class ConnectorMetadata(StorableBody):
    target: StrictStr | None = None
    name: dict[StrictStr, StrictStr] | None = Field(
        None, description="Postern: the connector's display name, e.g. `{\"en\": \"Tencent SMS (production)\"}`.")
    logo: StrictStr | None = None
    logoDark: StrictStr | None = None


class ConnectorCreate(StorableBody):
    connectorId: StrictStr = Field(description="The connector factory ID: `tencent-short-message-service`.")
    config: dict[str, Any] | None = Field(None, description=(
        "The provider's config, as in the console's JSON editor: accessKeyId, accessKeySecret, signName, region, "
        "sdkAppId, templates[{usageType, templateCode, locale?}], and Postern's internationalSignName and "
        "internationalTemplates."))
    metadata: ConnectorMetadata | None = None
    syncProfile: StrictBool | None = None
    enableTokenStorage: StrictBool | None = None
    id: StrictStr | None = Field(None, description="Not supported: Postern chooses connector IDs.")
    enabled: StrictBool | None = Field(None, description=(
        "Postern: send with this connector (and stop the tenant's other SMS connector). Default: enabled when the "
        "tenant has no enabled SMS connector yet."))


class ConnectorUpdate(StorableBody):
    config: dict[str, Any] | None = Field(None, description=(
        "The whole config, replacing the stored one; a secret left blank or still masked keeps the stored secret."))
    metadata: ConnectorMetadata | None = None
    syncProfile: StrictBool | None = None
    enableTokenStorage: StrictBool | None = None
    enabled: StrictBool | None = Field(None, description=(
        "Postern: enable (disabling the tenant's other SMS connector) or disable this connector."))


class ConnectorTest(StorableBody):
    phone: StrictStr | None = Field(None, max_length=40, description="The number to send the test code to.")
    email: StrictStr | None = Field(None, max_length=320, description="Not supported: Postern has no email connector.")
    config: dict[str, Any] = Field(description="The unsaved config to test, secrets in full.")
    locale: StrictStr | None = Field(None, max_length=35, description=(
        "The template language to prefer (`zh-CN`, `en`), as the hosted page's language picks one."))


def _connector(tenant, connector_id):
    """The tenant's connector, or Logto's 404 (also for another tenant's id)."""
    pk = row_id(connector_id)
    connector = selectors.connectors_for_tenant(tenant).filter(pk=pk).first() if pk else None
    if connector is None:
        raise not_found_with_id("connector", connector_id)
    return connector


def _factory(factory_id):
    provider = selectors.provider_for_factory(factory_id)
    if provider is None:
        raise ApiError(422, "connector.not_found_with_connector_id",
                       f"There is no connector factory `{factory_id}`; Postern has "
                       + ", ".join(f"`{p.factory_id}`" for p in registry.all()) + ".")
    return provider


def _config_error(exc):
    """The console's config errors, each under its path in the request (`config.templates[2].usageType`)."""
    fields = {name: name if name in _NOT_CONFIG else f"config.{name}" for name in exc.message_dict}
    error = service_error(exc, fields=fields)
    if any(name not in _NOT_CONFIG for name in exc.message_dict):
        error.code = "connector.invalid_config"
    return error


def _check_config_bounds(request, config):
    """The console's bounds on a config's JSON text. The body's nesting is counted first (without recursion),
    so a config too deep for the bound is refused before anything walks it."""
    try:
        body = request.body.decode("utf-8", "replace")
        check_config_text(body if json_depth(body) > MAX_CONFIG_DEPTH + 1 else json.dumps(config, ensure_ascii=False))
    except ValidationError as exc:
        raise ApiError(400, "connector.invalid_config", str(exc.messages[0]),
                       {"fields": {"config": [str(m) for m in exc.messages]}}) from None


def _display_name(metadata, fallback):
    """Postern's connector name from Logto's metadata (`name` is a phrase per language: English first)."""
    if metadata is None:
        return fallback
    if metadata.target or metadata.logo or metadata.logoDark:
        raise ApiError(400, "connector.cannot_overwrite_metadata_for_non_standard_connector",
                       "An SMS connector's target and logo are its factory's; only metadata.name can be set.")
    names = metadata.name or {}
    return (names.get("en") or next(iter(names.values()), "") or fallback).strip()[:128]


def _refuse_social_only(body):
    if body.syncProfile:
        raise ApiError(422, "connector.invalid_type_for_syncing_profile",
                       "Only social connectors sync profiles; an SMS connector cannot.")
    if body.enableTokenStorage:
        raise ApiError(422, "connector.token_storage_not_supported",
                       "Only social connectors store tokens; an SMS connector cannot.")


@router.get("/connectors", summary="Get connectors")
def list_connectors(request, target: str | None = None):
    connectors = [connector_json(c) for c in selectors.connectors_for_tenant(request.auth.tenant)]
    return [c for c in connectors if target is None or c["target"] == target]


@router.post("/connectors", summary="Create connector",
             description="Answers Logto's connector shape; `config` secrets are masked. Postern keeps the tenant's "
                         "other SMS connectors (Logto deletes them): the new one is enabled only when none is, "
                         "unless `enabled` says otherwise.")
def create_connector(request, body: ConnectorCreate):
    provider = _factory(body.connectorId)
    if body.id is not None:
        raise ApiError(422, "connector.custom_id_not_supported", "Postern chooses connector IDs; leave `id` out.")
    _refuse_social_only(body)
    config = body.config or {}
    _check_config_bounds(request, config)
    caller = request.auth
    try:
        connector = services.connector_create(tenant=caller.tenant, acting_user=caller.actor,
                                              provider_key=provider.key, config=config,
                                              name=_display_name(body.metadata, provider.name))
    except ValidationError as exc:
        raise _config_error(exc) from None
    if body.enabled is not None:
        services.connector_set_enabled(connector=connector, enabled=body.enabled, acting_user=caller.actor)
    return connector_json(connector)


@router.get("/connectors/{id}", summary="Get connector", description="Secrets are masked to their last 4 characters "
            "(all of a secret under 12 characters), as the console shows them; they are never answered in full.")
def get_connector(request, id: str):
    return connector_json(_connector(request.auth.tenant, id))


@router.patch("/connectors/{id}", summary="Update connector")
def update_connector(request, id: str, body: ConnectorUpdate):
    caller = request.auth
    connector = _connector(caller.tenant, id)
    _refuse_social_only(body)
    given = body.model_fields_set
    if "config" in given or "metadata" in given:
        config = body.config if body.config is not None else dict(connector.config)  # the stored secrets stay
        if body.config is not None:
            _check_config_bounds(request, config)
        try:
            services.connector_update(connector=connector, acting_user=caller.actor, config=config,
                                      name=_display_name(body.metadata, connector.name))
        except ValidationError as exc:
            raise _config_error(exc) from None
    if body.enabled is not None:
        services.connector_set_enabled(connector=connector, enabled=body.enabled, acting_user=caller.actor)
    return connector_json(connector)


@router.delete("/connectors/{id}", summary="Delete connector", response={204: None},
               description="Its messages stay in the SMS log; queued ones fail as undeliverable.")
def delete_connector(request, id: str):
    services.connector_delete(connector=_connector(request.auth.tenant, id), acting_user=request.auth.actor)
    return HttpResponse(status=204)


@router.get("/connector-factories", summary="Get connector factories")
def list_connector_factories(request):
    return [connector_factory_json(provider) for provider in registry.all()]


@router.get("/connector-factories/{id}", summary="Get connector factory")
def get_connector_factory(request, id: str):
    provider = selectors.provider_for_factory(id)
    if provider is None:
        raise not_found_with_id("connector factory", id)
    return connector_factory_json(provider)


@router.post("/connectors/{factoryId}/test", summary="Test passwordless connector", response={204: None},
             description=(
                 "The console's \"Send a test SMS\": checks the unsaved `config` and the number, then queues a random "
                 "6-digit code with the Generic template (in `locale` where the config has one) and answers 204 at "
                 "once. The `Postern-Sms-Message-Id` header names the queued row: read its progress and the "
                 "provider's answer at `GET /api/sms-messages/{id}`. At most 5 test sends a minute per app and per "
                 "tenant (429 `request.message_rate_limited` with Retry-After); 503 when the task queue is down."))
@outside_transaction
def test_connector(request, factoryId: str, body: ConnectorTest):
    provider = selectors.provider_for_factory(factoryId)
    if provider is None:
        raise ApiError(404, "connector.not_found", f"There is no connector factory `{factoryId}`.")
    if body.phone is None:
        if body.email is not None:
            raise ApiError(400, "connector.unexpected_type", "This factory sends SMS: give `phone`, not `email`.")
        raise ApiError(400, "guard.invalid_input", "Give the `phone` to send the test SMS to.",
                       {"fields": {"phone": ["Required."]}})
    _check_config_bounds(request, body.config)
    caller = request.auth
    try:
        # Committed and published inside the service (this view runs outside the API's transaction), so a dead
        # queue is answered here, with the FAILED row's id.
        message = services.sms_test_send(tenant=caller.tenant, acting_user=caller.actor, provider_key=provider.key,
                                         config=body.config, phone_raw=body.phone, language=body.locale or "")
    except ValidationError as exc:
        raise _config_error(exc) from None
    except TestSendRateLimited as exc:
        raise ApiError(429, "request.message_rate_limited",
                       f"Too many test messages; try again in {exc.retry_after} seconds.",
                       headers={"Retry-After": str(exc.retry_after)}) from None
    except SmsQueueUnavailable as exc:
        raise ApiError(503, "request.temporarily_unavailable",
                       "The task queue could not be reached; nothing was sent. Try again.",
                       headers={"Retry-After": "5", SMS_MESSAGE_ID_HEADER: str(exc.sms_message.pk)}) from None
    response = HttpResponse(status=204)
    response[SMS_MESSAGE_ID_HEADER] = str(message.pk)
    return response
