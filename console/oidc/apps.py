from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "console.oidc"
    label = "oidc"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from console.applications.models import Application
        from console.oidc.http import tenant_cache_forget
        from console.tenant_cache import forget_when_changed
        from console.tenants.models import Tenant

        def forget(sender, instance, **kwargs):
            tenant_cache_forget(instance.pk)

        post_save.connect(forget, sender=Tenant, weak=False, dispatch_uid="oidc-tenant-cache-save")
        post_delete.connect(forget, sender=Tenant, weak=False, dispatch_uid="oidc-tenant-cache-delete")
        forget_when_changed(Application, "allowed-origins")
