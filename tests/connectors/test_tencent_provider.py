"""TencentSmsProvider: config validation, and sends through the real Tencent SDK against the local emulator."""
import logging
import re
import socket
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from connectors.providers import tencent
from connectors.providers.base import (
    ConfigError,
    ErrorClass,
    Failed,
    Sent,
    SmsProvider,
    UsageType,
    user_message_for,
)
from connectors.providers.tencent import TencentSmsProvider, classify, endpoint_from_settings
from connectors.registry import ProviderRegistry, UnknownProvider, registry

# The suite-wide autouse fixture clears the database-backed cache before every test.
pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"
CODE = "483920"


@pytest.fixture
def provider():
    return registry.get("tencent")


def send(provider, config, *, phone=PHONE, template_code="2002", params=None):
    return provider.send(
        config=provider.validate(config),
        phone_e164=phone,
        template_code=template_code,
        params=[CODE] if params is None else params,
        session_context="attempt-1",
    )


# --- Validation -------------------------------------------------------------------------------------------------------


def validation_errors(provider, config):
    with pytest.raises(ConfigError) as raised:
        provider.validate(config)
    return raised.value.errors


def test_a_complete_config_is_cleaned(provider, tencent_config):
    config = {**tencent_config, "signName": "  Postern  "}
    del config["region"]

    cleaned = provider.validate(config)

    assert cleaned["region"] == "ap-guangzhou"
    assert cleaned["signName"] == "Postern"
    assert cleaned["templates"][1] == {"templateCode": "2002", "usageType": "SignIn"}


def test_an_unknown_usage_type_is_reported_at_its_path(provider, tencent_config):
    tencent_config["templates"][2]["usageType"] = "PasswordReset"

    errors = validation_errors(provider, tencent_config)

    assert errors["templates[2].usageType"] == "Must be one of Register, SignIn, ForgotPassword, Generic."
    assert "ForgotPassword" in errors["templates"]


def test_missing_usage_types_are_named(provider, tencent_config):
    tencent_config["templates"] = tencent_config["templates"][:2]

    errors = validation_errors(provider, tencent_config)

    assert errors == {"templates": "Add a template for each missing usage type: ForgotPassword, Generic."}


def test_a_usage_type_may_have_only_one_template(provider, tencent_config):
    tencent_config["templates"].append({"templateCode": "2005", "usageType": "SignIn"})

    errors = validation_errors(provider, tencent_config)

    assert list(errors) == ["templates[4].usageType"]
    assert "already used by templates[1]" in errors["templates[4].usageType"]


def test_a_number_where_text_is_expected_is_reported_at_its_field(provider, tencent_config):
    tencent_config["sdkAppId"] = 1400006666

    errors = validation_errors(provider, tencent_config)

    assert errors == {"sdkAppId": "Must be text (a quoted string), got a number."}


def test_sdk_app_id_must_be_digits(provider, tencent_config):
    tencent_config["sdkAppId"] = "my-app"

    assert validation_errors(provider, tencent_config) == {"sdkAppId": "Must be the SDK AppID digits, e.g. 1400006666."}


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda c: c.update(secretId="x"), "secretId", "Unknown field."),
        (lambda c: c["templates"][0].update(content="Your code is {1}"), "templates[0].content", "Unknown field."),
        (lambda c: c.pop("accessKeySecret"), "accessKeySecret", "Required."),
        (lambda c: c.update(signName="   "), "signName", "Must not be empty."),
        (lambda c: c["templates"][3].update(templateCode=""), "templates[3].templateCode", "Must not be empty."),
        (
            lambda c: c["templates"][3].update(templateCode=2004),
            "templates[3].templateCode",
            "Must be text (a quoted string), got a number.",
        ),
        (lambda c: c.update(region=True), "region", "Must be text (a quoted string), got true/false."),
        (lambda c: c.update(templates={"SignIn": "2002"}), "templates", "Must be a list, got an object."),
        (lambda c: c["templates"].__setitem__(0, "2001"), "templates[0]", "Must be an object with named fields."),
    ],
)
def test_each_problem_is_reported_at_its_path(provider, tencent_config, change, path, message):
    change(tencent_config)

    assert validation_errors(provider, tencent_config)[path] == message


def test_a_config_that_is_not_an_object_is_rejected(provider):
    assert validation_errors(provider, ["AKID", "secret"]) == {"config": "Must be an object with named fields."}


def test_all_problems_are_reported_at_once(provider, tencent_config):
    tencent_config.update(accessKeyId="", sdkAppId=1)
    tencent_config["templates"][0]["usageType"] = "Login"

    errors = validation_errors(provider, tencent_config)

    assert set(errors) == {"accessKeyId", "sdkAppId", "templates[0].usageType", "templates"}


