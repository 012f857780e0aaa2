"""HTTP helpers for the OIDC endpoints: tenant lookup, CORS for the tenant's app origins, redirects to apps."""
import functools
from urllib.parse import urlsplit

from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from console import tenant_cache
from console.applications.models import Application
from console.tenants.models import Tenant

# Another process may answer for a tenant deleted less than TENANT_LOCAL_SECONDS ago; its apps, tokens and keys
# are gone already, so nothing can be issued.
TENANT_LOCAL_SECONDS = 5


def tenant_or_404(tenant_id):
    """Every OIDC and hosted-page request needs its tenant, and tenants rarely change: a cached read, dropped on
    every save/delete (console.oidc.apps)."""
    if len(tenant_id) > 16:
        raise Http404
    tenant = tenant_cache.read("tenant", tenant_id, lambda: Tenant.objects.filter(pk=tenant_id).first(),
                               local_seconds=TENANT_LOCAL_SECONDS)
    if tenant is None:
        raise Http404
    return tenant


class AppRedirect(HttpResponseRedirect):
    """A 302 to an app's registered URI, custom schemes (com.example.app://) included."""

    def __init__(self, url, *args, **kwargs):
        self.allowed_schemes = [urlsplit(url).scheme or "https"]
        super().__init__(url, *args, **kwargs)


def oauth_error(error, description, status=400):
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _origin_allowed(tenant, origin):
    """Browser clients send Origin on every token and userinfo call: the tenant's origins are a cached read,
    dropped whenever an application changes (console.oidc.apps)."""
    return origin in tenant_cache.read("allowed-origins", tenant.pk, lambda: _allowed_origins(tenant))


def _allowed_origins(tenant):
    origins = Application.objects.filter(tenant=tenant).exclude(allowed_origins="").values_list(
        "allowed_origins", flat=True)
    return frozenset(origin for listed in origins for origin in listed.split())


def oidc_endpoint(methods, cors=False):
    """Resolve the tenant (404 when unknown), answer CORS for the tenant's allowed origins, refuse other methods."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, tenant_id, *args, **kwargs):
            tenant = tenant_or_404(tenant_id)
            origin = request.META.get("HTTP_ORIGIN")  # request.headers would parse every header first
            allowed = cors and origin and _origin_allowed(tenant, origin)
            if request.method == "OPTIONS" and cors:
                response = HttpResponse(status=204)
            elif request.method not in methods:
                response = oauth_error("invalid_request", f"Use {' or '.join(methods)}.", status=405)
                response["Allow"] = ", ".join(methods)
            else:
                response = view(request, tenant, *args, **kwargs)
            if allowed:
                response["Access-Control-Allow-Origin"] = origin
                response["Access-Control-Allow-Methods"] = ", ".join([*methods, "OPTIONS"])
                response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, DPoP"
                response["Access-Control-Max-Age"] = "600"
            if cors:
                response["Vary"] = "Origin"
            return response

        return wrapper

    return decorate
