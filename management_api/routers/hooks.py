"""/api/hooks: Logto's webhook endpoints over the webhooks app's services (the console's door calls the same ones).

Logto answers a hook's `signingKey` on every read and so does Postern (the caller holds the tenant's Management
API). `POST /hooks/{id}/test` sends now and waits for the receiver, as Logto does; it runs outside the call's
transaction so no database transaction is held open while the receiver thinks, and its test deliveries stay on
record when it answers 422.
"""
from datetime import datetime, timezone as dt_timezone

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field, StrictBool

from management_api.errors import ApiError, error_response, not_found_with_id, service_error
from management_api.paging import PageParams, paged
from management_api.text_guard import StorableBody
from management_api.transactions import outside_transaction
from webhooks import selectors, services
from webhooks.shapes import hook_json, hook_log_json

router = Router(tags=["Hooks"])

# The services' field names → Logto's.
FIELDS = {"url": "config.url", "headers": "config.headers"}
_YES = ("true", "1", "yes", "y")


class HookConfig(Schema):
    url: str
    headers: dict[str, str] | None = None
    retries: int | None = Field(None, ge=0, le=3, description="Deprecated in Logto; Postern retries on its own "
                                                               "schedule (README \"Webhooks\").")


class HookCreateBody(StorableBody):
    tenantId: str | None = Field(None, description="Ignored: the tenant is the one in the URL.")
    name: str | None = Field(None, max_length=256)
    event: str | None = Field(None, description="Deprecated: use `events`.")
    events: list[str] | None = Field(None, min_length=1)
    config: HookConfig
    enabled: StrictBool | None = None
    createdAt: int | None = Field(None, description="Ignored.")


class HookUpdateBody(StorableBody):
    tenantId: str | None = Field(None, description="Ignored.")
    name: str | None = Field(None, max_length=256)
    event: str | None = Field(None, description="Deprecated: use `events`.")
    events: list[str] | None = Field(None, min_length=1)
    config: HookConfig | None = None
    enabled: StrictBool | None = None
    createdAt: int | None = Field(None, description="Ignored.")


class HookTestBody(StorableBody):
    events: list[str] = Field(min_length=1)
    config: HookConfig
    event: object | None = Field(None, description="Deprecated: use `events`.")


class StatsQuery(Schema):
    includeExecutionStats: str | None = None


class RecentLogsQuery(PageParams):
    logKey: str | None = Field(None, description="`TriggerHook.<event>`: only attempts of that event.")
    enableCap: str | None = Field(None, description="Accepted; Total-Number is always exact here.")
    start_time: str | None = Field(None, description="Unix milliseconds, inclusive.")
    end_time: str | None = Field(None, description="Unix milliseconds, inclusive.")


def _hook(request, hook_id):
    try:
        return selectors.hook_for_tenant(request.auth.tenant, hook_id)
    except Http404:
        raise not_found_with_id("hook", hook_id) from None


def _shape(hook, with_stats=False):
    return hook_json(hook, signing_key=selectors.signing_key(hook), breaker=selectors.breaker(hook),
                     execution_stats=selectors.execution_stats(hook) if with_stats else None)


def _refusal(exc):
    """A service's ValidationError: its own code (`hook.url_forbidden_address`, `hook.missing_events`, …) when
    it has one, else Logto's `guard.invalid_input`; 400 either way, fields named as Logto names them."""
    errors = [error for errors in getattr(exc, "error_dict", {}).values() for error in errors] or exc.error_list
    coded = next((error for error in errors if error.code and "." in error.code), None)
    if coded is not None:
        data = service_error(exc, fields=FIELDS).data
        return ApiError(400, coded.code, coded.messages[0], data)
    return service_error(exc, fields=FIELDS)


