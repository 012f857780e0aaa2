"""The audit and activity logs in words: translated labels for actions, fields and activity keys, and change
values written for a reader (no raw keys, no Python lists, no empty items)."""
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _, gettext_lazy

from console.applications.models import Application
from console.tenants.models import Membership, Tenant

ACTION_LABELS = {
    "tenant.create": gettext_lazy("Tenant created"),
    "tenant.update": gettext_lazy("Tenant updated"),
    "member.invite": gettext_lazy("Admin invited"),
    "member.add": gettext_lazy("Admin joined"),
    "member.decline": gettext_lazy("Invitation declined"),
    "signing_key.rotate": gettext_lazy("Signing key rotated"),
    "application.create": gettext_lazy("Application created"),
    "application.update": gettext_lazy("Application updated"),
    "application.secret_rotate": gettext_lazy("Application secret rotated"),
    "application.delete": gettext_lazy("Application deleted"),
    "user.create": gettext_lazy("User created"),
    "user.update": gettext_lazy("User updated"),
    "user.suspend": gettext_lazy("User suspended"),
    "user.reactivate": gettext_lazy("User reactivated"),
    "user.password_reset": gettext_lazy("User's password reset"),
    "user.delete": gettext_lazy("User deleted"),
    "connector.create": gettext_lazy("Connector created"),
    "connector.update": gettext_lazy("Connector updated"),
    "connector.enable": gettext_lazy("Connector enabled"),
    "connector.disable": gettext_lazy("Connector disabled"),
    "connector.delete": gettext_lazy("Connector deleted"),
    "connector.test_send": gettext_lazy("Test SMS sent"),
    "sms_message.reveal_phone": gettext_lazy("Full phone number shown"),
    "sms_messages.export_full_numbers": gettext_lazy("Messages exported with full numbers"),
    "sms_budget.update": gettext_lazy("SMS budget updated"),
    "sign_in_experience.update": gettext_lazy("Sign-in experience updated"),
    "hook.create": gettext_lazy("Webhook created"),
    "hook.update": gettext_lazy("Webhook updated"),
    "hook.delete": gettext_lazy("Webhook deleted"),
    "hook.rotate_signing_key": gettext_lazy("Webhook signing key rotated"),
    "hook.reveal_signing_key": gettext_lazy("Webhook signing key shown"),
    "hook.resume": gettext_lazy("Webhook resumed"),
    "hook.test": gettext_lazy("Webhook test event sent"),
}

# The audit log page's "Action" filter: each group is a prefix of the actions above.
ACTION_GROUPS = [
    ("tenant.", gettext_lazy("Tenant")),
    ("member.", gettext_lazy("Admins")),
    ("signing_key.", gettext_lazy("Signing key")),
    ("application.", gettext_lazy("Applications")),
    ("user.", gettext_lazy("Users")),
    ("connector.", gettext_lazy("Connectors")),
    ("sms_", gettext_lazy("SMS")),
    ("sign_in_experience.", gettext_lazy("Sign-in experience")),
    ("hook.", gettext_lazy("Webhooks")),
]

