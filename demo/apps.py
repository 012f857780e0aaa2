from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Top of the house: it may import every app, and no app imports it."""

    name = "demo"
