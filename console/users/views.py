"""Console pages for a tenant's end users."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.audit import presentation as audit_presentation, selectors as audit_selectors
from console.forms import submit
from console.secret_pages import shows_secret
from console.tenants.access import tenant_view
from console.users import selectors, services
from console.users.forms import EndUserCreateForm, EndUserForm, PasswordResetForm

NEW_PASSWORD_SESSION_KEY = "console_user_new_password"
RECENT_ACTIVITY = 10


@tenant_view
def user_list(request, tenant):
    search = request.GET.get("q", "")
    form = EndUserCreateForm(request.POST or None)
    if request.method == "POST":
        created, user = submit(form, services.end_user_create, tenant=tenant, acting_user=request.user)
        if created:
            messages.success(request, _("User created."))
            return redirect("users:detail", tenant_id=tenant.pk, user_id=user.uid)
    page = Paginator(selectors.end_users_for_tenant(tenant, search), 50).get_page(request.GET.get("page"))
    return render(request, "users/list.html", {"tenant": tenant, "page": page, "q": search, "form": form},
                  status=400 if form.errors else 200)


@tenant_view
@shows_secret
def user_detail(request, tenant, user_id):
    user = selectors.end_user_for_tenant(tenant, user_id)
    form = EndUserForm(request.POST or None, initial={
        "username": user.username, "email": user.email, "phone": user.phone, "name": user.name})
    if request.method == "POST":
        saved, _user = submit(form, services.end_user_update, user=user, acting_user=request.user)
        if saved:
            messages.success(request, _("Saved."))
            return redirect("users:detail", tenant_id=tenant.pk, user_id=user.uid)
        user.refresh_from_db()
    new_password = request.session.pop(NEW_PASSWORD_SESSION_KEY, None)
    return render(request, "users/detail.html", {
        "tenant": tenant, "end_user": user, "form": form, "password_reset_form": PasswordResetForm(),
        "new_password": new_password["password"] if new_password and new_password["uid"] == user.uid else None,
        "activity": audit_presentation.activity_rows(audit_selectors.activity_for_user(user, RECENT_ACTIVITY)),
    }, status=400 if form.errors else 200)


@tenant_view
@require_POST
def user_suspend(request, tenant, user_id):
    user = selectors.end_user_for_tenant(tenant, user_id)
    suspended = request.POST.get("suspended") == "1"
    services.end_user_set_suspended(user=user, suspended=suspended, acting_user=request.user)
    messages.success(request, _("User suspended.") if suspended else _("User reactivated."))
    return redirect("users:detail", tenant_id=tenant.pk, user_id=user.uid)


@tenant_view
@require_POST
def user_password_reset(request, tenant, user_id):
    user = selectors.end_user_for_tenant(tenant, user_id)
    form = PasswordResetForm(request.POST)
    form.is_valid()  # a lone checkbox: every POST is valid, unticked is False
    password = services.end_user_password_reset(user=user, acting_user=request.user, **form.cleaned_data)
    request.session[NEW_PASSWORD_SESSION_KEY] = {"uid": user.uid, "password": password}
    return redirect("users:detail", tenant_id=tenant.pk, user_id=user.uid)


@tenant_view
@require_POST
def user_delete(request, tenant, user_id):
    user = selectors.end_user_for_tenant(tenant, user_id)
    services.end_user_delete(user=user, acting_user=request.user)
    messages.success(request, _("User deleted."))
    return redirect("users:list", tenant_id=tenant.pk)
