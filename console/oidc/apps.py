from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "console.oidc"
    label = "oidc"
