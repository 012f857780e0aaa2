"""/api/applications: Logto's application endpoints over the console's application services.

An app's primary secret (the console's "App secret") plays Logto's legacy `secret`: `POST /api/applications`
answers it once. Named secrets (`/api/applications/{id}/secrets`) are Logto's application secrets: each is
accepted by client authentication beside the primary one until it expires. Postern keeps only checksums of
secrets, so a value is shown once, when it is created; listings show its last four characters behind a mask.
"""
from datetime import UTC, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from ninja import Query, Router
from pydantic import Field

from console.applications import selectors, services
from console.shapes import POSTERN_TYPES, application_detail_json, application_json, application_secret_json
from management_api.errors import ApiError, not_found_with_id, service_error
from management_api.paging import PageParams, paged
from management_api.text_guard import StorableBody

router = Router(tags=["Applications"])

CreatableType = Literal["Native", "SPA", "Traditional", "MachineToMachine"]
LogtoType = Literal["Native", "SPA", "Traditional", "MachineToMachine", "Protected", "SAML"]
Access = Literal["", "all", "read"]
# The console's field names → the API's.
FIELDS = {
    "name": "name", "description": "description", "framework": "framework",
    "redirect_uris": "oidcClientMetadata.redirectUris",
    "post_logout_redirect_uris": "oidcClientMetadata.postLogoutRedirectUris",
    "allowed_origins": "customClientMetadata.corsAllowedOrigins",
    "refresh_token_ttl_days": "customClientMetadata.refreshTokenTtlInDays",
    "management_api_access": "managementApiAccess",
    "expires_at": "expiresAt",
}
NOT_STORED = "Accepted for compatibility with Logto; Postern does not store it."
ACCESS_HELP = ("Postern: the app's Management API access, machine-to-machine apps only: `all` (read and write), "
               "`read` (read-only) or \"\" (none).")
SECRETS_HELP = ("Postern keeps only a checksum of each secret: its value is answered once, by the call that creates "
                "it; listings show the last four characters behind a mask, which is not a usable secret.")


class ApplicationListQuery(PageParams):
    types: list[LogtoType] | None = Field(None, description="Only apps of these types (repeat the parameter).")


class OidcClientMetadataBody(StorableBody):
    redirectUris: list[str] | None = None
    postLogoutRedirectUris: list[str] | None = None


class CustomClientMetadataBody(StorableBody):
    corsAllowedOrigins: list[str] | None = None
    refreshTokenTtlInDays: int | None = Field(None, description="1 to 365.")


class ApplicationCreateBody(StorableBody):
    name: str
    description: str | None = None
    type: CreatableType
    oidcClientMetadata: OidcClientMetadataBody | None = None
    customClientMetadata: CustomClientMetadataBody | None = None
    isThirdParty: bool = Field(False, description="Postern has no third-party apps: only false.")
    customData: dict | None = Field(None, description=NOT_STORED)
    framework: str = Field("", description=("Postern: a framework of the console's catalogue by its slug (e.g. "
                                            "`capacitor-js`); it must make an app of `type`."))
    managementApiAccess: Access = Field("", description=ACCESS_HELP)


class ApplicationUpdateBody(StorableBody):
    name: str | None = None
    description: str | None = None
    oidcClientMetadata: OidcClientMetadataBody | None = None
    customClientMetadata: CustomClientMetadataBody | None = None
    customData: dict | None = Field(None, description=NOT_STORED)
    isAdmin: bool | None = Field(None, description=("Logto's Management API admin role: true gives full "
                                                    "Management API access, false takes any access away."))
    managementApiAccess: Access | None = Field(None, description=ACCESS_HELP + " Wins over `isAdmin`.")


class SecretCreateBody(StorableBody):
    name: str = Field(description="Unique within the application.")
    expiresAt: int | None = Field(None, description="Milliseconds since the epoch, in the future; null: never.")


def _app(request, app_id):
    try:
        return selectors.application_for_tenant(request.auth.tenant, app_id)
    except Http404:
        raise not_found_with_id("application", app_id) from None


def _kept(value, current):
    """A PATCH field: what was sent, or (left out or null) the current value."""
    return current if value is None else value


def _refusal(exc):
    return service_error(exc, fields=FIELDS)


def _expiry(milliseconds):
    if milliseconds is None:
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ApiError(400, "request.invalid_input", "`expiresAt` is not a time.") from None


@router.get("", summary="Get applications")
def list_applications(request, response: HttpResponse, query: Query[ApplicationListQuery]):
    apps = selectors.applications_for_tenant(request.auth.tenant).only()
    if query.types is not None:
        apps = apps.filter(app_type__in=[POSTERN_TYPES[t] for t in query.types if t in POSTERN_TYPES])
    return [application_json(app) for app in paged(apps, query, response)]


