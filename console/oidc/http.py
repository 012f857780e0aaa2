"""HTTP helpers for the OIDC endpoints: tenant lookup, CORS for the tenant's app origins, redirects to apps."""
import functools
from urllib.parse import urlsplit

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt

from console.applications.models import Application
from console.tenants.models import Tenant


class AppRedirect(HttpResponseRedirect):
    """A 302 to an app's registered URI, custom schemes (com.example.app://) included."""

    def __init__(self, url, *args, **kwargs):
        self.allowed_schemes = [urlsplit(url).scheme or "https"]
        super().__init__(url, *args, **kwargs)


def oauth_error(error, description, status=400):
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _origin_allowed(tenant, origin):
    for origins in Application.objects.filter(tenant=tenant).exclude(allowed_origins="").values_list(
        "allowed_origins", flat=True
    ):
        if origin in origins.split():
            return True
    return False


def oidc_endpoint(methods, cors=False):
    """Resolve the tenant (404 when unknown), answer CORS for the tenant's allowed origins, refuse other methods."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, tenant_id, *args, **kwargs):
            tenant = get_object_or_404(Tenant, pk=tenant_id)
            origin = request.headers.get("Origin")
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