TARGET_LABELS = {
    "tenant": gettext_lazy("Tenant"),
    "user": gettext_lazy("User"),
    "application": gettext_lazy("Application"),
    "connector": gettext_lazy("Connector"),
    "smsmessage": gettext_lazy("SMS message"),
    "smsbudget": gettext_lazy("SMS budget"),
    "hook": gettext_lazy("Webhook"),
}

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "description": gettext_lazy("Description"),
    "tag": gettext_lazy("Environment"),
    "default_country": gettext_lazy("Default country"),
    "username": gettext_lazy("Username"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "password": gettext_lazy("Password"),
    "identifier": gettext_lazy("Identifier"),
    "role": gettext_lazy("Role"),
    "invited_by": gettext_lazy("Invited by"),
    "kid": gettext_lazy("Key ID"),
    "type": gettext_lazy("Type"),
    "framework": gettext_lazy("Framework"),
    "redirect_uris": gettext_lazy("Redirect URIs"),
    "post_logout_redirect_uris": gettext_lazy("Post sign-out redirect URIs"),
    "allowed_origins": gettext_lazy("CORS allowed origins"),
    "refresh_token_ttl_days": gettext_lazy("Refresh token lifetime (days)"),
    "reuse_grace_seconds": gettext_lazy("Reuse grace (seconds)"),
    "management_api_access": gettext_lazy("Management API access"),
    "client_secret": gettext_lazy("Client secret"),
    "signed_out_everywhere": gettext_lazy("Signed out everywhere"),
    "provider": gettext_lazy("Provider"),
    "config": gettext_lazy("Configuration"),
    "secrets": gettext_lazy("Secret fields"),
    "enabled": gettext_lazy("Enabled"),
    "reason": gettext_lazy("Reason"),
    "connector": gettext_lazy("Connector"),
    "filters": gettext_lazy("Filters"),
    "daily_limit": gettext_lazy("Daily limit"),
    "country_daily_limits": gettext_lazy("Daily limits by country"),
    "sign_up": gettext_lazy("Sign-up"),
    "sign_in": gettext_lazy("Sign-in methods"),
    "sign_in_mode": gettext_lazy("Sign-in mode"),
    "forgot_password_methods": gettext_lazy("Forgot password methods"),
    "branding": gettext_lazy("Branding"),
    "color": gettext_lazy("Colors"),
    "terms_of_use_url": gettext_lazy("Terms of use URL"),
    "privacy_policy_url": gettext_lazy("Privacy policy URL"),
    "language_info": gettext_lazy("Language"),
    "password_policy": gettext_lazy("Password policy"),
    "code_policy": gettext_lazy("Verification codes"),
    "identifiers": gettext_lazy("Identifiers"),
    "verify": gettext_lazy("Verify"),
    "methods": gettext_lazy("Methods"),
    "verificationCode": gettext_lazy("Verification code"),
    "isPasswordPrimary": gettext_lazy("Password first"),
    "primaryColor": gettext_lazy("Primary color"),
    "isDarkModeEnabled": gettext_lazy("Dark mode"),
    "darkPrimaryColor": gettext_lazy("Dark mode primary color"),
    "autoDetect": gettext_lazy("Detect the browser's language"),
    "fallbackLanguage": gettext_lazy("Fallback language"),
    "lifetimeSeconds": gettext_lazy("Code lifetime (seconds)"),
    "maxAttempts": gettext_lazy("Checks per code"),
    "resendCooldownSeconds": gettext_lazy("Resend cooldown (seconds)"),
    "perPhoneLimit": gettext_lazy("Codes per number"),
    "perPhoneWindowSeconds": gettext_lazy("Per-number window (seconds)"),
    "perIpLimit": gettext_lazy("Codes per IP address"),
    "perIpWindowSeconds": gettext_lazy("Per-IP window (seconds)"),
    "perTenantHourlyLimit": gettext_lazy("Codes per hour for the tenant"),
    "allowedCountries": gettext_lazy("Allowed countries"),
    "url": gettext_lazy("URL"),
    "events": gettext_lazy("Events"),
    "headers": gettext_lazy("Headers"),
    # The Tencent connector's config, in the words of its form (connectors sits above this app, so its schema
    # cannot be read here).
    "accessKeyId": "SecretId",
    "accessKeySecret": "SecretKey",
    "sdkAppId": "SDK AppID",
    "signName": gettext_lazy("Signature"),
    "internationalSignName": gettext_lazy("International signature"),
    "region": gettext_lazy("Region"),
    "templates": gettext_lazy("Templates"),
    "internationalTemplates": gettext_lazy("International templates"),
    "templateCode": gettext_lazy("Template ID"),
    "usageType": gettext_lazy("Usage type"),
    "locale": gettext_lazy("Language"),
}