def test_secrets_are_masked_for_display(provider, tencent_config):
    masked = provider.mask_secrets(tencent_config)

    assert masked["accessKeySecret"] == "••••0000"
    assert masked["accessKeyId"] == "AKIDexample"
    assert tencent_config["accessKeySecret"] == "example-secret-key-0000"


def test_the_schema_declares_what_the_console_form_needs(provider):
    fields = {field.name: field for field in provider.config_fields}

    assert list(fields) == ["accessKeyId", "accessKeySecret", "signName", "internationalSignName", "region",
                            "sdkAppId", "templates", "internationalTemplates"]
    assert [name for name, field in fields.items() if field.secret] == ["accessKeySecret"]
    assert fields["region"].default == "ap-guangzhou"
    assert {"ap-beijing", "ap-nanjing", "ap-singapore"} <= set(fields["region"].suggestions)
    assert [f.name for f in fields["templates"].item_fields] == ["templateCode", "usageType", "locale"]
    assert [f.name for f in fields["internationalTemplates"].item_fields] == ["templateCode", "usageType", "locale"]
    assert not fields["internationalTemplates"].required and not fields["internationalSignName"].required
    assert "{1}" in provider.guide and "Application Management" in provider.guide


def test_the_template_for_a_usage_type(provider, tencent_config):
    choice = provider.template_for(tencent_config, phone_e164=PHONE, usage_type=UsageType.FORGOT_PASSWORD)

    assert (choice.template_code, choice.route, choice.locale) == ("2003", "mainland", "")


# --- Registry ---------------------------------------------------------------------------------------------------------


def test_tencent_is_registered():
    assert isinstance(registry.get("tencent"), TencentSmsProvider)
    assert [provider.key for provider in registry.all()] == ["tencent"]


def test_an_unknown_provider_key_raises():
    with pytest.raises(UnknownProvider):
        registry.get("aliyun")


def test_a_second_provider_is_one_class_and_one_register_line():
    class LoopbackProvider(SmsProvider):
        key, name, guide, config_fields = "loopback", "Loopback", "Nothing to set up.", ()

    providers = ProviderRegistry()
    providers.register(TencentSmsProvider)
    providers.register(LoopbackProvider)

    assert [provider.key for provider in providers.all()] == ["tencent", "loopback"]
    assert "provider's console" in providers.get("loopback").fix_for(ErrorClass.CREDENTIALS, "X")
    with pytest.raises(ValueError):
        providers.register(LoopbackProvider)


# --- Classification and fixes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        ("AuthFailure.SignatureFailure", ErrorClass.CREDENTIALS),
        ("AuthFailure.SecretIdNotFound", ErrorClass.CREDENTIALS),
        ("AuthFailure.SignatureExpire", ErrorClass.CLOCK),
        ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", ErrorClass.SDK_APP_ID),
        ("InvalidParameterValue.SdkAppIdNotExist", ErrorClass.SDK_APP_ID),
        ("FailedOperation.SignatureIncorrectOrUnapproved", ErrorClass.SIGNATURE),
        ("FailedOperation.TemplateIncorrectOrUnapproved", ErrorClass.TEMPLATE),
        ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", ErrorClass.TEMPLATE),
        ("FailedOperation.InsufficientBalanceInSmsPackage", ErrorClass.BALANCE_QUOTA),
        ("LimitExceeded.AppDailyLimit", ErrorClass.BALANCE_QUOTA),
        ("InvalidParameterValue.IncorrectPhoneNumber", ErrorClass.PHONE_NUMBER),
        ("FailedOperation.PhoneNumberInBlacklist", ErrorClass.PHONE_NUMBER),
        ("UnsupportedOperation.GlobalTemplateToChineseMainlandPhone", ErrorClass.PHONE_NUMBER),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", ErrorClass.PER_NUMBER_LIMIT),
        ("LimitExceeded.PhoneNumberDailyLimit", ErrorClass.PER_NUMBER_LIMIT),
        ("ClientNetworkError", ErrorClass.NETWORK),
        ("ServerNetworkError", ErrorClass.NETWORK),
        ("InternalError", ErrorClass.PROVIDER_BUSY),
        ("InternalError.Timeout", ErrorClass.PROVIDER_BUSY),
        ("RequestLimitExceeded.UinLimitExceeded", ErrorClass.PROVIDER_BUSY),
        ("LimitExceeded.GlobalSmsSendingRateLimit", ErrorClass.PROVIDER_BUSY),
        ("InternalErrorish", ErrorClass.UNKNOWN),
        ("FailedOperation.SomethingNew", ErrorClass.UNKNOWN),
    ],
)
def test_tencent_codes_are_classified(code, error_class):
    assert classify(code) == error_class


