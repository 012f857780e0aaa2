from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "console.oidc"
    label = "oidc"

    def ready(self):
        from django.db.models.signals import post_save

        from console.applications.models import Application
        from console.oidc.keys import signing_key_for_new_tenant
        from console.tenant_cache import forget_when_changed
        from console.tenants.models import Tenant

        forget_when_changed(Tenant, "tenant", tenant_id_of=lambda tenant: tenant.pk)
        post_save.connect(signing_key_for_new_tenant, sender=Tenant, dispatch_uid="oidc-signing-key-for-new-tenant")
        forget_when_changed(Application, "allowed-origins")
