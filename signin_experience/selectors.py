"""Reads for the sign-in experience."""
from signin_experience.models import SignInExperience


def experience_for(tenant):
    experience, _ = SignInExperience.objects.get_or_create(tenant=tenant)
    return experience


def sms_connector_enabled(tenant):
    from connectors.selectors import enabled_sms_connector

    return enabled_sms_connector(tenant) is not None
