"""Writes on sign-in experiences."""
from signin_experience.models import SignInExperience


def experience_ensure(*, tenant):
    experience, _ = SignInExperience.objects.get_or_create(tenant=tenant)
    return experience
