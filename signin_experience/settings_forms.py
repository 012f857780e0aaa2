"""The console's sign-in experience form: flat fields in, Logto-shaped settings out."""
from django import forms
from django.utils.translation import gettext_lazy as _

from signin_experience import code_policy
from signin_experience.rules import IDENTIFIERS

SIGN_UP_CHOICES = [
    ("username", _("Username")), ("email", _("Email address")), ("phone", _("Phone number")),
    ("email_or_phone", _("Email or phone number")), ("none", _("Not applicable")),
]
SIGN_UP_IDENTIFIERS = {"username": ["username"], "email": ["email"], "phone": ["phone"],
                       "email_or_phone": ["email", "phone"], "none": []}
MODE_CHOICES = [("SignInAndRegister", _("Sign in and register")), ("SignIn", _("Sign in only")),
                ("Register", _("Register only"))]

# Where each rule's path is shown in the form.
PATH_TO_FIELD = {
    "signUp": "sign_up_identifier",
    "signIn": "signin_methods",
    "signIn.methods.phone": "signin_phone_enabled",
    "signIn.methods.email": "signin_email_enabled",
    "signIn.methods.username": "signin_username_enabled",
    "forgotPasswordMethods": "forgot_phone",
    "passwordPolicy.length": "password_min_length",
    "passwordPolicy.characterTypes": "password_character_types",
    "color.primaryColor": "primary_color",
    "color.darkPrimaryColor": "dark_primary_color",
    "codePolicy.lifetimeSeconds": "code_lifetime",
    "codePolicy.maxAttempts": "code_max_attempts",
    "codePolicy.resendCooldownSeconds": "code_resend_cooldown",
    "codePolicy.perPhoneLimit": "code_per_phone_limit",
    "codePolicy.perPhoneWindowSeconds": "code_per_phone_limit",
    "codePolicy.perIpLimit": "code_per_ip_limit",
    "codePolicy.perIpWindowSeconds": "code_per_ip_limit",
    "codePolicy.perTenantHourlyLimit": "code_per_tenant_hourly",
    "codePolicy.allowedCountries": "allowed_countries",
}


def _int(label, initial, low, high, help_text=""):
    return forms.IntegerField(label=label, initial=initial, min_value=low, max_value=high, help_text=help_text)


def _policy_int(label, key):
    bound = code_policy.SETTINGS[key]
    return _int(label, bound.default, bound.low, bound.high)


