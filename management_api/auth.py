"""Who calls the Management API: a machine-to-machine app of the tenant in the URL, holding an RFC 9068 access
token for that tenant's Management API (console.oidc.resources) that is still on record.

Read-only tokens (`read`) may only read; every call counts against the app's rate (console.ratelimit).
"""
from dataclasses import dataclass

from ninja.security import HttpBearer

from console import ratelimit
from console.applications.models import Application
from console.oidc import gate
from console.oidc.access_tokens import verified_jwt_claims
from console.oidc.http import tenant_or_404
from console.oidc.resources import SCOPE_ALL, management_api_indicators
from management_api.errors import ApiError

READ_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class ApiCaller:
    tenant: object
    application: Application
    scopes: frozenset

    @property
    def actor(self):
        """Who the audit log names for a change made through this call."""
        return self.application


def request_tenant(request):
    return tenant_or_404(request.resolver_match.kwargs["tenant_id"])


class ManagementApiAuth(HttpBearer):
    def authenticate(self, request, token):
        tenant = request_tenant(request)
        claims = verified_jwt_claims(tenant, token, audiences=management_api_indicators(tenant))
        # Still on record: a rotated secret or a deleted app takes its tokens with it.
        record = gate.access_token_at(tenant, token) if claims else None
        if record is None or record.application.client_id != claims.get("client_id"):
            return None
        application = record.application
        scopes = frozenset(claims.get("scope", "").split())
        if not application.management_api_access:
            raise ApiError(403, "auth.forbidden", "This application's Management API access was withdrawn.")
        writes_allowed = SCOPE_ALL in scopes and application.management_api_access == SCOPE_ALL
        if request.method not in READ_METHODS and not writes_allowed:
            raise ApiError(403, "auth.forbidden", "This token is read-only: writes need the `all` scope.")
        ratelimit.consume(action="management_api", application=application.pk)
        request.tenant = tenant
        return ApiCaller(tenant=tenant, application=application, scopes=scopes)
