"""Console pages for tenants: list, create, switch, settings, member invitations, delete."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.forms import submit
from console.tenants import services
from console.tenants.access import tenant_view
from console.tenants.forms import MemberInviteForm, TenantDeleteForm, TenantForm, TenantSettingsForm
from console.tenants.models import Membership
from console.tenants.selectors import (
    invitation_for_invitee, invitations_pending_for, tenant_for_admin, tenants_for_admin,
)


def _settings_page(request, tenant, *, status=200, **forms):
    initial = {"name": tenant.name, "tag": tenant.tag, "default_country": tenant.default_country}
    context = {
        "tenant": tenant,
        "form": TenantSettingsForm(initial=initial),
        "delete_form": TenantDeleteForm(),
        "member_form": MemberInviteForm(),
        "members": tenant.memberships.select_related("user").order_by("created_at"),
        "signing_keys": tenant.signing_keys.all()[:5],
        "is_owner": request.tenant_role == Membership.Role.OWNER,
    }
    context.update(forms)
    return render(request, "tenants/settings.html", context, status=status)


@login_required
def home(request):
    tenants = tenants_for_admin(request.user)
    remembered = tenants.filter(pk=request.session.get("console_tenant")).first() or tenants.first()
    if remembered:
        return redirect("getting_started:index", tenant_id=remembered.pk)
    return redirect("tenants:list")


@login_required
def tenant_list(request):
    form = TenantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tenant = services.tenant_create(acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("Tenant “%(name)s” created.") % {"name": tenant.name})
        return redirect("getting_started:index", tenant_id=tenant.pk)
    return render(request, "tenants/list.html", {"tenants": tenants_for_admin(request.user), "form": form},
                  status=400 if form.errors else 200)


@login_required
def tenant_switch(request):
    tenant = tenant_for_admin(request.user, request.GET.get("tenant", ""))
    return redirect("applications:list", tenant_id=tenant.pk)


@tenant_view
def tenant_settings(request, tenant):
    form = TenantSettingsForm(request.POST or None, initial={
        "name": tenant.name, "tag": tenant.tag, "default_country": tenant.default_country})
    if request.method == "POST" and form.is_valid():
        services.tenant_update(tenant=tenant, acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("Settings saved."))
        return redirect("tenants:settings", tenant_id=tenant.pk)
    return _settings_page(request, tenant, form=form, status=400 if form.errors else 200)


@tenant_view(owner_only=True)
@require_POST
def tenant_delete(request, tenant):
    form = TenantDeleteForm(request.POST)
    deleted, _nothing = submit(form, services.tenant_delete, tenant=tenant, acting_user=request.user)
    if deleted:
        messages.success(request, _("Tenant deleted."))
        return redirect("tenants:list")
    return _settings_page(request, tenant, delete_form=form, status=400)


@tenant_view(owner_only=True)
@require_POST
def tenant_member_invite(request, tenant):
    form = MemberInviteForm(request.POST)
    invited, _nothing = submit(form, services.tenant_member_invite, tenant=tenant, acting_user=request.user)
    if invited:
        messages.success(request, _("If that admin exists, they'll see the invitation."))
        return redirect("tenants:settings", tenant_id=tenant.pk)
    return _settings_page(request, tenant, member_form=form, status=400)


@login_required
def invitation_list(request):
    return render(request, "tenants/invitations.html", {"invitations": invitations_pending_for(request.user)})


@login_required
@require_POST
def invitation_accept(request, invitation_id):
    invitation = invitation_for_invitee(request.user, invitation_id)
    services.invitation_accept(invitation=invitation, acting_user=request.user)
    messages.success(request, _("You joined “%(name)s”.") % {"name": invitation.tenant.name})
    return redirect("applications:list", tenant_id=invitation.tenant_id)


@login_required
@require_POST
def invitation_decline(request, invitation_id):
    invitation = invitation_for_invitee(request.user, invitation_id)
    services.invitation_decline(invitation=invitation, acting_user=request.user)
    messages.success(request, _("Invitation declined."))
    return redirect("tenants:invitations")
