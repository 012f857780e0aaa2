"""Reads for the sign-in experience."""
from django.conf import settings
from django.urls import reverse

from connectors.selectors import enabled_sms_connector
from console import tenant_cache
from signin_experience.models import SignInExperience


def experience_for(tenant):
    """The tenant's settings; the defaults (unsaved) for a tenant that has none yet. Reads only; cached per
    tenant and dropped whenever the row changes (signin_experience.apps)."""
    saved = tenant_cache.read("sign-in-experience", tenant.pk,
                              lambda: SignInExperience.objects.filter(tenant=tenant).first())
    return saved or SignInExperience(tenant=tenant)


def sms_connector_enabled(tenant):
    return enabled_sms_connector(tenant) is not None


def hosted_sign_in_url(tenant):
    """The tenant's hosted sign-in page. Apps reach it through the tenant's /oidc/auth; opened directly, it says
    so (and offers "Try it" to the tenant's admins)."""
    return f"{settings.PUBLIC_URL}{reverse('signin_experience:sign_in', args=[tenant.pk])}"
