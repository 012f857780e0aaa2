"""A tenant's sign-in experience in Logto's JSON shape (its Management API's `/api/sign-in-exp` and its webhook
payloads'), with Postern's extras added beside Logto's fields, never renamed.

Logto settings Postern does not have are answered with the value that means "off", so a script that reads the
experience, changes a field and sends it all back works; the Management API refuses any other value for them.
"""
from __future__ import annotations

from typing import Any

# The hosted page's fallback languages as stored (the console's choices) and as Logto's enum names them.
LOGTO_LANGUAGES = {"en": "en", "zh-Hans": "zh-CN"}
# What Postern does about terms: the phone-code form and username registration ask for agreement.
AGREE_TO_TERMS_POLICY = "Manual"
DEFAULT_MFA = {"factors": [], "policy": "UserControlled"}
# Logto fields Postern does not have, each with the value that means "not used".
UNUSED_FIELDS: dict[str, Any] = {
    "hideLogtoBranding": False,
    "socialSignIn": {},
    "socialSignInConnectorTargets": [],
    "customCss": None,
    "customContent": {},
    "customUiAssets": None,
    "customUiCsp": {},
    "adaptiveMfa": {},
    "singleSignOnEnabled": False,
    "supportEmail": None,
    "supportWebsiteUrl": None,
    "unknownSessionRedirectUrl": None,
    "captchaPolicy": {},
    "sentinelPolicy": {},
    "emailBlocklistPolicy": {},
    "passkeySignIn": {},
    "signUpProfileFields": None,
    "passwordExpiration": {"enabled": False},
    "usernamePolicy": {},
}


def password_policy_json(policy: dict[str, Any]) -> dict[str, Any]:
    """Logto's passwordPolicy. Postern's one rejection, common passwords (Django's list of leaked ones, checked
    offline), answers as Logto's `pwned` and under its own name; the other rejections are not checked."""
    common = bool(policy.get("rejects", {}).get("commonPasswords"))
    return {
        "length": {"min": policy["length"]["min"], "max": policy["length"].get("max", 256)},
        "characterTypes": {"min": policy["characterTypes"]["min"]},
        "rejects": {"pwned": common, "repetitionAndSequence": False, "userInfo": False, "words": [],
                    "commonPasswords": common},
    }


def sign_in_exp_json(tenant, settings: dict[str, Any]) -> dict[str, Any]:
    """Logto's SignInExperience for `settings` (SignInExperience.as_settings())."""
    code_policy = settings["code_policy"]
    language = settings["language_info"]
    return {
        "tenantId": tenant.pk,
        "id": "default",
        "color": settings["color"],
        "branding": settings["branding"],
        "languageInfo": {"autoDetect": language["autoDetect"],
                         "fallbackLanguage": LOGTO_LANGUAGES.get(language["fallbackLanguage"],
                                                                 language["fallbackLanguage"])},
        "termsOfUseUrl": settings["terms_of_use_url"] or None,
        "privacyPolicyUrl": settings["privacy_policy_url"] or None,
        "agreeToTermsPolicy": AGREE_TO_TERMS_POLICY,
        "signIn": settings["sign_in"],
        "signUp": {**settings["sign_up"], "secondaryIdentifiers": []},
        "signInMode": settings["sign_in_mode"],
        "forgotPasswordMethods": settings["forgot_password_methods"],
        "passwordPolicy": password_policy_json(settings["password_policy"]),
        "mfa": DEFAULT_MFA,
        "verificationCodePolicy": {"expirationDuration": code_policy["lifetimeSeconds"],
                                   "maxRetryAttempts": code_policy["maxAttempts"]},
        **UNUSED_FIELDS,
        # Postern's own: the whole verification-code policy (lifetime, attempts, cooldown, send limits, countries).
        "codePolicy": code_policy,
    }
