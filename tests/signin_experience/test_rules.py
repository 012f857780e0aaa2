"""Saving a sign-in experience follows Logto's rules, with their codes."""
import pytest

from signin_experience.models import (
    default_code_policy, default_color, default_language, default_password_policy,
)
from signin_experience.rules import validate_experience
from signin_experience.services import with_sign_up_identifiers_in_sign_in


def settings(identifiers=("phone",), password=False, verify=True, methods=None, mode="SignInAndRegister",
             forgot=(), **code_policy):
    return {
        "sign_up": {"identifiers": list(identifiers), "password": password, "verify": verify},
        "sign_in": {"methods": methods if methods is not None else [
            {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False}]},
        "sign_in_mode": mode, "forgot_password_methods": list(forgot), "branding": {}, "color": default_color(),
        "terms_of_use_url": "", "privacy_policy_url": "", "language_info": default_language(),
        "password_policy": default_password_policy(), "code_policy": dict(default_code_policy(), **code_policy),
    }


def codes(value, **flags):
    return {error.code for error in validate_experience(value, has_sms_connector=flags.get("sms", True))}


def test_phone_passwordless_with_connector_is_valid():
    assert codes(settings()) == set()


def test_phone_needs_an_sms_connector():
    assert "enabled_connector_not_found" in codes(settings(), sms=False)


def test_rule_codes():
    assert "missing_sign_up_identifiers" in codes(settings(identifiers=(), methods=[
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True}]))
    assert "passwordless_requires_verify" in codes(settings(verify=False))
    assert "at_least_one_authentication_factor" in codes(settings(methods=[
        {"identifier": "phone", "password": False, "verificationCode": False, "isPasswordPrimary": True}]))
    assert "code_sign_in_must_be_enabled" in codes(settings(methods=[
        {"identifier": "phone", "password": True, "verificationCode": False, "isPasswordPrimary": True}]))
    assert "forgot_password_method_requires_connector" in codes(settings(forgot=["PhoneVerificationCode"]), sms=False)
    assert "email_connector_not_found" in codes(settings(identifiers=("email",)))
    assert "username_requires_password" in codes(settings(identifiers=("username",), verify=False, methods=[
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True}]))


@pytest.mark.parametrize("key,value", [("lifetimeSeconds", 59), ("lifetimeSeconds", 3601), ("maxAttempts", 0),
                                       ("maxAttempts", 101)])
def test_code_policy_ranges(key, value):
    assert "invalid_range" in codes(settings(**{key: value}))


def test_unknown_country_refused():
    assert "invalid_country" in codes(settings(allowedCountries=["XX"]))


def test_console_adds_sign_up_identifier_to_sign_in_methods():
    value = settings(methods=[{"identifier": "username", "password": True, "verificationCode": False,
                               "isPasswordPrimary": True}])
    completed = with_sign_up_identifiers_in_sign_in(value)
    phone = [m for m in completed["sign_in"]["methods"] if m["identifier"] == "phone"][0]
    assert phone["verificationCode"] is True
    assert codes(completed) == set()
