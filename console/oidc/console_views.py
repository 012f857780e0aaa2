"""The console's page actions on a tenant's signing keys (shown on the tenant settings page)."""
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.oidc.keys import tenant_signing_key_rotate
from console.tenants.access import tenant_view


@tenant_view(owner_only=True)
@require_POST
def signing_key_rotate(request, tenant):
    tenant_signing_key_rotate(tenant=tenant, acting_user=request.user)
    messages.success(request, _("Signing key rotated. The previous public key stays in the JWKS until its tokens expire."))
    return redirect("tenants:settings", tenant_id=tenant.pk)
