"""Console pages for a tenant's connectors and its SMS message log."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from connectors import budget, dashboard, export, selectors, services
from connectors.exceptions import SmsQueueUnavailable, TestSendRateLimited
from connectors.forms import ConnectorForm, MessageFilterForm, SmsBudgetForm
from connectors.markup import render_guide
from connectors.models import Connector
from connectors.providers.base import MalformedReceipts, SmsProvider
from connectors.registry import registry
from console.tenants.access import tenant_view

MESSAGES_PER_PAGE = 50


# --- Connectors ------------------------------------------------------------------------------------------------------


@tenant_view
def connector_list(request, tenant):
    connectors = [
        {"connector": connector, "provider": selectors.provider_or_none(connector.provider)}
        for connector in selectors.connectors_for_tenant(tenant)
    ]
    return render(request, "connectors/list.html", {"tenant": tenant, "connectors": connectors})


@tenant_view
def connector_create(request, tenant):
    provider = selectors.provider_or_none(request.GET.get("provider"))
    if provider is None:
        return render(request, "connectors/choose.html", {"tenant": tenant, "providers": registry.all()})
    initial = ConnectorForm.initial_for(provider, provider.initial_config()) | {"name": provider.name}
    form = ConnectorForm(request.POST or None, provider=provider, initial=initial)
    if request.method == "POST" and form.is_valid():
        config = form.config_input()
        try:
            connector = services.connector_create(tenant=tenant, acting_user=request.user, provider_key=provider.key,
                                                  config=config, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_service_errors(exc)
            form.show_config(config)
        else:
            messages.success(request, _("Connector saved.") if connector.enabled
                             else _("Connector saved. It is disabled: enable it to use it instead of the other."))
            return redirect("connectors:list", tenant_id=tenant.pk)
    return _form_page(request, tenant, provider, form, connector=None)


@tenant_view
def connector_edit(request, tenant, connector_id):
    connector = selectors.connector_for_tenant(tenant, connector_id)
    provider = _provider_of(connector)
    services.connector_receipt_token_ensure(connector=connector)
    shown = services.connector_config_for_edit(connector)
    form = ConnectorForm(request.POST or None, provider=provider, secret_masks=_secret_masks(provider, shown),
                         initial=ConnectorForm.initial_for(provider, shown) | {"name": connector.name})
    if request.method == "POST" and form.is_valid():
        config = form.config_input()
        try:
            services.connector_update(connector=connector, acting_user=request.user, config=config,
                                      name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_service_errors(exc)
            form.show_config(config)
        else:
            messages.success(request, _("Connector saved."))
            return redirect("connectors:list", tenant_id=tenant.pk)
    return _form_page(request, tenant, provider, form, connector=connector)


@tenant_view
@require_POST
def connector_test_send_new(request, tenant):
    provider = selectors.provider_or_none(request.GET.get("provider"))
    if provider is None:
        raise Http404("No such provider")
    form = ConnectorForm(request.POST, provider=provider,
                         initial=ConnectorForm.initial_for(provider, provider.initial_config()))
    return _test_send(request, tenant, provider, form, connector=None)


@tenant_view
@require_POST
def connector_test_send(request, tenant, connector_id):
    connector = selectors.connector_for_tenant(tenant, connector_id)
    provider = _provider_of(connector)
    shown = services.connector_config_for_edit(connector)
    form = ConnectorForm(request.POST, provider=provider, secret_masks=_secret_masks(provider, shown),
                         initial=ConnectorForm.initial_for(provider, shown))
    return _test_send(request, tenant, provider, form, connector=connector)


@tenant_view
@require_POST
def connector_set_enabled(request, tenant, connector_id):
    connector = selectors.connector_for_tenant(tenant, connector_id)
    enabled = request.POST.get("enabled") == "1"
    services.connector_set_enabled(connector=connector, enabled=enabled, acting_user=request.user)
    messages.success(request, _("%(name)s enabled.") % {"name": connector.name} if enabled
                     else _("%(name)s disabled.") % {"name": connector.name})
    return redirect("connectors:list", tenant_id=tenant.pk)


@tenant_view
def connector_delete(request, tenant, connector_id):
    connector = selectors.connector_for_tenant(tenant, connector_id)
    if request.method == "POST":
        services.connector_delete(connector=connector, acting_user=request.user)
        messages.success(request, _("Connector deleted."))
        return redirect("connectors:list", tenant_id=tenant.pk)
    return render(request, "connectors/delete.html", {"tenant": tenant, "connector": connector})


def _test_send(request, tenant, provider: SmsProvider, form: ConnectorForm, connector: Connector | None):
    sms_message, status, retry_after, config = None, 400, None, None
    if form.is_valid():
        config = form.config_input()
        try:
            sms_message = services.sms_test_send(
                tenant=tenant, acting_user=request.user, provider_key=provider.key, config=config,
                phone_raw=form.cleaned_data["phone"], connector=connector, language=translation.get_language(),
            )
            status = 202
        except ValidationError as exc:
            form.add_service_errors(exc)
        except TestSendRateLimited as exc:
            form.add_error("phone", _("Too many test messages. Try again in %(seconds)s seconds.")
                           % {"seconds": exc.retry_after})
            status, retry_after = 429, exc.retry_after
        except SmsQueueUnavailable as exc:
            sms_message, status = exc.sms_message, 503
    if _wants_json(request):
        response = JsonResponse({
            "errors": {name: list(errors) for name, errors in form.errors.items()},
            "message": _status_payload(tenant, sms_message) if sms_message else None,
        }, status=status)
    else:
        if config is not None:
            form.show_config(config)
        response = _form_page(request, tenant, provider, form, connector=connector, test_message=sms_message,
                              status=status if status != 202 else 200)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _form_page(request, tenant, provider, form, *, connector, test_message=None, status=None):
    test_send_url = (reverse("connectors:test_send", args=[tenant.pk, connector.pk]) if connector
                     else reverse("connectors:test_send_new", args=[tenant.pk]) + f"?provider={provider.key}")
    response = render(request, "connectors/form.html", {
        "tenant": tenant, "provider": provider, "form": form, "connector": connector,
        "guide": render_guide(provider.guide), "schema": _schema(provider), "test_send_url": test_send_url,
        "test_message": _status_payload(tenant, test_message) if test_message else None,
        "suggestions": {field.name: field.suggestions for field in provider.config_fields if field.suggestions},
        "receipt_callback": _receipt_callback(provider, connector), "sandbox": selectors.sms_sandbox(provider.key),
    }, status=status or (400 if form.errors else 200))
    if form.echoes_secret:
        add_never_cache_headers(response)
    return response


def _receipt_callback(provider: SmsProvider, connector: Connector | None) -> dict | None:
    if connector is None or not provider.receives_receipt_pushes or not connector.receipt_token:
        return None
    return {"url": selectors.receipt_callback_url(connector), "guide": render_guide(provider.receipt_push_guide),
            "pull_seconds": int(settings.SMS_RECEIPT_PULL_SECONDS) if provider.pulls_receipts else None}


def _provider_of(connector: Connector) -> SmsProvider:
    provider = selectors.provider_or_none(connector.provider)
    if provider is None:
        raise Http404("This connector's provider is no longer installed")
    return provider


def _secret_masks(provider: SmsProvider, shown: dict) -> dict[str, str]:
    return {field.name: shown[field.name] for field in provider.config_fields if field.secret and field.name in shown}


def _schema(provider: SmsProvider) -> dict:
    """The config schema for the browser's live validation (the server's check stays the one that counts)."""

    def describe(fields):
        return [{"name": f.name, "type": f.type, "secret": f.secret, "required": f.required and f.default is None,
                 "blank": not f.required and f.default is None, "choices": list(f.choices),
                 "items": describe(f.item_fields)} for f in fields]

    return {"fields": describe(provider.config_fields)}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _status_payload(tenant, sms_message) -> dict:
    payload = selectors.message_status_payload(sms_message)
    payload["status_url"] = reverse("connectors:message_status", args=[tenant.pk, sms_message.pk])
    payload["detail_url"] = reverse("connectors:message_detail", args=[tenant.pk, sms_message.pk])
    return payload


# --- Messages --------------------------------------------------------------------------------------------------------


# Reads only, so no method check: a POST gets the same page (and a foreign object's 404 comes first).
@tenant_view
def message_list(request, tenant):
    form = MessageFilterForm(request.GET or None, default_country=tenant.default_country)
    filters = form.filters() if form.is_bound else selectors.MessageFilters()
    rows = selectors.messages_for_tenant(tenant, filters) if filters is not None else selectors.messages_for_tenant(
        tenant).none()
    page = Paginator(rows, MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "connectors/message_list.html", {"tenant": tenant, "form": form, "page": page},
                  status=400 if form.errors else 200)


@tenant_view
def message_detail(request, tenant, message_id):
    sms_message = selectors.message_for_tenant(tenant, message_id)
    # The number stays masked everywhere on the page unless the admin asks (a POST, audited).
    revealed = (services.sms_message_phone_reveal(sms_message=sms_message, acting_user=request.user)
                if request.method == "POST" and request.POST.get("reveal") == "1" else None)
    response = render(request, "connectors/message_detail.html", {
        "revealed_phone": revealed,
        "tenant": tenant, "sms_message": sms_message, "fix": selectors.message_fix(sms_message),
        "status": _status_payload(tenant, sms_message), "sandbox": selectors.sms_sandbox(sms_message.provider),
        "sender": selectors.message_sender(sms_message),
    })
    if revealed:
        add_never_cache_headers(response)
    return response


@tenant_view
def message_status(request, tenant, message_id):
    sms_message = selectors.message_for_tenant(tenant, message_id)
    response = JsonResponse(_status_payload(tenant, sms_message))
    response["Cache-Control"] = "no-store"
    return response


# --- Delivery receipts pushed by the provider --------------------------------------------------------------------


# Called by the provider's servers: no session, no CSRF token; the unguessable token in the URL is the credential.
@csrf_exempt
@require_POST
def receipt_push(request, connector_id, token):
    connector = selectors.connector_for_receipt_push(connector_id, token)
    if connector is None:
        raise Http404("No such receipt callback")
    try:
        answer = services.sms_receipts_push(connector=connector, body=request.body)
    except MalformedReceipts as exc:
        return JsonResponse({"result": 1, "errmsg": str(exc)}, status=400)
    return JsonResponse(answer)


# --- Spend guards, dashboard, export ---------------------------------------------------------------------------


@tenant_view
def sms_budget(request, tenant):
    current = budget.sms_budget_for(tenant)
    form = SmsBudgetForm(request.POST or None, initial={
        "daily_limit": current.daily_limit,
        "country_daily_limits": SmsBudgetForm.caps_text(current.country_daily_limits)})
    if request.method == "POST" and form.is_valid():
        budget.sms_budget_update(tenant=tenant, acting_user=request.user, daily_limit=form.cleaned_data["daily_limit"],
                                 country_daily_limits=form.cleaned_data["country_daily_limits"])
        messages.success(request, _("SMS budget saved."))
        return redirect("connectors:sms_budget", tenant_id=tenant.pk)
    return render(request, "connectors/budget.html", {
        "tenant": tenant, "form": form, "usage": budget.sms_budget_usage(tenant, budget=current),
    }, status=400 if form.errors else 200)


# Reads only, so no method check (like the log).
@tenant_view
def message_dashboard(request, tenant):
    period = request.GET.get("period")
    data = dashboard.sms_dashboard(tenant, period if period in dashboard.PERIODS else dashboard.DEFAULT_PERIOD)
    return render(request, "connectors/dashboard.html", {
        "tenant": tenant, "dashboard": data, "charts": dashboard.dashboard_charts(data),
        "periods": [(key, label) for key, (_length, _bucket, label) in dashboard.PERIODS.items()],
    })


@tenant_view
def message_export(request, tenant):
    """GET: masked numbers. POST (a CSRF-protected form) with full_numbers=1: full numbers, audited."""
    form = MessageFilterForm(request.GET or None, default_country=tenant.default_country)
    filters = form.filters() if form.is_bound else selectors.MessageFilters()
    if filters is None:
        return HttpResponseBadRequest(_("The filters are not valid; correct them on the message log."))
    full_numbers = request.method == "POST" and request.POST.get("full_numbers") == "1"
    lines = export.sms_messages_export(tenant=tenant, acting_user=request.user, filters=filters,
                                       full_numbers=full_numbers)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sms-messages-{tenant.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response
