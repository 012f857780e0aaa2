"""The tenant's endpoint opened in a browser (`/t/<tenant>`, or a hosted page without an app's request): a page
that says what this address is, in the visitor's language, with "Try it" for the tenant's own admins."""
from django.shortcuts import render
from django.utils import translation

from console.oidc.http import tenant_or_404
from console.tenants.selectors import membership_role
from signin_experience.experience import build_experience
from signin_experience.language import hosted_page_language
from signin_experience.selectors import experience_for


def front_door(request, tenant, status=200):
    settings = experience_for(tenant).as_settings()
    is_admin = request.user.is_authenticated and membership_role(request.user, tenant) is not None
    with translation.override(hosted_page_language(request, request.GET.urlencode(), settings)):
        response = render(request, "signin_experience/front_door.html", {
            "tenant": tenant, "experience": build_experience(tenant, settings, sms_available=False),
            "is_admin": is_admin, "language": translation.get_language(),
        }, status=status)
        response["Content-Language"] = translation.get_language()
    response["Cache-Control"] = "no-store"  # it differs for the tenant's admins
    return response


def tenant_home(request, tenant_id):
    return front_door(request, tenant_or_404(tenant_id))
