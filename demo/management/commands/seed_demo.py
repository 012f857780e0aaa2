"""Ensure a demo admin, tenant, "Bookstore" app and end user exist; print how to use them."""
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connectors.sandbox import account as sandbox
from connectors.models import Connector
from connectors.services import connector_create, connector_set_enabled, connector_update
from console import ids
from console.accounts.models import User
from console.applications.models import Application
from console.applications.services import application_create
from console.tenants.models import Tenant
from console.tenants.services import tenant_create
from signin_experience.selectors import experience_for
from signin_experience.services import experience_update

ADMIN_USERNAME = "admin"
TENANT_NAME = "Demo"
APP_NAME = "Bookstore"
M2M_APP_NAME = "Provisioning"
REDIRECT_URI = "com.example.app://callback"
POST_LOGOUT_REDIRECT_URI = "com.example.app://callback/sign-out"
DEMO_ORIGINS = ["capacitor://localhost", "http://localhost"]
DEMO_USERNAME = "demo"
SMS_CONNECTOR_NAME = "Tencent SMS (demo)"
SMS_OPTIONS = ("sms_access_key_id", "sms_access_key_secret", "sms_sdk_app_id", "sms_sign_name")
# Template IDs the demo connector uses: the SMS sandbox's approved ones (`make run` starts it with this account).
SMS_TEMPLATES = dict(sandbox.MAINLAND_TEMPLATES)
# For numbers outside Mainland China.
SMS_INTERNATIONAL_TEMPLATES = dict(sandbox.INTERNATIONAL_TEMPLATES)


