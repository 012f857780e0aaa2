"""Reads on applications, always inside one tenant."""
from django.shortcuts import get_object_or_404

from console.applications.models import Application


def applications_for_tenant(tenant):
    return (Application.objects.filter(tenant=tenant)
            .only("id", "client_id", "name", "app_type", "framework", "created", "tenant_id")
            .order_by("-created"))


def application_for_tenant(tenant, app_id):
    return get_object_or_404(Application.objects.select_related("tenant"), tenant=tenant, client_id=app_id)


def endpoints_for(tenant):
    issuer = tenant.issuer
    return {
        "endpoint": tenant.endpoint,
        "issuer": issuer,
        "discovery": f"{issuer}/.well-known/openid-configuration",
        "jwks": f"{issuer}/jwks",
        "authorization": f"{issuer}/auth",
        "token": f"{issuer}/token",
        "userinfo": f"{issuer}/me",
        "end_session": f"{issuer}/session/end",
        "revocation": f"{issuer}/token/revocation",
        "introspection": f"{issuer}/token/introspection",
        "management_api": tenant.management_api_indicator,
    }
