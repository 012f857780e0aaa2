from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "console.oidc"
    label = "oidc"

    def ready(self):
        from console.applications.models import Application
        from console.tenant_cache import forget_when_changed
        from console.tenants.models import Tenant

        forget_when_changed(Tenant, "tenant", tenant_id_of=lambda tenant: tenant.pk)
        forget_when_changed(Application, "allowed-origins")
