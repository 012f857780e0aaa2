"""The hosted sign-in page of a tenant: plain HTML forms that work without JavaScript."""
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect

from console import ratelimit
from console.oidc import provider
from console.oidc.http import AppRedirect
from console.oidc.sessions import tenant_session_start
from console.tenants.models import Tenant
from signin_experience.authentication import password_authenticate, record_sign_in
from signin_experience.forms import PasswordSignInForm

PASSWORD_LIMIT = {"limit": 10, "window": 300}


def _page(request, tenant, auth_request, form, status=200):
    return render(request, "signin_experience/sign_in.html", {
        "tenant": tenant, "app": auth_request.client, "form": form,
    }, status=status)


@csrf_protect
def sign_in(request, tenant_id):
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    try:
        auth_request = provider.authorization_validate(tenant, request.GET.urlencode())
    except provider.AuthorizationError as exc:
        if exc.redirect_uri:
            return AppRedirect(exc.redirect_uri)
        return render(request, "oidc/error.html", {"tenant": tenant, "error": exc.error,
                                                   "description": exc.description}, status=400)
    form = PasswordSignInForm(request.POST or None)
    if request.method != "POST":
        return _page(request, tenant, auth_request, form)
    if not form.is_valid():
        return _page(request, tenant, auth_request, form, status=400)
    identifier = form.cleaned_data["identifier"].strip()
    verdict = ratelimit.hit(f"signin:{tenant.pk}:{identifier.lower()}:{ratelimit.client_ip(request)}", **PASSWORD_LIMIT)
    if not verdict.allowed:
        form.add_error(None, _("Too many attempts. Try again in %(s)d seconds.") % {"s": verdict.retry_after})
        response = _page(request, tenant, auth_request, form, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    user = password_authenticate(tenant, identifier, form.cleaned_data["password"])
    if user is None:
        form.add_error(None, _("The account or password is incorrect."))
        return _page(request, tenant, auth_request, form, status=400)
    tenant_session_start(request, tenant, user)
    record_sign_in(user)
    return AppRedirect(provider.authorization_complete(tenant, auth_request, user))
