"""/api/sign-in-exp: Logto's shape over the tenant's sign-in experience, saved by the console's service and refused
with the console's rule codes."""
import pytest
from hypothesis import given, strategies as st

from connectors.services import connector_create, connector_set_enabled
from console.audit.models import AuditEntry
from signin_experience.selectors import experience_for
from tests.management_api.fuzz import FUZZ_SETTINGS, assert_answered, changed_bodies

pytestmark = pytest.mark.django_db

PHONE_SIGN_UP = {"identifiers": ["phone"], "password": False, "verify": True}
PHONE_CODE_SIGN_IN = {"methods": [
    {"identifier": "phone", "password": False, "verificationCode": True, "isPasswordPrimary": False}]}


@pytest.fixture
def sms_connector(mapi, tencent_config):
    connector = connector_create(tenant=mapi.tenant, acting_user=mapi.owner, provider_key="tencent",
                                 config=tencent_config)
    return connector_set_enabled(connector=connector, enabled=True, acting_user=mapi.owner)


def test_a_new_tenants_experience_in_logtos_shape(mapi):
    status, body, _ = mapi.call("GET", "/sign-in-exp")

    assert status == 200
    assert body["tenantId"] == mapi.tenant.pk and body["id"] == "default"
    assert body["signUp"] == {"identifiers": ["username"], "password": True, "verify": False,
                              "secondaryIdentifiers": []}
    assert body["signIn"]["methods"] == [{"identifier": "username", "password": True, "verificationCode": False,
                                          "isPasswordPrimary": True}]
    assert body["signInMode"] == "SignInAndRegister" and body["forgotPasswordMethods"] == []
    assert body["color"] == {"primaryColor": "#5d34f2", "isDarkModeEnabled": False, "darkPrimaryColor": "#8b6cff"}
    assert body["languageInfo"] == {"autoDetect": True, "fallbackLanguage": "en"}
    assert body["termsOfUseUrl"] is None and body["privacyPolicyUrl"] is None and body["branding"] == {}
    assert body["passwordPolicy"]["length"] == {"min": 8, "max": 256}
    assert body["verificationCodePolicy"] == {"expirationDuration": 600, "maxRetryAttempts": 5}
    assert body["codePolicy"]["resendCooldownSeconds"] == 60 and body["mfa"] == {"factors": [],
                                                                                 "policy": "UserControlled"}


def test_the_seed_guides_phone_sign_in_is_saved_with_an_sms_connector(mapi, sms_connector):
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {"signUp": PHONE_SIGN_UP, "signIn": PHONE_CODE_SIGN_IN,
                                                          "forgotPasswordMethods": ["PhoneVerificationCode"]})

    assert status == 200, body
    assert body["signUp"]["identifiers"] == ["phone"] and body["signIn"] == PHONE_CODE_SIGN_IN
    saved = experience_for(mapi.tenant)
    assert saved.sign_up == PHONE_SIGN_UP and saved.sign_in == PHONE_CODE_SIGN_IN
    assert saved.forgot_password_methods == ["PhoneVerificationCode"]
    entry = AuditEntry.objects.get(action="sign_in_experience.update")
    assert entry.actor_application == mapi.app
    assert mapi.call("GET", "/sign-in-exp")[1] == body


def test_phone_without_an_sms_connector_is_refused_with_the_consoles_rule_code(mapi):
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {"signUp": PHONE_SIGN_UP, "signIn": PHONE_CODE_SIGN_IN,
                                                          "forgotPasswordMethods": ["PhoneVerificationCode"]})

    assert status == 400 and body["code"] == "sign_in_experiences.enabled_connector_not_found"
    codes = {(rule["code"], rule["path"]) for rule in body["data"]["rules"]}
    assert ("enabled_connector_not_found", "signUp") in codes
    assert ("forgot_password_method_requires_connector", "forgotPasswordMethods") in codes
    assert body["data"]["fields"]["signUp"]
    assert experience_for(mapi.tenant).pk is None  # nothing saved


@pytest.mark.parametrize("change, code, path", [
    ({"signUp": {"identifiers": ["phone"], "password": False, "verify": False}}, "passwordless_requires_verify",
     "signUp"),
    ({"signUp": {"identifiers": ["username"], "password": False, "verify": False}}, "username_requires_password",
     "signUp"),
    ({"signIn": {"methods": [{"identifier": "username", "password": False, "verificationCode": False,
                              "isPasswordPrimary": True}]}}, "at_least_one_authentication_factor",
     "signIn.methods.username"),
    ({"color": {"primaryColor": "red", "isDarkModeEnabled": False, "darkPrimaryColor": "#000000"}}, "invalid_color",
     "color.primaryColor"),
    ({"verificationCodePolicy": {"expirationDuration": 5}}, "invalid_range", "codePolicy.lifetimeSeconds"),
    ({"codePolicy": {"allowedCountries": ["XX"]}}, "invalid_country", "codePolicy.allowedCountries"),
    ({"passwordPolicy": {"length": {"min": 4, "max": 64}}}, "invalid_range", "passwordPolicy.length"),
])
def test_each_rule_answers_its_code_and_path(mapi, sms_connector, change, code, path):
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", change)
    assert status == 400 and body["code"] == f"sign_in_experiences.{code}", body
    assert {"code": code, "path": path} in [{k: rule[k] for k in ("code", "path")} for rule in body["data"]["rules"]]


def test_a_body_that_is_not_logtos_shape_gets_the_field_path(mapi):
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {"signIn": {"methods": [
        {"identifier": "fax", "password": True, "verificationCode": False, "isPasswordPrimary": True}]}})
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert "signIn.methods.0.identifier" in [issue["path"] for issue in body["data"]["issues"]]
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {"signInMode": "Everything", "color": {"primaryColor": 1}})
    paths = {issue["path"] for issue in body["data"]["issues"]}
    assert status == 400 and {"signInMode", "color.primaryColor", "color.isDarkModeEnabled"} <= paths


