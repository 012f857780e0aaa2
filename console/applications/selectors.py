"""Reads on applications, always inside one tenant."""
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from console.applications.models import Application, ApplicationSecret


def applications_for_tenant(tenant):
    return (Application.objects.filter(tenant=tenant)
            .only("id", "client_id", "name", "app_type", "framework", "created", "tenant_id", "is_live_preview")
            .order_by("-created"))


def application_for_tenant(tenant, app_id):
    return get_object_or_404(Application.objects.select_related("tenant"), tenant=tenant, client_id=app_id)


def named_secrets_of(application):
    return application.named_secrets.all()


def named_secret_of(application, name):
    """The app's named secret called `name`, or None."""
    return application.named_secrets.filter(name=name).first()


def named_secret_accepts(application, presented):
    """Whether `presented` is one of the app's named secrets that has not expired."""
    if not presented:
        return False
    live = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    return ApplicationSecret.objects.filter(live, application=application,
                                            checksum=ApplicationSecret.checksum_of(presented)).exists()


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
