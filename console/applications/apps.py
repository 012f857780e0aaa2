from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "console.applications"
    label = "applications"
