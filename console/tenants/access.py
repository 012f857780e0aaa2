"""The one gate for console pages inside a tenant: membership is checked here, for every such URL."""
import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from console.tenants.models import Membership
from console.tenants.selectors import membership_role, tenant_for_admin


def tenant_view(view=None, *, owner_only=False):
    """Resolve the `tenant_id` URL argument to a tenant the admin belongs to (404 otherwise)."""

    def decorate(func):
        @login_required
        @functools.wraps(func)
        def wrapper(request, tenant_id, *args, **kwargs):
            tenant = tenant_for_admin(request.user, tenant_id)
            request.tenant = tenant
            request.tenant_role = membership_role(request.user, tenant)
            if request.session.get("console_tenant") != tenant.pk:  # remembered for the next visit
                request.session["console_tenant"] = tenant.pk
            if owner_only and request.tenant_role != Membership.Role.OWNER:
                raise PermissionDenied
            return func(request, tenant, *args, **kwargs)

        wrapper.tenant_scoped = True
        return wrapper

    return decorate(view) if view else decorate
