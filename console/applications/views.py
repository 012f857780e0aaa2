"""Console pages for applications: list, create from the framework catalogue, details and guide."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.applications import selectors, services
from console.applications.forms import ApplicationCreateForm, ApplicationSettingsForm, ConfirmDeleteForm
from console.applications.frameworks import APP_TYPES, BY_SLUG, frameworks_by_type
from console.forms import submit
from console.secret_pages import shows_secret
from console.tenants.access import tenant_view

NEW_SECRET_SESSION_KEY = "console_new_app_secret"


@tenant_view
def application_list(request, tenant):
    page = Paginator(selectors.applications_for_tenant(tenant), 50).get_page(request.GET.get("page"))
    return render(request, "applications/list.html", {"tenant": tenant, "page": page})


@tenant_view
def application_create(request, tenant):
    form = ApplicationCreateForm(request.POST or None, initial={"framework": request.GET.get("framework", "")})
    if request.method == "POST":
        created, result = submit(form, services.application_create, tenant=tenant, acting_user=request.user)
        if created:
            app, secret = result
            if secret:
                # Shown once on the next page, then gone for good.
                request.session[NEW_SECRET_SESSION_KEY] = {"app": app.client_id, "secret": secret}
            messages.success(request, _("Application “%(name)s” created.") % {"name": app.name})
            return redirect("applications:detail", tenant_id=tenant.pk, app_id=app.client_id)
    selected = BY_SLUG.get(form["framework"].value() or "")
    return render(request, "applications/create.html", {
        "tenant": tenant, "form": form, "groups": frameworks_by_type(), "app_types": APP_TYPES,
        "selected": selected, "type_filter": request.GET.getlist("type"),
    }, status=400 if form.errors else 200)


def _detail_page(request, tenant, app, *, form=None, delete_form=None, status=200):
    new_secret = request.session.pop(NEW_SECRET_SESSION_KEY, None)
    framework = BY_SLUG.get(app.framework)
    return render(request, "applications/detail.html", {
        "tenant": tenant, "app": app, "framework": framework,
        "form": form or ApplicationSettingsForm.for_application(app),
        "delete_form": delete_form or ConfirmDeleteForm(),
        "endpoints": selectors.endpoints_for(tenant),
        "new_secret": new_secret["secret"] if new_secret and new_secret["app"] == app.client_id else None,
        "guide_template": f"applications/guides/{framework.guide}" if framework else None,
        "guide_redirect_uri": (app.redirect_uri_list or ["com.example.app://callback"])[0],
        "guide_post_logout_uri": (app.post_logout_redirect_uri_list or ["com.example.app://callback/sign-out"])[0],
    }, status=status)


@tenant_view
@shows_secret
def application_detail(request, tenant, app_id):
    app = selectors.application_for_tenant(tenant, app_id)
    if request.method != "POST":
        return _detail_page(request, tenant, app)
    form = ApplicationSettingsForm.for_application(app, request.POST)
    saved, _app = submit(form, services.application_update, application=app, acting_user=request.user)
    if saved:
        messages.success(request, _("Saved."))
        return redirect("applications:detail", tenant_id=tenant.pk, app_id=app.client_id)
    app.refresh_from_db()
    return _detail_page(request, tenant, app, form=form, status=400)


@tenant_view
@require_POST
def application_secret_rotate(request, tenant, app_id):
    app = selectors.application_for_tenant(tenant, app_id)
    try:
        secret = services.application_secret_rotate(application=app, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        request.session[NEW_SECRET_SESSION_KEY] = {"app": app.client_id, "secret": secret}
        messages.success(request, _("Secret rotated. The old secret no longer works."))
    return redirect("applications:detail", tenant_id=tenant.pk, app_id=app.client_id)


@tenant_view
@require_POST
def application_delete(request, tenant, app_id):
    app = selectors.application_for_tenant(tenant, app_id)
    form = ConfirmDeleteForm(request.POST)
    if form.is_valid() and form.cleaned_data["confirmation"] == app.name:
        services.application_delete(application=app, acting_user=request.user)
        messages.success(request, _("Application deleted."))
        return redirect("applications:list", tenant_id=tenant.pk)
    form.add_error("confirmation", _("Type the application name “%(n)s” to confirm.") % {"n": app.name})
    return _detail_page(request, tenant, app, delete_form=form, status=400)