def test_every_error_class_has_a_fix_for_the_admin(provider):
    for error_class in ErrorClass:
        assert provider.fix_for(error_class, "Some.Code")
    assert "API Keys" in provider.fix_for(ErrorClass.CREDENTIALS, "AuthFailure.SignatureFailure")
    assert "FailedOperation.New" in provider.fix_for(ErrorClass.UNKNOWN, "FailedOperation.New")
    assert "region" in provider.fix_for(ErrorClass.UNKNOWN, "UnsupportedRegion")


def test_end_users_only_hear_about_their_own_problems():
    assert "number" in user_message_for(ErrorClass.PHONE_NUMBER)
    assert "Too many codes" in user_message_for(ErrorClass.PER_NUMBER_LIMIT)
    assert user_message_for(ErrorClass.CREDENTIALS) == user_message_for(ErrorClass.TEMPLATE)
    assert "accessKey" not in user_message_for(ErrorClass.CREDENTIALS)


# --- Sending through the real SDK -------------------------------------------------------------------------------------


def test_a_send_reaches_tencent_signed_with_the_code(provider, emulator_config, sms_emulator):
    result = send(provider, emulator_config)

    assert isinstance(result, Sent)
    assert result.serial_no and result.request_id and result.fee == 1
    record = sms_emulator.client.wait_for_request(PHONE)
    assert record["signature_valid"] is True
    assert record["secret_id"] == sms_emulator.secret_id
    assert record["params"]["TemplateId"] == "2002"
    assert record["params"]["SignName"] == "Postern"
    assert record["params"]["SmsSdkAppId"] == "1400006666"
    assert record["params"]["PhoneNumberSet"] == [PHONE]
    assert re.fullmatch(r"\d{6}", *record["params"]["TemplateParamSet"])
    assert record["headers"]["X-TC-Region"] == "ap-guangzhou"
    assert record["headers"]["X-TC-Action"] == "SendSms"
    assert record["headers"]["Host"] == sms_emulator.url.removeprefix("http://")


def test_a_wrong_secret_is_a_credentials_problem(provider, emulator_config):
    result = send(provider, {**emulator_config, "accessKeySecret": "not-the-secret"})

    assert isinstance(result, Failed)
    assert (result.error_code, result.error_class, result.retryable) == (
        "AuthFailure.SignatureFailure", ErrorClass.CREDENTIALS, False,
    )
    assert result.request_id


def test_an_unknown_secret_id_is_a_credentials_problem(provider, emulator_config):
    result = send(provider, {**emulator_config, "accessKeyId": "AKIDunknown"})

    assert (result.error_code, result.error_class) == ("AuthFailure.SecretIdNotFound", ErrorClass.CREDENTIALS)


def test_a_clock_off_by_minutes_is_a_clock_problem(provider, emulator_config, monkeypatch):
    class SlowClock:
        @staticmethod
        def time():
            return time.time() - 400

    monkeypatch.setattr("tencentcloud.common.abstract_client.time", SlowClock)

    result = send(provider, emulator_config)

    assert (result.error_code, result.error_class, result.retryable) == (
        "AuthFailure.SignatureExpire", ErrorClass.CLOCK, False,
    )


def test_an_unapproved_template_is_a_template_problem(provider, emulator_config, sms_emulator):
    sms_emulator.client.script_next([{"error": "FailedOperation.TemplateIncorrectOrUnapproved"}])

    result = send(provider, emulator_config)

    assert (result.error_class, result.retryable) == (ErrorClass.TEMPLATE, False)
    assert result.error_code == "FailedOperation.TemplateIncorrectOrUnapproved"
    assert "Body Templates" in provider.fix_for(result.error_class, result.error_code)


def test_templates_known_to_the_account_are_checked(provider, emulator_config, sms_emulator):
    sms_emulator.client.configure(templates={"2002": 1})

    assert send(provider, emulator_config, template_code="2002").__class__ is Sent
    unknown = send(provider, emulator_config, template_code="2001")
    assert unknown.error_code == "FailedOperation.TemplateIncorrectOrUnapproved"
    mismatch = send(provider, emulator_config, template_code="2002", params=[CODE, "10"])
    assert (mismatch.error_code, mismatch.error_class) == (
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", ErrorClass.TEMPLATE,
    )


@pytest.mark.parametrize(
    ("code", "error_class", "retryable"),
    [
        ("InvalidParameterValue.SdkAppIdNotExist", ErrorClass.SDK_APP_ID, False),
        ("FailedOperation.SignatureIncorrectOrUnapproved", ErrorClass.SIGNATURE, False),
        ("FailedOperation.InsufficientBalanceInSmsPackage", ErrorClass.BALANCE_QUOTA, False),
        ("InternalError.Timeout", ErrorClass.PROVIDER_BUSY, True),
        ("RequestLimitExceeded", ErrorClass.PROVIDER_BUSY, True),
        ("LimitExceeded.GlobalSmsSendingRateLimit", ErrorClass.PROVIDER_BUSY, True),
        ("FailedOperation.SomethingNew", ErrorClass.UNKNOWN, False),
    ],
)
def test_request_errors_are_classified(provider, emulator_config, sms_emulator, code, error_class, retryable):
    sms_emulator.client.script_next([{"error": code}])

    result = send(provider, emulator_config)

    assert (result.error_code, result.error_class, result.retryable) == (code, error_class, retryable)


