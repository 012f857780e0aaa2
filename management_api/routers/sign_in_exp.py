"""/api/sign-in-exp: the tenant's sign-in experience in Logto's shape, saved through the console's service and
checked by its rules (signin_experience.rules), whose codes a refusal answers as `sign_in_experiences.<rule>`."""
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from ninja import Router
from pydantic import AfterValidator, Field, StrictBool, StrictInt, StrictStr, field_validator, model_validator

from management_api.errors import ApiError
from management_api.text_guard import StorableBody
from signin_experience.language import fallback_language_for
from signin_experience.rules import FORGOT_METHODS, IDENTIFIERS
from signin_experience.selectors import experience_for, sms_connector_enabled
from signin_experience.services import ExperienceInvalid, experience_update
from signin_experience.shapes import AGREE_TO_TERMS_POLICY, UNUSED_FIELDS, sign_in_exp_json

router = Router(tags=["Sign-in experience"])

MAX_URL_LENGTH = 2048  # the model's URL fields
Identifier = Literal[IDENTIFIERS]
_validate_url = URLValidator()


def _url(value):
    """A URL the console's URL fields would take (Django's URLValidator); empty means none."""
    if value:
        try:
            _validate_url(value)
        except ValidationError:
            raise ValueError("Must be a full URL, such as https://example.com/terms.") from None
    return value


Url = Annotated[StrictStr, Field(max_length=MAX_URL_LENGTH), AfterValidator(_url)]


def _is_off(value):
    """Whether a value of a Logto setting Postern lacks means "not used": empty, false, or only such values."""
    if isinstance(value, dict):
        return all(_is_off(item) for item in value.values())
    return value in (None, False, "", [], {})


class Strict(StorableBody):
    model_config = {"strict": True}


class Color(Strict):
    primaryColor: str
    isDarkModeEnabled: bool
    darkPrimaryColor: str


class Branding(Strict):
    logoUrl: Url | None = None
    darkLogoUrl: Url | None = None
    favicon: Url | None = None
    darkFavicon: Url | None = None


class LanguageInfo(Strict):
    autoDetect: bool
    fallbackLanguage: str = Field(max_length=35, description="`en` or `zh-CN` (any `en-*`, `zh-*` tag): the "
                                                             "languages the hosted page speaks.")


class SignInMethod(Strict):
    identifier: Identifier
    password: bool
    verificationCode: bool
    isPasswordPrimary: bool


class SignIn(Strict):
    methods: list[SignInMethod] = Field(max_length=len(IDENTIFIERS))

    @field_validator("methods")
    @classmethod
    def _each_identifier_once(cls, methods):
        identifiers = [method.identifier for method in methods]
        if len(set(identifiers)) != len(identifiers):
            raise ValueError("Each identifier may be listed once.")
        return methods


class SecondaryIdentifier(Strict):
    identifier: str
    verify: bool | None = None


class SignUp(Strict):
    identifiers: list[Identifier] = Field(max_length=len(IDENTIFIERS))
    password: bool
    verify: bool
    secondaryIdentifiers: list[SecondaryIdentifier] = Field(
        default_factory=list, max_length=0, description="Not supported: leave empty.")


class PasswordLength(Strict):
    min: int
    max: int = Field(256, ge=1, le=256)

    @model_validator(mode="after")
    def _max_not_below_min(self):
        if self.max < self.min:
            raise ValueError("max must not be below min.")
        return self


class CharacterTypes(Strict):
    min: int


class PasswordRejects(Strict):
    pwned: bool = Field(False, description="Postern: rejects common passwords (Django's list, checked offline).")
    commonPasswords: bool | None = Field(None, description="Postern's name for `pwned`.")
    repetitionAndSequence: Literal[False] = Field(False, description="Not checked by Postern: false only.")
    userInfo: Literal[False] = Field(False, description="Not checked by Postern: false only.")
    words: list[str] = Field(default_factory=list, max_length=0, description="Not supported: leave empty.")


class PasswordPolicy(Strict):
    length: PasswordLength | None = None
    characterTypes: CharacterTypes | None = None
    rejects: PasswordRejects | None = None


class VerificationCodePolicy(Strict):
    expirationDuration: int | None = Field(None, description="Seconds a code lives (codePolicy.lifetimeSeconds).")
    maxRetryAttempts: int | None = Field(None, description="Checks per code (codePolicy.maxAttempts).")


