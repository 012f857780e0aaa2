"""The tenant's getting-started page: where an admin lands after sign-in."""
from django.shortcuts import render

from getting_started.selectors import tenant_getting_started
from console.tenants.access import tenant_view
from signin_experience.selectors import hosted_sign_in_url


@tenant_view
def getting_started(request, tenant):
    return render(request, "getting_started/index.html", {
        "tenant": tenant, "checklist": tenant_getting_started(tenant), "hosted_sign_in_url": hosted_sign_in_url(tenant)})
