"""The getting-started checklist of a tenant: the seed guide's steps, each ticked from the tenant's own rows."""
from dataclasses import dataclass, replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from connectors.models import Connector, SmsMessage
from console.accounts.models import User
from console.applications.models import Application
from signin_experience.selectors import experience_for


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    hint: str
    done: bool
    url: str
    action: str
    is_next: bool = False


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def done_count(self):
        return sum(step.done for step in self.steps)

    @property
    def complete(self):
        return self.done_count == len(self.steps)


def _phone_sign_in_enabled(tenant):
    methods = experience_for(tenant).sign_in.get("methods", [])
    return any(m.get("identifier") == "phone" and (m.get("verificationCode") or m.get("password"))
               for m in methods)


def tenant_getting_started(tenant) -> Checklist:
    """A handful of small reads; the first step not done is marked as the next one."""
    t = tenant.pk
    # The built-in live-preview app is Postern's, not a step the admin took.
    apps = Application.objects.filter(tenant=tenant, is_live_preview=False).exclude(
        app_type=Application.AppType.M2M).order_by("created")
    first_app = apps.only("client_id").first()
    app_with_uri = apps.exclude(redirect_uris="").only("client_id").first()
    connector = Connector.objects.filter(tenant=tenant, kind=Connector.Kind.SMS).order_by("-enabled", "created_at")\
        .only("pk", "enabled").first()
    tested = SmsMessage.objects.filter(tenant=tenant, is_test=True, status=SmsMessage.Status.SENT).exists()
    signed_in = User.objects.filter(tenant=tenant, last_login__isnull=False).exists()

    def app_url():
        target = app_with_uri or first_app
        if target is None:
            return reverse("applications:create", args=[t])
        return reverse("applications:detail", args=[t, target.client_id])

    connector_url = (reverse("connectors:edit", args=[t, connector.pk]) if connector
                     else reverse("connectors:create", args=[t]))
    steps = [
        Step("app_created", _("Create an application"),
             _("Pick your framework (e.g. Capacitor JS under Native app) and name it, e.g. “Bookstore”."),
             first_app is not None,
             reverse("applications:create", args=[t]) if first_app is None else reverse("applications:list", args=[t]),
             _("Create application") if first_app is None else _("View applications")),
        Step("redirect_uri_set", _("Set a redirect URI"),
             _("The URI that opens your app after sign-in, e.g. com.example.app://callback."),
             app_with_uri is not None,
             app_url(), _("Open the application")),
        Step("sms_connector_enabled", _("Add and enable the Tencent SMS connector"),
             _("Fill in the parameters and the templates, then enable it."),
             bool(connector and connector.enabled), connector_url,
             _("Open the connector") if connector else _("Set up a connector")),
        Step("sms_test_sent", _("Send a test SMS"),
             _("Send a code to your own phone from the connector page; a sent test counts."),
             tested, connector_url, _("Send a test")),
        Step("phone_sign_in_enabled", _("Enable phone sign-in"),
             _("In the sign-in experience, add Phone number as a sign-in (and sign-up) identifier."),
             _phone_sign_in_enabled(tenant), reverse("signin_experience:settings", args=[t]),
             _("Open the sign-in experience")),
        Step("first_sign_in_seen", _("See your first end user sign in"),
             _("Run your app and sign in through the hosted page; the user appears under Users."),
             signed_in, reverse("users:list", args=[t]), _("View users")),
    ]
    pending = next((index for index, step in enumerate(steps) if not step.done), None)
    if pending is not None:
        steps[pending] = replace(steps[pending], is_next=True)
    return Checklist(steps)