def _millis(text, name):
    if text is None:
        return None
    try:
        value = float(text)
        return datetime.fromtimestamp(value / 1000, tz=dt_timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise ApiError(400, "guard.invalid_input", f"`{name}` must be a finite number of milliseconds.") from None


@router.get("", summary="Get hooks", description="All of the tenant's hooks, or a page of them with `page` / "
                                                  "`page_size` (the total in `Total-Number`).")
def list_hooks(request, response: HttpResponse, stats: Query[StatsQuery], page: Query[PageParams]):
    hooks = selectors.hooks_for_tenant(request.auth.tenant)
    with_stats = (stats.includeExecutionStats or "").lower() in _YES
    if "page" in request.GET or "page_size" in request.GET:
        hooks = paged(hooks, page, response)
    return [_shape(hook, with_stats) for hook in hooks]


@router.post("", summary="Create a hook", response={201: dict})
def create_hook(request, body: HookCreateBody):
    if body.events is None and body.event is None:
        raise ApiError(400, "hook.missing_events", "Give the events the hook subscribes to (`events`).")
    try:
        hook, _key = services.hook_create(
            tenant=request.auth.tenant, acting_user=request.auth.actor, name=body.name or "", events=body.events,
            legacy_event=body.event, url=body.config.url, headers=body.config.headers,
            enabled=True if body.enabled is None else body.enabled)
    except ValidationError as exc:
        raise _refusal(exc) from None
    return 201, _shape(hook)


@router.get("/{id}", summary="Get hook")
def get_hook(request, id: str, stats: Query[StatsQuery]):
    return _shape(_hook(request, id), (stats.includeExecutionStats or "").lower() in _YES)


@router.patch("/{id}", summary="Update hook", description="Fields left out keep their value; `config` is replaced "
                                                          "as a whole.")
def update_hook(request, id: str, body: HookUpdateBody):
    hook = _hook(request, id)
    changes = {}
    sent = body.model_fields_set
    if "name" in sent:
        changes["name"] = body.name or ""
    if "events" in sent and body.events is not None:
        changes["events"] = body.events
    if "event" in sent:
        changes["legacy_event"] = body.event
    if "config" in sent and body.config is not None:
        changes.update(url=body.config.url, headers=body.config.headers or {})
    if "enabled" in sent and body.enabled is not None:
        changes["enabled"] = body.enabled
    try:
        hook = services.hook_update(hook=hook, acting_user=request.auth.actor, **changes)
    except ValidationError as exc:
        raise _refusal(exc) from None
    return _shape(hook)


@router.patch("/{id}/signing-key", summary="Update signing key for a hook")
def rotate_signing_key(request, id: str):
    hook = _hook(request, id)
    services.hook_signing_key_rotate(hook=hook, acting_user=request.auth.actor)
    return _shape(hook)


@router.delete("/{id}", summary="Delete hook", response={204: None})
def delete_hook(request, id: str):
    services.hook_delete(hook=_hook(request, id), acting_user=request.auth.actor)
    return HttpResponse(status=204)


@router.post("/{id}/test", summary="Test hook", response={204: None},
             description="Sends Logto's test payload of each event to `config` now and waits for the answer: 204 when "
                         "every one got a 2xx, else 422 (`hook.endpoint_responded_with_error` with the receiver's "
                         "status and body, or `hook.send_test_payload_failed`). Each is logged as a test delivery.")
@outside_transaction
def test_hook(request, id: str, body: HookTestBody):
    hook = _hook(request, id)
    try:
        results = services.hook_test_send(hook=hook, acting_user=request.auth.actor, events=body.events,
                                          url=body.config.url, headers=body.config.headers or {})
    except ValidationError as exc:
        raise _refusal(exc) from None
    outcome = results[-1].outcome
    if outcome.succeeded:
        return HttpResponse(status=204)
    if outcome.status_code is not None:
        return error_response(422, "hook.endpoint_responded_with_error",
                              f"The endpoint answered HTTP {outcome.status_code}.",
                              {"responseStatus": outcome.status_code, "responseBody": outcome.response_head})
    return error_response(422, "hook.send_test_payload_failed", outcome.error or "The test payload was not sent.")


@router.get("/{id}/recent-logs", summary="Get recent logs for a hook",
            description="One log per attempt (Logto's `TriggerHook.<event>` entries) of the last day, or of "
                        "`start_time`..`end_time`, newest first.")
def recent_logs(request, id: str, response: HttpResponse, query: Query[RecentLogsQuery]):
    hook = _hook(request, id)
    start, end = _millis(query.start_time, "start_time"), _millis(query.end_time, "end_time")
    if start is not None and end is not None and start > end:
        raise ApiError(400, "guard.invalid_input", "`start_time` is after `end_time`.")
    event = query.logKey.removeprefix("TriggerHook.") if query.logKey else None
    attempts = selectors.recent_attempts(hook, start=start, end=end, event=event)
    return [hook_log_json(attempt) for attempt in paged(attempts, query, response)]
