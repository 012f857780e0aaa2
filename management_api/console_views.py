"""The console's page about the tenant's Management API: how to get a token, which apps may, every route."""
from django.shortcuts import render

from console.applications.models import Application
from console.tenants.access import tenant_view
from management_api.api import openapi_document

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _operations_by_tag(schema):
    groups = {}
    for path, item in schema["paths"].items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["Other"])[0]
            groups.setdefault(tag, []).append({"method": method.upper(), "path": path,
                                               "summary": operation.get("summary", ""),
                                               "description": operation.get("description", "")})
    return sorted(groups.items())


@tenant_view
def docs(request, tenant):
    schema = openapi_document(tenant)
    apps = (Application.objects.filter(tenant=tenant, app_type=Application.AppType.M2M)
            .order_by("name").only("client_id", "name", "management_api_access", "app_type"))
    return render(request, "management_api/docs.html", {
        "tenant": tenant, "groups": _operations_by_tag(schema), "apps": apps,
        "swagger_url": f"{tenant.endpoint}/api/swagger.json", "resource": tenant.management_api_indicator,
        "token_endpoint": f"{tenant.issuer}/token",
    })
