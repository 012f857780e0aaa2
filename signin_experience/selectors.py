"""Reads for the sign-in experience."""
from console import tenant_cache
from signin_experience.models import SignInExperience


def experience_for(tenant):
    """The tenant's settings; the defaults (unsaved) for a tenant that has none yet. Reads only; cached per
    tenant and dropped whenever the row changes (signin_experience.apps)."""
    saved = tenant_cache.read("sign-in-experience", tenant.pk,
                              lambda: SignInExperience.objects.filter(tenant=tenant).first())
    return saved or SignInExperience(tenant=tenant)


def sms_connector_enabled(tenant):
    from connectors.selectors import enabled_sms_connector

    return enabled_sms_connector(tenant) is not None
