from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        from console import events
        from console.tenant_cache import forget_when_changed
        from webhooks.listener import on_event
        from webhooks.models import Hook

        events.happened.connect(on_event, dispatch_uid="webhooks.on_event")
        forget_when_changed(Hook, "webhook-subscriptions")