def test_what_get_answers_can_be_sent_back_whole(mapi, sms_connector):
    mapi.call("PATCH", "/sign-in-exp", {"signUp": PHONE_SIGN_UP, "signIn": PHONE_CODE_SIGN_IN})
    before = mapi.call("GET", "/sign-in-exp")[1]

    status, body, _ = mapi.call("PATCH", "/sign-in-exp", before)

    assert status == 200, body
    assert body == before


@pytest.mark.parametrize("field, value", [
    ("mfa", {"factors": ["Totp"], "policy": "Mandatory"}),
    ("sentinelPolicy", {"maxAttempts": 3}),
    ("customCss", "body {}"),
    ("socialSignInConnectorTargets", ["github"]),
    ("agreeToTermsPolicy", "Automatic"),
    ("passwordPolicy", {"rejects": {"pwned": True, "repetitionAndSequence": True, "userInfo": False, "words": []}}),
])
def test_logto_settings_postern_lacks_are_refused_unless_off(mapi, field, value):
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {field: value})
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert any(issue["path"].startswith(field) for issue in body["data"]["issues"]), body
    assert experience_for(mapi.tenant).pk is None


def test_languages_urls_branding_and_the_code_policy(mapi):
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {
        "languageInfo": {"autoDetect": False, "fallbackLanguage": "zh-CN"},
        "termsOfUseUrl": "https://example.com/terms", "branding": {"logoUrl": "https://example.com/logo.png"},
        "verificationCodePolicy": {"expirationDuration": 300, "maxRetryAttempts": 3},
        "codePolicy": {"resendCooldownSeconds": 30, "allowedCountries": ["cn", "HK"]},
        "passwordPolicy": {"length": {"min": 10, "max": 128}, "rejects": {"pwned": True}},
    })

    assert status == 200, body
    assert body["languageInfo"] == {"autoDetect": False, "fallbackLanguage": "zh-CN"}
    assert body["verificationCodePolicy"] == {"expirationDuration": 300, "maxRetryAttempts": 3}
    assert body["passwordPolicy"]["rejects"]["pwned"] is True
    saved = experience_for(mapi.tenant)
    assert saved.language_info == {"autoDetect": False, "fallbackLanguage": "zh-Hans"}  # the console's value
    assert saved.terms_of_use_url == "https://example.com/terms" and saved.branding == {
        "logoUrl": "https://example.com/logo.png"}
    assert saved.code_policy["lifetimeSeconds"] == 300 and saved.code_policy["maxAttempts"] == 3
    assert saved.code_policy["resendCooldownSeconds"] == 30 and saved.code_policy["allowedCountries"] == ["CN", "HK"]
    assert saved.password_policy["length"] == {"min": 10, "max": 128}
    assert saved.password_policy["rejects"]["commonPasswords"] is True

    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {"termsOfUseUrl": None})
    assert status == 200 and body["termsOfUseUrl"] is None and experience_for(mapi.tenant).terms_of_use_url == ""


def test_unspoken_languages_and_bad_urls_are_refused(mapi):
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {"languageInfo": {"autoDetect": True,
                                                                           "fallbackLanguage": "fr"}})
    assert status == 400 and body["code"] == "sign_in_experiences.unsupported_default_language"
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {"termsOfUseUrl": "javascript:alert(1)"})
    assert status == 400 and [issue["path"] for issue in body["data"]["issues"]] == ["termsOfUseUrl"]
    status, body, _ = mapi.call("PATCH", "/sign-in-exp", {"privacyPolicyUrl": "https://example.com/\x00"})
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert experience_for(mapi.tenant).pk is None


def test_each_tenant_has_its_own_and_a_read_only_token_cannot_change_it(make_management_api, tencent_config):
    tenant_a, tenant_b = make_management_api(), make_management_api()
    reader = make_management_api(access="read", tenant=tenant_a.tenant)
    assert tenant_a.call("PATCH", "/sign-in-exp", {"signInMode": "SignIn"})[0] == 200
    assert tenant_b.call("GET", "/sign-in-exp")[1]["signInMode"] == "SignInAndRegister"
    status, body, _ = tenant_a.call("PATCH", "/sign-in-exp", {"tenantId": tenant_b.tenant.pk})
    assert status == 400 and body["code"] == "guard.invalid_input"
    assert reader.call("GET", "/sign-in-exp")[1]["signInMode"] == "SignIn"
    status, body, _ = reader.call("PATCH", "/sign-in-exp", {"signInMode": "Register"})
    assert status == 403 and body["code"] == "auth.forbidden"
    assert experience_for(tenant_a.tenant).sign_in_mode == "SignIn"


@FUZZ_SETTINGS
@given(data=st.data())
def test_any_json_body_gets_a_4xx_with_a_code_or_works(mapi, data):
    base = {"signUp": PHONE_SIGN_UP, "signIn": PHONE_CODE_SIGN_IN, "signInMode": "SignIn",
            "languageInfo": {"autoDetect": True, "fallbackLanguage": "en"}, "codePolicy": {"perPhoneLimit": 5},
            "passwordPolicy": {"length": {"min": 8, "max": 256}}}
    body = data.draw(changed_bodies(base, nested={"signUp": PHONE_SIGN_UP, "codePolicy": {"perPhoneLimit": 5},
                                          "passwordPolicy": {"length": {"min": 8, "max": 256}}}))
    status, answer, _ = mapi.call("PATCH", "/sign-in-exp", body)
    assert_answered(status, answer)
