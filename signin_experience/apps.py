from django.apps import AppConfig


class SigninExperienceConfig(AppConfig):
    name = "signin_experience"
