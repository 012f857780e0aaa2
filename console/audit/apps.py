from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "console.audit"
    label = "audit"

    def ready(self):
        from console import events
        from console.audit.services import activity_on_event

        events.happened.connect(activity_on_event, dispatch_uid="audit.activity_on_event")