class CodePolicy(Strict):
    """Postern's own: every key optional, merged into the stored policy (ranges in the README)."""
    lifetimeSeconds: int | None = None
    maxAttempts: int | None = None
    resendCooldownSeconds: int | None = None
    perPhoneLimit: int | None = None
    perPhoneWindowSeconds: int | None = None
    perIpLimit: int | None = None
    perIpWindowSeconds: int | None = None
    perTenantHourlyLimit: int | None = None
    allowedCountries: list[Annotated[str, Field(max_length=3)]] | None = Field(None, max_length=300)


class Mfa(Strict):
    factors: list[str] = Field(max_length=0, description="Not supported: leave empty.")
    policy: str = Field(max_length=64)
    organizationRequiredMfaPolicy: str | None = Field(None, max_length=64)


class SignInExpUpdate(Strict):
    tenantId: str | None = Field(None, max_length=64)
    color: Color | None = None
    branding: Branding | None = None
    languageInfo: LanguageInfo | None = None
    termsOfUseUrl: Url | None = None
    privacyPolicyUrl: Url | None = None
    agreeToTermsPolicy: Literal[AGREE_TO_TERMS_POLICY] | None = Field(None, description=(
        "Postern asks for agreement on the phone-code form and at username registration: `Manual` only."))
    signIn: SignIn | None = None
    signUp: SignUp | None = None
    signInMode: Literal["SignIn", "Register", "SignInAndRegister"] | None = None
    forgotPasswordMethods: list[Literal[FORGOT_METHODS]] | None = Field(None, max_length=len(FORGOT_METHODS))
    passwordPolicy: PasswordPolicy | None = None
    mfa: Mfa | None = None
    verificationCodePolicy: VerificationCodePolicy | None = None
    codePolicy: CodePolicy | None = None
    # Logto settings Postern does not have: accepted when they say "not used" (what GET answers), else refused.
    hideLogtoBranding: bool | None = Field(None, description="Ignored: the hosted page never shows Logto's branding.")
    socialSignIn: Any = None
    socialSignInConnectorTargets: Any = None
    customCss: Any = None
    customContent: Any = None
    customUiAssets: Any = None
    customUiCsp: Any = None
    adaptiveMfa: Any = None
    singleSignOnEnabled: Any = None
    supportEmail: Any = None
    supportWebsiteUrl: Any = None
    unknownSessionRedirectUrl: Any = None
    captchaPolicy: Any = None
    sentinelPolicy: Any = None
    emailBlocklistPolicy: Any = None
    passkeySignIn: Any = None
    signUpProfileFields: Any = None
    passwordExpiration: Any = None
    usernamePolicy: Any = None

    @field_validator(*(name for name in UNUSED_FIELDS if name != "hideLogtoBranding"))
    @classmethod
    def _unused_means_off(cls, value, info):
        if not _is_off(value):
            raise ValueError(f"Postern has no {info.field_name} setting: send {UNUSED_FIELDS[info.field_name]!r} "
                             "or leave it out.")
        return value


def _merged_password_policy(stored, given):
    policy = {**stored, "length": dict(stored["length"]), "characterTypes": dict(stored["characterTypes"]),
              "rejects": dict(stored.get("rejects", {}))}
    if given.length is not None:
        policy["length"] = {"min": given.length.min, "max": given.length.max}
    if given.characterTypes is not None:
        policy["characterTypes"] = {"min": given.characterTypes.min}
    if given.rejects is not None:
        rejects = given.rejects
        if rejects.commonPasswords is not None and "pwned" in rejects.model_fields_set \
                and rejects.commonPasswords != rejects.pwned:
            raise ApiError(400, "guard.invalid_input", "pwned and commonPasswords are one setting; they disagree.",
                           {"fields": {"passwordPolicy.rejects": ["pwned and commonPasswords disagree."]}})
        common = rejects.commonPasswords if rejects.commonPasswords is not None else rejects.pwned
        policy["rejects"] = {**policy["rejects"], "commonPasswords": common}
    return policy


