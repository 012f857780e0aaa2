from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"

    def ready(self):
        from connectors.models import Connector, SmsBudget
        from console.tenant_cache import forget_when_changed

        forget_when_changed(Connector, "enabled-sms-connector")
        forget_when_changed(SmsBudget, "sms-budget")