class ExperienceForm(forms.Form):
    sign_up_identifier = forms.ChoiceField(
        label=_("Sign-up identifier"), choices=SIGN_UP_CHOICES,
        help_text=_("Every sign-up identifier is also a sign-in method: one missing from the sign-in methods is "
                    "added when you save, with a verification code when sign-up creates no password, else with a "
                    "password."))
    sign_up_verify = forms.BooleanField(label=_("Verify at sign-up"), required=False,
                                        help_text=_("Always on for email and phone."))
    sign_up_password = forms.BooleanField(label=_("Create your password"), required=False)
    sign_in_mode = forms.ChoiceField(label=_("Sign-in mode"), choices=MODE_CHOICES)
    signin_methods = forms.CharField(required=False, widget=forms.HiddenInput)  # anchor for method-wide errors
    forgot_phone = forms.BooleanField(label=_("Reset password by phone verification code"), required=False)
    logo_url = forms.URLField(label=_("Logo URL"), required=False, max_length=2048)
    primary_color = forms.CharField(label=_("Brand color"), max_length=7, widget=forms.TextInput(attrs={"type": "color"}))
    dark_mode = forms.BooleanField(label=_("Enable dark mode"), required=False)
    dark_primary_color = forms.CharField(label=_("Brand color (dark)"), max_length=7,
                                         widget=forms.TextInput(attrs={"type": "color"}))
    terms_of_use_url = forms.URLField(label=_("Terms of use URL"), required=False, max_length=2048)
    privacy_policy_url = forms.URLField(label=_("Privacy policy URL"), required=False, max_length=2048)
    language_auto_detect = forms.BooleanField(label=_("Auto-detect the user's language"), required=False)
    fallback_language = forms.ChoiceField(label=_("Fallback language"), choices=[("en", "English"), ("zh-Hans", "简体中文")])
    password_min_length = _int(_("Minimum password length"), 8, 8, 256)
    password_character_types = _int(_("Kinds of characters required"), 1, 1, 4,
                                    _("Out of lowercase, uppercase, digits and symbols."))
    password_reject_common = forms.BooleanField(label=_("Reject common passwords"), required=False)
    code_lifetime = _policy_int(_("Code lifetime (seconds)"), "lifetimeSeconds")
    code_max_attempts = _policy_int(_("Wrong attempts per code"), "maxAttempts")
    code_resend_cooldown = _policy_int(_("Resend cooldown (seconds)"), "resendCooldownSeconds")
    code_per_phone_limit = _policy_int(_("Codes per number per 10 minutes"), "perPhoneLimit")
    code_per_ip_limit = _policy_int(_("Codes per IP address per 10 minutes"), "perIpLimit")
    code_per_tenant_hourly = _policy_int(_("Codes per hour for the whole tenant"), "perTenantHourlyLimit")
    allowed_countries = forms.CharField(label=_("Allowed destination countries"), required=False, max_length=400,
                                        help_text=_("ISO codes, comma separated (e.g. CN, HK). Empty: the tenant's "
                                                    "default country only. Guards against SMS toll fraud."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for identifier in IDENTIFIERS:
            self.fields[f"signin_{identifier}_enabled"] = forms.BooleanField(required=False, label=str(identifier))
            self.fields[f"signin_{identifier}_password"] = forms.BooleanField(required=False, label=_("Password"))
            self.fields[f"signin_{identifier}_code"] = forms.BooleanField(required=False, label=_("Verification code"))
            self.fields[f"signin_{identifier}_order"] = forms.IntegerField(required=False, min_value=1, max_value=3)
            self.fields[f"signin_{identifier}_password_primary"] = forms.BooleanField(required=False)

    def method_rows(self):
        return [{
            "identifier": identifier,
            "enabled": self[f"signin_{identifier}_enabled"], "password": self[f"signin_{identifier}_password"],
            "code": self[f"signin_{identifier}_code"], "order": self[f"signin_{identifier}_order"],
            "password_primary": self[f"signin_{identifier}_password_primary"],
        } for identifier in IDENTIFIERS]

    @classmethod
    def initial_from(cls, settings):
        sign_up, methods = settings["sign_up"], settings["sign_in"]["methods"]
        identifier = next((key for key, ids in SIGN_UP_IDENTIFIERS.items() if ids == sign_up["identifiers"]), "none")
        policy, code_policy = settings["password_policy"], settings["code_policy"]
        initial = {
            "sign_up_identifier": identifier, "sign_up_verify": sign_up["verify"],
            "sign_up_password": sign_up["password"], "sign_in_mode": settings["sign_in_mode"],
            "forgot_phone": "PhoneVerificationCode" in settings["forgot_password_methods"],
            "logo_url": settings["branding"].get("logoUrl", ""),
            "primary_color": settings["color"]["primaryColor"], "dark_mode": settings["color"]["isDarkModeEnabled"],
            "dark_primary_color": settings["color"]["darkPrimaryColor"],
            "terms_of_use_url": settings["terms_of_use_url"], "privacy_policy_url": settings["privacy_policy_url"],
            "language_auto_detect": settings["language_info"]["autoDetect"],
            "fallback_language": settings["language_info"]["fallbackLanguage"],
            "password_min_length": policy["length"]["min"], "password_character_types": policy["characterTypes"]["min"],
            "password_reject_common": policy["rejects"].get("commonPasswords", False),
            "code_lifetime": code_policy["lifetimeSeconds"], "code_max_attempts": code_policy["maxAttempts"],
            "code_resend_cooldown": code_policy["resendCooldownSeconds"],
            "code_per_phone_limit": code_policy["perPhoneLimit"], "code_per_ip_limit": code_policy["perIpLimit"],
            "code_per_tenant_hourly": code_policy["perTenantHourlyLimit"],
            "allowed_countries": ", ".join(code_policy["allowedCountries"]),
        }
        for position, method in enumerate(methods, start=1):
            key = method["identifier"]
            initial.update({f"signin_{key}_enabled": True, f"signin_{key}_password": method["password"],
                            f"signin_{key}_code": method["verificationCode"], f"signin_{key}_order": position,
                            f"signin_{key}_password_primary": method.get("isPasswordPrimary", True)})
        return initial

    def to_settings(self, base):
        """Logto-shaped settings from the cleaned form; fields the form does not cover come from `base`."""
        data = self.cleaned_data
        identifiers = SIGN_UP_IDENTIFIERS[data["sign_up_identifier"]]
        verify = data["sign_up_verify"] or any(i in ("email", "phone") for i in identifiers)
        methods = []
        for position, identifier in enumerate(IDENTIFIERS):
            if data.get(f"signin_{identifier}_enabled"):
                methods.append((data.get(f"signin_{identifier}_order") or 10 + position, {
                    "identifier": identifier, "password": data[f"signin_{identifier}_password"],
                    "verificationCode": data[f"signin_{identifier}_code"],
                    "isPasswordPrimary": data[f"signin_{identifier}_password_primary"],
                }))
        countries = [c.strip().upper() for c in data["allowed_countries"].replace(";", ",").split(",") if c.strip()]
        return dict(base, **{
            "sign_up": {"identifiers": identifiers, "password": data["sign_up_password"], "verify": verify},
            "sign_in": {"methods": [method for _, method in sorted(methods, key=lambda pair: pair[0])]},
            "sign_in_mode": data["sign_in_mode"],
            "forgot_password_methods": ["PhoneVerificationCode"] if data["forgot_phone"] else [],
            "branding": dict(base["branding"], logoUrl=data["logo_url"]),
            "color": {"primaryColor": data["primary_color"], "isDarkModeEnabled": data["dark_mode"],
                      "darkPrimaryColor": data["dark_primary_color"]},
            "terms_of_use_url": data["terms_of_use_url"], "privacy_policy_url": data["privacy_policy_url"],
            "language_info": {"autoDetect": data["language_auto_detect"],
                              "fallbackLanguage": data["fallback_language"]},
            "password_policy": {"length": {"min": data["password_min_length"], "max": 256},
                                "characterTypes": {"min": data["password_character_types"]},
                                "rejects": {"commonPasswords": data["password_reject_common"]}},
            "code_policy": dict(base["code_policy"], lifetimeSeconds=data["code_lifetime"],
                                maxAttempts=data["code_max_attempts"],
                                resendCooldownSeconds=data["code_resend_cooldown"],
                                perPhoneLimit=data["code_per_phone_limit"], perIpLimit=data["code_per_ip_limit"],
                                perTenantHourlyLimit=data["code_per_tenant_hourly"], allowedCountries=countries),
        })

    def add_rule_errors(self, rule_errors):
        for error in rule_errors:
            self.add_error(PATH_TO_FIELD.get(error.path), f"{error.message} ({error.code})")