def _merged_code_policy(stored, body):
    policy = dict(stored)
    if body.verificationCodePolicy is not None:
        given = body.verificationCodePolicy
        if given.expirationDuration is not None:
            policy["lifetimeSeconds"] = given.expirationDuration
        if given.maxRetryAttempts is not None:
            policy["maxAttempts"] = given.maxRetryAttempts
    if body.codePolicy is not None:
        changes = body.codePolicy.model_dump(exclude_none=True)
        if "allowedCountries" in changes:
            changes["allowedCountries"] = [country.strip().upper() for country in changes["allowedCountries"]]
        policy.update(changes)
    return policy


def _fallback_language(tag):
    stored = fallback_language_for(tag)
    if stored is None:
        raise ApiError(400, "sign_in_experiences.unsupported_default_language",
                       f"The hosted page does not speak {tag!r}: use en or zh-CN.",
                       {"fields": {"languageInfo.fallbackLanguage": ["Use en or zh-CN."]}})
    return stored


def _settings_from(body, current):
    """Postern's settings: `current` with what the Logto-shaped body sets (Logto's PATCH replaces each field it
    names; `codePolicy` is merged key by key)."""
    given = body.model_fields_set
    settings = dict(current)
    if body.signUp is not None:
        settings["sign_up"] = {"identifiers": list(body.signUp.identifiers), "password": body.signUp.password,
                               "verify": body.signUp.verify}
    if body.signIn is not None:
        settings["sign_in"] = {"methods": [method.model_dump() for method in body.signIn.methods]}
    if body.signInMode is not None:
        settings["sign_in_mode"] = body.signInMode
    if "forgotPasswordMethods" in given:
        settings["forgot_password_methods"] = list(body.forgotPasswordMethods or [])
    if body.color is not None:
        settings["color"] = body.color.model_dump()
    if body.branding is not None:
        settings["branding"] = body.branding.model_dump(exclude_none=True)
    if body.languageInfo is not None:
        settings["language_info"] = {"autoDetect": body.languageInfo.autoDetect,
                                     "fallbackLanguage": _fallback_language(body.languageInfo.fallbackLanguage)}
    for field, key in (("termsOfUseUrl", "terms_of_use_url"), ("privacyPolicyUrl", "privacy_policy_url")):
        if field in given:
            settings[key] = getattr(body, field) or ""
    if body.passwordPolicy is not None:
        settings["password_policy"] = _merged_password_policy(current["password_policy"], body.passwordPolicy)
    settings["code_policy"] = _merged_code_policy(current["code_policy"], body)
    return settings


def _rules_refusal(exc):
    first = exc.rule_errors[0]
    fields = {}
    for error in exc.rule_errors:
        fields.setdefault(error.path, []).append(error.message)
    return ApiError(400, f"sign_in_experiences.{first.code}", first.message, {
        "rules": [{"code": error.code, "path": error.path, "message": error.message} for error in exc.rule_errors],
        "fields": fields,
    })


@router.get("/sign-in-exp", summary="Get default sign-in experience settings")
def get_sign_in_exp(request):
    tenant = request.auth.tenant
    return sign_in_exp_json(tenant, experience_for(tenant).as_settings())


@router.patch("/sign-in-exp", summary="Update default sign-in experience settings", description=(
    "Each field given replaces the stored one (codePolicy and verificationCodePolicy are merged key by key), then "
    "the whole is checked by the console's rules: a refusal answers 400 `sign_in_experiences.<rule>` with every "
    "broken rule in `data.rules` ({code, path, message}). As in the console, each sign-up identifier is added to "
    "the sign-in methods. Logto settings Postern lacks (MFA, social, custom CSS, …) are accepted only with the "
    "value GET answers for them."))
def update_sign_in_exp(request, body: SignInExpUpdate):
    caller = request.auth
    tenant = caller.tenant
    if body.tenantId not in (None, tenant.pk):
        raise ApiError(400, "guard.invalid_input", "tenantId names another tenant.",
                       {"fields": {"tenantId": ["Must be this tenant's ID."]}})
    settings = _settings_from(body, experience_for(tenant).as_settings())
    try:
        experience = experience_update(tenant=tenant, acting_user=caller.actor, settings=settings,
                                       has_sms_connector=sms_connector_enabled(tenant))
    except ExperienceInvalid as exc:
        raise _rules_refusal(exc) from None
    return sign_in_exp_json(tenant, experience.as_settings())
