"""The Management API of a tenant, at `<endpoint>/api/…`, in Logto's paths and JSON shapes (django-ninja).

One transaction per call (the few exceptions: management_api.transactions); every write goes through the console's
service functions with the calling app as the audit log's actor. The OpenAPI 3 document is served at
`<endpoint>/api/swagger.json`, as Logto serves its own.
"""
from django.http import JsonResponse
from ninja import NinjaAPI

from management_api import errors
from management_api.auth import ManagementApiAuth, request_tenant
from management_api.transactions import one_transaction

api = NinjaAPI(
    title="Postern Management API",
    version="1.0.0",
    description=("Logto-compatible Management API of one Postern tenant. Authenticate with a machine-to-machine "
                 "app's client credentials: `POST <endpoint>/oidc/token` with `resource=<endpoint>/api` and "
                 "`scope=all` (or `read`)."),
    urls_namespace="management_api",
    auth=ManagementApiAuth(),
    openapi_url=None,
    docs_url=None,
)
errors.install(api)
api.add_decorator(one_transaction)


def _register_routers():
    from management_api.routers import ROUTERS

    for prefix, router in ROUTERS:
        api.add_router(prefix, router)


_register_routers()


def openapi_document(tenant):
    schema = api.get_openapi_schema(path_prefix="/api/")
    schema["servers"] = [{"url": tenant.endpoint}]
    return schema


@api.get("/swagger.json", auth=None, include_in_schema=False)
def swagger_json(request):
    return JsonResponse(openapi_document(request_tenant(request)))