class Command(BaseCommand):
    help = "Create (or reuse) the demo admin, tenant, Bookstore app and end user."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="End with one JSON line describing the demo.")
        self.add_sms_arguments(parser)

    def add_sms_arguments(self, parser):
        parser.add_argument("--sms-access-key-id")
        parser.add_argument("--sms-access-key-secret")
        parser.add_argument("--sms-sdk-app-id")
        parser.add_argument("--sms-sign-name")
        parser.add_argument("--sms-region", default="ap-guangzhou")

    @transaction.atomic
    def handle(self, *args, **options):
        admin, admin_password = self.ensure_admin()
        tenant = self.ensure_tenant(admin)
        app = self.ensure_app(tenant, admin)
        demo_user, demo_password = self.ensure_end_user(tenant)
        m2m_app, m2m_secret = self.ensure_m2m_app(tenant, admin)
        result = {
            "console_url": f"{settings.PUBLIC_URL}/console/",
            "admin_username": admin.username,
            "admin_password": admin_password,
            "tenant_id": tenant.id,
            "endpoint": tenant.endpoint,
            "app_id": app.client_id,
            "redirect_uri": REDIRECT_URI,
            "post_logout_redirect_uri": POST_LOGOUT_REDIRECT_URI,
            "demo_username": demo_user.username,
            "demo_user_password": demo_password,
            "m2m_app_id": m2m_app.client_id,
            "m2m_app_secret": m2m_secret,
            "management_api_resource": tenant.management_api_indicator,
        }
        result.update(self.ensure_sms(tenant, admin, options))
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.print_human(result)

    def ensure_admin(self):
        admin = User.objects.filter(is_console_admin=True, username=ADMIN_USERNAME).first()
        if admin:
            return admin, None
        password = ids.random_id(16, ids.ALNUM)
        return User.objects.create_admin(username=ADMIN_USERNAME, password=password), password

    def ensure_tenant(self, admin):
        tenant = Tenant.objects.filter(name=TENANT_NAME, memberships__user=admin).order_by("created_at").first()
        return tenant or tenant_create(name=TENANT_NAME, tag=Tenant.Tag.DEVELOPMENT, acting_user=admin)

    def ensure_app(self, tenant, admin):
        app = Application.objects.filter(tenant=tenant, name=APP_NAME).order_by("created").first()
        if app is None:
            app, _ = application_create(
                tenant=tenant, name=APP_NAME, framework="capacitor-js", acting_user=admin,
                redirect_uris=[REDIRECT_URI], post_logout_redirect_uris=[POST_LOGOUT_REDIRECT_URI],
                allowed_origins=DEMO_ORIGINS,
            )
            return app
        for field, wanted in (("redirect_uris", REDIRECT_URI), ("post_logout_redirect_uris", POST_LOGOUT_REDIRECT_URI)):
            values = getattr(app, field).split()
            if wanted not in values:
                setattr(app, field, " ".join(values + [wanted]))
        app.save()
        return app

    def ensure_m2m_app(self, tenant, admin):
        """The machine-to-machine app provisioning scripts use, with full Management API access; its secret only
        when just created (rotate it in the console to see a new one)."""
        app = Application.objects.filter(tenant=tenant, name=M2M_APP_NAME, app_type=Application.AppType.M2M).first()
        if app is None:
            return application_create(tenant=tenant, name=M2M_APP_NAME, framework="m2m", acting_user=admin,
                                      management_api_access=Application.ManagementApiAccess.ALL)
        if app.management_api_access != Application.ManagementApiAccess.ALL:
            app.management_api_access = Application.ManagementApiAccess.ALL
            app.save(update_fields=["management_api_access"])
        return app, None

    def ensure_end_user(self, tenant):
        user = User.objects.filter(tenant=tenant, username=DEMO_USERNAME).first()
        if user:
            return user, None
        password = ids.random_id(16, ids.ALNUM)
        user = User(tenant=tenant, username=DEMO_USERNAME, name="Demo User")
        user.set_password(password)
        user.save()
        return user, password

    def ensure_sms(self, tenant, admin, options):
        """With the --sms-* options: create or update, and enable, the demo tenant's Tencent connector."""
        given = [options.get(name) for name in SMS_OPTIONS]
        if not any(given):
            return {}
        if not all(given):
            raise CommandError("Give all of " + ", ".join("--" + name.replace("_", "-") for name in SMS_OPTIONS))
        config = {
            "accessKeyId": options["sms_access_key_id"], "accessKeySecret": options["sms_access_key_secret"],
            "sdkAppId": options["sms_sdk_app_id"], "signName": options["sms_sign_name"],
            "region": options["sms_region"],
            "templates": [{"templateCode": code, "usageType": usage} for usage, code in SMS_TEMPLATES.items()],
            "internationalTemplates": [{"templateCode": code, "usageType": usage}
                                       for usage, code in SMS_INTERNATIONAL_TEMPLATES.items()],
        }
        connector = Connector.objects.filter(tenant=tenant, provider="tencent", name=SMS_CONNECTOR_NAME).first()
        try:
            if connector:
                connector_update(connector=connector, acting_user=admin, config=config, name=SMS_CONNECTOR_NAME)
            else:
                connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=config,
                                             name=SMS_CONNECTOR_NAME)
        except ValidationError as exc:
            raise CommandError(f"The SMS options are not valid: {'; '.join(exc.messages)}") from None
        connector_set_enabled(connector=connector, enabled=True, acting_user=admin)
        self.ensure_phone_sign_in(tenant, admin)
        return {"sms_templates": dict(SMS_TEMPLATES)}

    def ensure_phone_sign_in(self, tenant, admin):
        """Phone sign-up (verified, no password) and phone + code sign-in; the demo user keeps username + password."""
        current = experience_for(tenant).as_settings()
        wanted = dict(current, sign_up={"identifiers": ["phone"], "password": False, "verify": True}, sign_in={
            "methods": [
                {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False},
                {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
            ]})
        if wanted != current:
            experience_update(tenant=tenant, acting_user=admin, settings=wanted, has_sms_connector=True)

    def print_human(self, result):
        lines = [
            "",
            f"  Console:   {result['console_url']}",
            f"  Sign in:   {result['admin_username']} / "
            + (result["admin_password"] or "(password printed on the first run; reset with "
               "`python manage.py changeadminpassword admin`)"),
            f"  Tenant:    {result['tenant_id']}   endpoint {result['endpoint']}",
            f"  App:       Bookstore   appId {result['app_id']}",
            f"  End user:  {result['demo_username']} / {result['demo_user_password'] or '(set on the first run)'}",
            f"  M2M app:   Provisioning   appId {result['m2m_app_id']}   secret "
            + (result["m2m_app_secret"] or "(printed on the first run; rotate it in the console)"),
            f"  Management API resource: {result['management_api_resource']}",
            "",
        ]
        self.stdout.write("\n".join(lines))
