"""Console pages for a tenant's webhooks: the list, the editor with its signing key, test event and breaker, and
each delivery with its attempts."""
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.forms import apply_service_errors, submit
from console.secret_pages import shows_secret
from console.tenants.access import tenant_view
from webhooks import catalogue, delivery, selectors, services
from webhooks.forms import HookForm, TestEventForm

SHOWN_KEY_SESSION_KEY = "console_webhook_signing_key"
RECENT_DELIVERIES = 50


@tenant_view
def hook_list(request, tenant):
    hooks = [{"hook": hook, "breaker": selectors.breaker(hook)} for hook in selectors.hooks_for_tenant(tenant)]
    return render(request, "webhooks/list.html", {"tenant": tenant, "hooks": hooks})


@tenant_view
def hook_create(request, tenant):
    form = HookForm(request.POST or None, initial={"enabled": True})
    if request.method == "POST":
        created, result = submit(form, services.hook_create, tenant=tenant, acting_user=request.user)
        if created:
            hook, key = result
            request.session[SHOWN_KEY_SESSION_KEY] = {"hook": hook.pk, "key": key}
            messages.success(request, _("Webhook created. Use its signing key to check that requests come from "
                                        "Postern."))
            return redirect("webhooks:detail", tenant_id=tenant.pk, hook_id=hook.pk)
    return render(request, "webhooks/form.html", {"tenant": tenant, "form": form}, status=400 if form.errors else 200)


@tenant_view
@shows_secret
def hook_detail(request, tenant, hook_id):
    hook = selectors.hook_for_tenant(tenant, hook_id)
    form = HookForm(request.POST or None, initial={
        "name": hook.name, "url": hook.url, "events": hook.events, "enabled": hook.enabled,
        "headers": HookForm.headers_text(hook.headers)})
    if request.method == "POST":
        saved, _hook = submit(form, services.hook_update, hook=hook, acting_user=request.user)
        if saved:
            messages.success(request, _("Saved."))
            return redirect("webhooks:detail", tenant_id=tenant.pk, hook_id=hook.pk)
        hook.refresh_from_db()
    shown = request.session.pop(SHOWN_KEY_SESSION_KEY, None)
    return render(request, "webhooks/detail.html", {
        "tenant": tenant, "hook": hook, "form": form, "test_form": TestEventForm(hook=hook),
        "breaker": selectors.breaker(hook), "deliveries": selectors.deliveries_with_last_attempt(hook)[:RECENT_DELIVERIES],
        "signing_key": shown["key"] if shown and shown["hook"] == hook.pk else None,
        "labels": catalogue.LABELS,
    }, status=400 if form.errors else 200)


@tenant_view
@require_POST
def hook_signing_key_reveal(request, tenant, hook_id):
    hook = selectors.hook_for_tenant(tenant, hook_id)
    key = services.hook_signing_key_reveal(hook=hook, acting_user=request.user)
    request.session[SHOWN_KEY_SESSION_KEY] = {"hook": hook.pk, "key": key}
    return redirect("webhooks:detail", tenant_id=tenant.pk, hook_id=hook.pk)


@tenant_view
@require_POST
def hook_signing_key_rotate(request, tenant, hook_id):
    hook = selectors.hook_for_tenant(tenant, hook_id)
    key = services.hook_signing_key_rotate(hook=hook, acting_user=request.user)
    request.session[SHOWN_KEY_SESSION_KEY] = {"hook": hook.pk, "key": key}
    messages.success(request, _("New signing key. Requests are signed with it from now on, retries included."))
    return redirect("webhooks:detail", tenant_id=tenant.pk, hook_id=hook.pk)


@tenant_view
@require_POST
def hook_test(request, tenant, hook_id):
    hook = selectors.hook_for_tenant(tenant, hook_id)
    form = TestEventForm(request.POST, hook=hook)
    if form.is_valid():
        try:
            [result] = services.hook_test_send(hook=hook, acting_user=request.user, events=[form.cleaned_data["event"]])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if result.outcome.succeeded:
                messages.success(request, _("Test event delivered: HTTP %(status)d in %(ms)d ms.")
                                 % {"status": result.outcome.status_code, "ms": result.outcome.latency_ms})
            else:
                messages.error(request, _("Test event not delivered: %(error)s")
                               % {"error": delivery.describe_failure(result.outcome)})
            return redirect("webhooks:delivery", tenant_id=tenant.pk, hook_id=hook.pk,
                            delivery_id=result.delivery.delivery_id)
    for error in form.errors.values():
        messages.error(request, error[0])
    return redirect("webhooks:detail", tenant_id=tenant.pk, hook_id=hook.pk)


@tenant_view
@require_POST
def hook_resume(request, tenant, hook_id):
    hook = selectors.hook_for_tenant(tenant, hook_id)
    services.hook_resume(hook=hook, acting_user=request.user)
    messages.success(request, _("Webhook resumed: what it held is being sent."))
    return redirect("webhooks:detail", tenant_id=tenant.pk, hook_id=hook.pk)


@tenant_view
@require_POST
def hook_delete(request, tenant, hook_id):
    hook = selectors.hook_for_tenant(tenant, hook_id)
    services.hook_delete(hook=hook, acting_user=request.user)
    messages.success(request, _("Webhook deleted."))
    return redirect("webhooks:list", tenant_id=tenant.pk)


@tenant_view
def delivery_detail(request, tenant, hook_id, delivery_id):
    hook = selectors.hook_for_tenant(tenant, hook_id)
    row = selectors.delivery_for_hook(hook, delivery_id)
    body = bytes(row.body).decode("utf-8", "replace")
    try:
        body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        pass
    return render(request, "webhooks/delivery.html", {
        "tenant": tenant, "hook": hook, "delivery": row, "body": body,
        "attempts": selectors.attempts_for_delivery(row), "request_headers": selectors.request_headers_shown(hook, row),
    })


@tenant_view
@require_POST
def delivery_redeliver(request, tenant, hook_id, delivery_id):
    hook = selectors.hook_for_tenant(tenant, hook_id)
    row = selectors.delivery_for_hook(hook, delivery_id)
    try:
        services.delivery_redeliver(delivery_row=row, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Queued again: the same body and delivery ID, a new round of attempts."))
    return redirect("webhooks:delivery", tenant_id=tenant.pk, hook_id=hook.pk, delivery_id=row.delivery_id)