# Stored values that are codes, by the field that holds them, in the console's words.
VALUE_LABELS = {
    "tag": dict(Tenant.Tag.choices),
    "role": dict(Membership.Role.choices),
    "type": dict(Application.AppType.choices),
    "management_api_access": dict(Application.ManagementApiAccess.choices),
    "usageType": {"Register": gettext_lazy("Register"), "SignIn": gettext_lazy("SignIn"),
                  "ForgotPassword": gettext_lazy("ForgotPassword"), "Generic": gettext_lazy("Generic")},
}

# Values services write in place of a secret or a password.
PLACEHOLDERS = {
    "(changed)": gettext_lazy("changed (value not shown)"),
    "(set)": gettext_lazy("set"),
    "(none)": gettext_lazy("none"),
    "(reset)": gettext_lazy("reset"),
    "(rotated)": gettext_lazy("rotated"),
}

# Fields stored as one space-separated string of URIs.
URI_LIST_FIELDS = {"redirect_uris", "post_logout_redirect_uris", "allowed_origins"}

ACTIVITY_LABELS = {
    "Interaction.SignIn.Submit": gettext_lazy("Signed in"),
    "Interaction.Register.Submit": gettext_lazy("Signed up"),
    "Interaction.ForgotPassword.Submit": gettext_lazy("Reset password"),
    "Interaction.SignIn.Verification.Password.Submit": gettext_lazy("Sign-in refused"),
    "Interaction.SignIn.Verification.PhoneVerificationCode.Submit": gettext_lazy("Sign-in refused"),
}
METHOD_LABELS = {"Password": gettext_lazy("Password"), "VerificationCode": gettext_lazy("SMS code")}
ERROR_LABELS = {"session.invalid_credentials": gettext_lazy("Wrong account or password")}

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: a value recorded on its own, not a change from one value to another
    after: str


def action_label(action):
    return ACTION_LABELS.get(action, action)


def target_label(target_type):
    return TARGET_LABELS.get(target_type, target_type)


def field_label(name):
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return words[:1].upper() + words[1:].lower()


def value_text(value, field=""):
    """A recorded value as a reader would write it."""
    if isinstance(value, str) and value in VALUE_LABELS.get(field, {}):
        return str(VALUE_LABELS[field][value])
    if field in URI_LIST_FIELDS and isinstance(value, str):
        value, field = value.split(), ""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        return str(PLACEHOLDERS.get(value, value))
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {value_text(v, k)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        items = [value_text(item, field) for item in value if item not in ("", None)]
        separator = " | " if any(isinstance(item, dict) for item in value) else ", "
        return separator.join(items) or EMPTY
    return str(value)


def _is_change(action, value):
    # changed_fields() records an update as [old, new]; other actions record plain values, lists included.
    return action.endswith(".update") and isinstance(value, list) and len(value) == 2


def readable_changes(entry):
    """The entry's changes as Change rows: for two settings that are both objects, only their parts that
    differ."""
    rows = []
    for field, value in (entry.changes or {}).items():
        if not _is_change(entry.action, value):
            rows.append(Change(field_label(field), None, value_text(value, field)))
            continue
        before, after = value
        if isinstance(before, dict) and isinstance(after, dict):
            for part in [k for k in {**before, **after} if before.get(k) != after.get(k)]:
                rows.append(Change(f"{field_label(field)} · {field_label(part)}",
                                   value_text(before.get(part), part), value_text(after.get(part), part)))
        else:
            rows.append(Change(field_label(field), value_text(before, field), value_text(after, field)))
    return rows


def activity_label(key):
    return ACTIVITY_LABELS.get(key, key)


def method_label(method):
    return METHOD_LABELS.get(method, method) or EMPTY


def error_label(code):
    return ERROR_LABELS.get(code, code)


def activity_rows(entries):
    """(entry, what happened, method, error) for an activity table."""
    return [(entry, activity_label(entry.key), method_label(entry.method),
             error_label(entry.error_code) if entry.error_code else "") for entry in entries]
