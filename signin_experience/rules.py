"""Validation of sign-in experience settings, with Logto's rule codes (one table of codes and messages)."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from signin_experience import code_policy

IDENTIFIERS = ("username", "email", "phone")
FORGOT_METHODS = ("PhoneVerificationCode", "EmailVerificationCode")

MESSAGES = {
    "missing_sign_up_identifiers": _("Registration is allowed, so choose a sign-up identifier."),
    "duplicated_sign_up_identifiers": _("A sign-up identifier is listed twice."),
    "passwordless_requires_verify": _("Email and phone sign-up must verify the address or number."),
    "username_requires_password": _("Username sign-up needs “Create your password”."),
    "enabled_connector_not_found": _("Phone numbers need an enabled SMS connector: set one up under Connectors first."),
    "email_connector_not_found": _("Email needs an email connector, and Postern has none yet; use phone or username."),
    "at_least_one_authentication_factor": _("Each sign-in method needs password, verification code, or both."),
    "code_sign_in_must_be_enabled": _("Sign-up without a password verifies by code, so sign-in with a verification code must be on for that identifier."),
    "password_sign_in_must_be_enabled": _("Sign-up creates a password, so at least one sign-in method must accept a password."),
    "miss_sign_up_identifier_in_sign_in": _("Every sign-up identifier must also be a sign-in method."),
    "empty_sign_in_methods": _("Enable at least one sign-in method."),
    "username_cannot_use_verification_code": _("Usernames cannot receive verification codes."),
    "forgot_password_method_requires_connector": _("Password recovery by phone needs an enabled SMS connector."),
    "invalid_range": _("Out of range."),
    "invalid_country": _("Unknown country code."),
    "invalid_color": _("Use a hex color such as #5d34f2."),
}


@dataclass(frozen=True)
class RuleError:
    code: str
    path: str  # e.g. "signUp", "signIn.methods.phone", "codePolicy.lifetimeSeconds"

    @property
    def message(self):
        return str(MESSAGES[self.code])


def _needs_sms(identifier):
    return identifier == "phone"


def validate_experience(settings, *, has_sms_connector, has_email_connector=False):
    """Every broken rule of `settings` (Logto's shape); an empty list means it can be saved."""
    errors = []
    sign_up, methods = settings["sign_up"], settings["sign_in"]["methods"]
    identifiers = sign_up["identifiers"]
    by_identifier = {m["identifier"]: m for m in methods}
    registration_open = settings["sign_in_mode"] != "SignIn"

    if len(set(identifiers)) != len(identifiers):
        errors.append(RuleError("duplicated_sign_up_identifiers", "signUp"))
    if registration_open and not identifiers:
        errors.append(RuleError("missing_sign_up_identifiers", "signUp"))
    if any(i in ("email", "phone") for i in identifiers) and not sign_up["verify"]:
        errors.append(RuleError("passwordless_requires_verify", "signUp"))
    if identifiers == ["username"] and not sign_up["password"]:
        errors.append(RuleError("username_requires_password", "signUp"))
    if "email" in identifiers and not has_email_connector:
        errors.append(RuleError("email_connector_not_found", "signUp"))
    if "phone" in identifiers and not has_sms_connector:
        errors.append(RuleError("enabled_connector_not_found", "signUp"))

    if not methods:
        errors.append(RuleError("empty_sign_in_methods", "signIn"))
    for method in methods:
        path = f"signIn.methods.{method['identifier']}"
        if not (method["password"] or method["verificationCode"]):
            errors.append(RuleError("at_least_one_authentication_factor", path))
        if method["identifier"] == "username" and method["verificationCode"]:
            errors.append(RuleError("username_cannot_use_verification_code", path))
        if method["identifier"] == "email" and not has_email_connector and method["verificationCode"]:
            errors.append(RuleError("email_connector_not_found", path))
        if _needs_sms(method["identifier"]) and method["verificationCode"] and not has_sms_connector:
            errors.append(RuleError("enabled_connector_not_found", path))
    for identifier in identifiers:
        if identifier not in by_identifier:
            errors.append(RuleError("miss_sign_up_identifier_in_sign_in", "signIn"))
        elif sign_up["verify"] and not sign_up["password"] and identifier in ("email", "phone") \
                and not by_identifier[identifier]["verificationCode"]:
            errors.append(RuleError("code_sign_in_must_be_enabled", f"signIn.methods.{identifier}"))
    if sign_up["password"] and methods and not any(m["password"] for m in methods):
        errors.append(RuleError("password_sign_in_must_be_enabled", "signIn"))

    forgot = settings["forgot_password_methods"]
    if "PhoneVerificationCode" in forgot and not has_sms_connector:
        errors.append(RuleError("forgot_password_method_requires_connector", "forgotPasswordMethods"))
    if "EmailVerificationCode" in forgot and not has_email_connector:
        errors.append(RuleError("email_connector_not_found", "forgotPasswordMethods"))

    errors += [RuleError(code, f"codePolicy.{key}") for key, code in code_policy.problems(settings["code_policy"])]
    length = settings["password_policy"]["length"]
    if not 8 <= length["min"] <= 256:
        errors.append(RuleError("invalid_range", "passwordPolicy.length"))
    if not 1 <= settings["password_policy"]["characterTypes"]["min"] <= 4:
        errors.append(RuleError("invalid_range", "passwordPolicy.characterTypes"))
    for key in ("primaryColor", "darkPrimaryColor"):
        value = settings["color"].get(key, "")
        if not (isinstance(value, str) and len(value) == 7 and value.startswith("#")
                and all(c in "0123456789abcdefABCDEF" for c in value[1:])):
            errors.append(RuleError("invalid_color", f"color.{key}"))
    return errors