@router.post("", summary="Create an application",
             description="Answers the app's client secret once, in `secret` (Traditional and MachineToMachine apps).")
def create_application(request, response: HttpResponse, body: ApplicationCreateBody):
    if body.isThirdParty:
        raise ApiError(400, "guard.invalid_input", "Postern has no third-party applications.",
                       {"fields": {"isThirdParty": ["Only false."]}})
    oidc = body.oidcClientMetadata or OidcClientMetadataBody()
    custom = body.customClientMetadata or CustomClientMetadataBody()
    try:
        app, secret = services.application_create(
            tenant=request.auth.tenant, acting_user=request.auth.actor, name=body.name,
            description=body.description or "", app_type=POSTERN_TYPES[body.type], framework=body.framework,
            redirect_uris=oidc.redirectUris, post_logout_redirect_uris=oidc.postLogoutRedirectUris,
            allowed_origins=custom.corsAllowedOrigins, refresh_token_ttl_days=custom.refreshTokenTtlInDays,
            management_api_access=body.managementApiAccess)
    except ValidationError as exc:
        raise _refusal(exc) from None
    response["Cache-Control"] = "no-store"
    return application_json(app) | ({"secret": secret} if secret else {})


@router.get("/{id}", summary="Get application")
def get_application(request, id: str):
    return application_detail_json(_app(request, id))


@router.patch("/{id}", summary="Update application",
              description="Fields left out keep their value.")
def update_application(request, id: str, body: ApplicationUpdateBody):
    app = _app(request, id)
    oidc = body.oidcClientMetadata or OidcClientMetadataBody()
    custom = body.customClientMetadata or CustomClientMetadataBody()
    access = body.managementApiAccess
    if access is None and body.isAdmin is not None:
        access = app.ManagementApiAccess.ALL if body.isAdmin else app.ManagementApiAccess.NONE
    try:
        app = services.application_update(
            application=app, acting_user=request.auth.actor, name=_kept(body.name, app.name),
            description=body.description if "description" in body.model_fields_set else app.description,
            redirect_uris=_kept(oidc.redirectUris, app.redirect_uri_list),
            post_logout_redirect_uris=_kept(oidc.postLogoutRedirectUris, app.post_logout_redirect_uri_list),
            allowed_origins=_kept(custom.corsAllowedOrigins, app.allowed_origin_list),
            refresh_token_ttl_days=custom.refreshTokenTtlInDays, management_api_access=access)
    except ValidationError as exc:
        raise _refusal(exc) from None
    return application_json(app)


@router.delete("/{id}", summary="Delete application", response={204: None})
def delete_application(request, id: str):
    services.application_delete(application=_app(request, id), acting_user=request.auth.actor)
    return HttpResponse(status=204)


@router.get("/{id}/secrets", summary="Get application secrets", description=SECRETS_HELP)
def list_secrets(request, id: str):
    return [application_secret_json(secret) for secret in selectors.named_secrets_of(_app(request, id))]


@router.post("/{id}/secrets", summary="Add application secret", response={201: dict},
             description=SECRETS_HELP)
def create_secret(request, response: HttpResponse, id: str, body: SecretCreateBody):
    app = _app(request, id)
    try:
        secret, value = services.application_secret_add(application=app, name=body.name,
                                                        expires_at=_expiry(body.expiresAt),
                                                        acting_user=request.auth.actor)
    except ValidationError as exc:
        if any(error.code == "name_taken" for error in getattr(exc, "error_dict", {}).get("name", [])):
            raise ApiError(422, "entity.unique_integrity_violation", exc.message_dict["name"][0]) from None
        if "expires_at" in getattr(exc, "error_dict", {}):
            raise ApiError(400, "request.invalid_input", exc.message_dict["expires_at"][0]) from None
        raise _refusal(exc) from None
    response["Cache-Control"] = "no-store"
    return 201, application_secret_json(secret, value)


@router.delete("/{id}/secrets/{name}", summary="Delete application secret", response={204: None},
               description="The app's client-credentials access tokens end with it (tokens do not record which "
                           "secret obtained them): fetch a new token with a secret the app still holds.")
def delete_secret(request, id: str, name: str):
    secret = selectors.named_secret_of(_app(request, id), name)
    if secret is None:
        raise ApiError(404, "entity.not_found", f"The application has no secret named `{name}`.")
    services.application_secret_delete(secret=secret, acting_user=request.auth.actor)
    return HttpResponse(status=204)
