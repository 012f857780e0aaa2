"""What the hosted page shows, computed once from the settings (templates only render it)."""
from dataclasses import dataclass, field

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from signin_experience import code_policy
from signin_experience.passwords import describe

IDENTIFIER_LABELS = {"username": _("Username"), "email": _("Email"), "phone": _("Phone number")}


def describe_method(method):
    """`Phone number (verification code)`: a sign-in method as the console names it."""
    factors = [str(label) for key, label in (("password", _("password")), ("verificationCode", _("verification code")))
               if method.get(key)]
    return f"{IDENTIFIER_LABELS[method['identifier']]} ({', '.join(factors)})"


@dataclass
class HostedExperience:
    tenant_name: str
    logo_url: str
    primary_color: str
    dark_primary_color: str
    dark_mode: bool
    can_sign_in: bool
    can_register: bool
    phone_code: bool  # the phone + verification code form
    password_identifiers: list = field(default_factory=list)  # identifiers that sign in with a password
    code_first: bool = False  # phone code form before the password form
    register_with_username: bool = False
    sign_up_password: bool = False
    forgot_password_phone: bool = False
    terms_of_use_url: str = ""
    privacy_policy_url: str = ""
    password_policy_hint: str = ""
    fallback_language: str = "en"
    auto_detect_language: bool = True
    phone_regions: tuple = ("CN",)  # the phone input's country picker: the allowed destination countries
    default_region: str = "CN"

    @property
    def password_label(self):
        """Lazy: the page's language is the one active when the label is rendered, not when it is computed."""
        labels = [IDENTIFIER_LABELS[i] for i in self.password_identifiers]
        return format_lazy(" / ".join(["{}"] * len(labels)), *labels)

    @property
    def needs_terms(self):
        return bool(self.terms_of_use_url or self.privacy_policy_url)

    @property
    def password_form(self):
        return bool(self.password_identifiers) and self.can_sign_in


def build_experience(tenant, settings, *, sms_available):
    methods = settings["sign_in"]["methods"]
    sign_up = settings["sign_up"]
    mode = settings["sign_in_mode"]
    can_register = mode != "SignIn" and bool(sign_up["identifiers"])
    phone = next((m for m in methods if m["identifier"] == "phone"), None)
    phone_code = sms_available and (
        (phone is not None and phone["verificationCode"] and mode != "Register")
        or (can_register and "phone" in sign_up["identifiers"])
    )
    password_identifiers = [m["identifier"] for m in methods if m["password"]]
    first = methods[0] if methods else None
    code_first = bool(first and first["identifier"] == "phone" and first["verificationCode"]
                      and not (first["password"] and first.get("isPasswordPrimary", True)))
    color, branding, language = settings["color"], settings["branding"], settings["language_info"]
    regions = code_policy.allowed_regions(settings["code_policy"], tenant)
    default_region = tenant.default_country if tenant.default_country in regions else regions[0]
    return HostedExperience(
        tenant_name=tenant.name,
        logo_url=branding.get("logoUrl", ""),
        primary_color=color.get("primaryColor", "#5d34f2"),
        dark_primary_color=color.get("darkPrimaryColor", "#8b6cff"),
        dark_mode=bool(color.get("isDarkModeEnabled")),
        can_sign_in=mode != "Register",
        can_register=can_register,
        phone_code=phone_code,
        password_identifiers=password_identifiers,
        code_first=code_first,
        register_with_username=can_register and sign_up["identifiers"] == ["username"],
        sign_up_password=bool(sign_up["password"]),
        forgot_password_phone=sms_available and "PhoneVerificationCode" in settings["forgot_password_methods"],
        terms_of_use_url=settings["terms_of_use_url"],
        privacy_policy_url=settings["privacy_policy_url"],
        password_policy_hint=describe(settings["password_policy"]),
        fallback_language=language.get("fallbackLanguage", "en"),
        auto_detect_language=language.get("autoDetect", True),
        phone_regions=tuple(regions),
        default_region=default_region,
    )
