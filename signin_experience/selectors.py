"""Reads for the sign-in experience."""
from signin_experience.models import SignInExperience


def experience_for(tenant):
    """The tenant's settings; the defaults (unsaved) for a tenant that has none yet. Reads only."""
    return SignInExperience.objects.filter(tenant=tenant).first() or SignInExperience(tenant=tenant)


def sms_connector_enabled(tenant):
    from connectors.selectors import enabled_sms_connector

    return enabled_sms_connector(tenant) is not None
