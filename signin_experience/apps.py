from django.apps import AppConfig


class SigninExperienceConfig(AppConfig):
    name = "signin_experience"

    def ready(self):
        from console.tenant_cache import forget_when_changed
        from signin_experience.models import SignInExperience

        forget_when_changed(SignInExperience, "sign-in-experience")