def test_a_per_number_limit_comes_back_as_a_failed_send(provider, emulator_config, sms_emulator):
    sms_emulator.client.script_phone(PHONE, "LimitExceeded.PhoneNumberDailyLimit")

    result = send(provider, emulator_config)

    assert isinstance(result, Failed)
    assert (result.error_code, result.error_class, result.retryable) == (
        "LimitExceeded.PhoneNumberDailyLimit", ErrorClass.PER_NUMBER_LIMIT, False,
    )
    assert result.raw["SendStatusSet"][0]["Code"] == "LimitExceeded.PhoneNumberDailyLimit"
    record = sms_emulator.client.wait_for_request(PHONE)
    assert (record["http_status"], record["response_code"]) == (200, "Ok")


def test_a_bad_gateway_is_a_retryable_network_failure(provider, emulator_config, sms_emulator):
    sms_emulator.client.script_next([{"http_status": 502}])

    result = send(provider, emulator_config)

    assert (result.error_code, result.error_class, result.retryable) == ("ServerNetworkError", ErrorClass.NETWORK, True)
    assert isinstance(result.message, str) and "502" in result.message


def test_a_dropped_connection_is_retryable_and_may_have_sent(provider, emulator_config, sms_emulator):
    sms_emulator.client.script_next([{"drop": True}])

    result = send(provider, emulator_config)

    assert (result.error_code, result.error_class, result.retryable) == ("ClientNetworkError", ErrorClass.NETWORK, True)
    assert result.maybe_sent is True


def test_a_read_timeout_is_retryable_and_may_have_sent(provider, emulator_config, sms_emulator, settings):
    settings.SMS_PROVIDER_TIMEOUT = 1
    sms_emulator.client.script_next([{"delay_ms": 1500}])

    result = send(provider, emulator_config)

    assert (result.error_code, result.retryable, result.maybe_sent) == ("ClientNetworkError", True, True)


def test_a_refused_connection_is_retryable_and_did_not_send(provider, emulator_config, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings.TENCENT_SMS_ENDPOINT = f"http://127.0.0.1:{closed_port}"

    result = send(provider, emulator_config)

    assert (result.error_code, result.error_class, result.retryable, result.maybe_sent) == (
        "ClientNetworkError", ErrorClass.NETWORK, True, False,
    )


def test_logs_mask_the_phone_and_never_show_the_code(provider, emulator_config, sms_emulator, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger=tencent.SDK_LOGGER_NAME)
    sms_emulator.client.script_next([{"error": "FailedOperation.TemplateIncorrectOrUnapproved"}])

    send(provider, emulator_config)
    send(provider, emulator_config)

    assert "+86*******8000" in caplog.text
    assert PHONE not in caplog.text
    assert CODE not in caplog.text
    assert logging.getLogger(tencent.SDK_LOGGER_NAME).getEffectiveLevel() >= logging.INFO


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"phone_e164": "13800138000"}, "phone_e164"),
        ({"params": [483920]}, "params"),
        ({"template_code": ""}, "template_code"),
        ({"session_context": "x" * 512}, "session_context"),
    ],
)
def test_programming_errors_raise_before_sending(provider, tencent_config, arguments, problem):
    call = {"phone_e164": PHONE, "template_code": "2002", "params": [CODE], "session_context": None, **arguments}

    with pytest.raises(ValueError, match=problem):
        provider.send(config=provider.validate(tencent_config), **call)


def test_the_endpoint_defaults_to_tencent(settings):
    settings.TENCENT_SMS_ENDPOINT = None

    assert endpoint_from_settings() == ("https", "sms.tencentcloudapi.com")


def test_a_malformed_endpoint_setting_is_refused(settings):
    settings.TENCENT_SMS_ENDPOINT = "127.0.0.1:9100"

    with pytest.raises(ImproperlyConfigured):
        endpoint_from_settings()


def test_text_postgres_cannot_store_is_refused_whole(provider, tencent_config):
    from connectors.providers.base import UNSTORABLE_TEXT

    for bad in ("a\x00b", "a\ud800b"):
        assert validation_errors(provider, {**tencent_config, "signName": bad}) == {"config": UNSTORABLE_TEXT}
        assert validation_errors(provider, {**tencent_config, bad: "x"}) == {"config": UNSTORABLE_TEXT}
