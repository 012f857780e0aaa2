"""/api/applications: Logto's application shape over the console's application services."""
from django.http import HttpResponse
from ninja import Query, Router

from console.applications import selectors
from management_api.paging import PageParams, paged

router = Router(tags=["Applications"])

LOGTO_TYPES = {"native": "Native", "spa": "SPA", "traditional": "Traditional", "m2m": "MachineToMachine"}


def application_json(app):
    return {
        "tenantId": app.tenant_id,
        "id": app.client_id,
        "name": app.name,
        "description": app.description or None,
        "type": LOGTO_TYPES[app.app_type],
        "oidcClientMetadata": {"redirectUris": app.redirect_uri_list,
                               "postLogoutRedirectUris": app.post_logout_redirect_uri_list},
        "customClientMetadata": {"corsAllowedOrigins": app.allowed_origin_list,
                                 "refreshTokenTtlInDays": app.refresh_token_ttl_days},
        "protectedAppMetadata": None,
        "customData": {},
        "isThirdParty": False,
        "appLevelAccessControlEnabled": False,
        "createdAt": int(app.created.timestamp() * 1000),
    }


@router.get("", summary="Get applications")
def list_applications(request, response: HttpResponse, page: Query[PageParams]):
    apps = selectors.applications_for_tenant(request.auth.tenant).only()
    return [application_json(app) for app in paged(apps, page, response)]
