"""Each rule of the verification-code policy (signin_experience.code_policy), as the places that read it see it:
the model's default, the rules, the console form, the hosted form and signin_experience.codes. The numbers are
written out here on purpose: a test derived from the policy would follow a broken policy."""
from datetime import timedelta

import pytest
from django.utils import timezone

from console import ratelimit
from signin_experience import code_policy
from signin_experience.codes import (
    CodeError, check_send_limits, code_check, code_issue, cooldown_remaining, phone_for_codes,
)
from signin_experience.forms import CodeForm
from signin_experience.models import VerificationCode
from signin_experience.selectors import experience_for
from signin_experience.settings_forms import ExperienceForm
from tests.signin_experience.test_rules import codes, settings

PHONE = "+8613800138000"

DEFAULTS = {"lifetimeSeconds": 600, "maxAttempts": 5, "resendCooldownSeconds": 60, "perPhoneLimit": 10,
            "perPhoneWindowSeconds": 600, "perIpLimit": 30, "perIpWindowSeconds": 600, "perTenantHourlyLimit": 1000,
            "allowedCountries": []}
RANGES = {"lifetimeSeconds": (60, 3600), "maxAttempts": (1, 100), "resendCooldownSeconds": (0, 3600),
          "perPhoneLimit": (1, 1000), "perPhoneWindowSeconds": (60, 86400), "perIpLimit": (1, 100_000),
          "perIpWindowSeconds": (60, 86400), "perTenantHourlyLimit": (1, 10_000_000)}
FORM_FIELDS = {"code_lifetime": "lifetimeSeconds", "code_max_attempts": "maxAttempts",
               "code_resend_cooldown": "resendCooldownSeconds", "code_per_phone_limit": "perPhoneLimit",
               "code_per_ip_limit": "perIpLimit", "code_per_tenant_hourly": "perTenantHourlyLimit"}


def policy(**changes):
    return dict(DEFAULTS, **changes)


# --- Defaults ------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_new_tenant_gets_the_default_policy(tenant):
    assert experience_for(tenant).code_policy == DEFAULTS


# --- Ranges: the rules and the console form ------------------------------------------------------------------------

@pytest.mark.parametrize("key", RANGES)
def test_the_rules_accept_each_bound_and_refuse_one_past_it(key):
    low, high = RANGES[key]
    assert "invalid_range" not in codes(settings(**{key: low}))
    assert "invalid_range" not in codes(settings(**{key: high}))
    assert "invalid_range" in codes(settings(**{key: low - 1}))
    assert "invalid_range" in codes(settings(**{key: high + 1}))


def test_a_missing_or_non_integer_setting_is_refused():
    assert "invalid_range" in codes(settings(lifetimeSeconds="600"))
    incomplete = settings()
    del incomplete["code_policy"]["maxAttempts"]
    assert "invalid_range" in codes(incomplete)


@pytest.mark.parametrize("field", FORM_FIELDS)
def test_the_console_form_offers_the_policy_range_and_default(field):
    form_field = ExperienceForm().fields[field]
    key = FORM_FIELDS[field]
    assert (form_field.min_value, form_field.max_value) == RANGES[key]
    assert form_field.initial == DEFAULTS[key]


# --- Format --------------------------------------------------------------------------------------------------------

def test_generated_codes_are_six_digits_drawn_from_all_ten():
    drawn = [code_policy.code_generate() for _ in range(400)]
    assert all(len(code) == 6 and code.isascii() and code.isdigit() for code in drawn)
    assert set("".join(drawn)) == set("0123456789")
    assert len(set(drawn)) > 390


@pytest.mark.parametrize("value,valid", [("012345", True), ("999999", True), ("12345", False), ("1234567", False),
                                         ("12a456", False), ("١٢٣٤٥٦", False), (" 12345", False), ("", False),
                                         (123456, False), (None, False)])
def test_the_format_check(value, valid):
    assert code_policy.code_is_valid(value) is valid


@pytest.mark.parametrize("typed,valid", [("012345", True), (" 012345 ", True), ("12345", False),
                                         ("1234567", False), ("12a456", False), ("١٢٣٤٥٦", False)])
def test_the_hosted_code_form_takes_exactly_the_format(typed, valid):
    assert CodeForm({"code": typed}).is_valid() is valid


def test_the_hosted_code_field_tells_the_browser_the_format():
    html = str(CodeForm()["code"])
    assert 'maxlength="6"' in html and 'minlength="6"' in html and 'pattern="[0123456789]{6}"' in html


# --- Lifetime, attempts ---------------------------------------------------------------------------------------------

def _issue(tenant, **changes):
    issued_policy = policy(**changes)
    before = timezone.now()
    code_issue(tenant=tenant, policy=issued_policy, phone=PHONE, purpose="SignIn", flow_id="flow", deliver=False)
    return issued_policy, before, VerificationCode.objects.get(tenant=tenant, flow_id="flow")


@pytest.mark.django_db
def test_a_code_lives_for_the_tenant_lifetime_then_is_refused(tenant):
    issued_policy, before, record = _issue(tenant, lifetimeSeconds=90)
    assert before + timedelta(seconds=90) <= record.expires_at <= timezone.now() + timedelta(seconds=90)
    VerificationCode.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(CodeError) as expired:
        code_check(tenant=tenant, policy=issued_policy, phone=PHONE, purpose="SignIn", flow_id="flow", code="000000")
    assert expired.value.code == "code.expired"


@pytest.mark.django_db
def test_the_tenant_attempt_cap_counts_every_check(tenant, monkeypatch):
    monkeypatch.setattr(code_policy, "code_generate", lambda: "424242")
    issued_policy, _before, _record = _issue(tenant, maxAttempts=2)

    def check(code):
        try:
            code_check(tenant=tenant, policy=issued_policy, phone=PHONE, purpose="SignIn", flow_id="flow", code=code)
        except CodeError as exc:
            return exc.code
        return "ok"

    assert [check("000000"), check("000001"), check("424242")] == ["code.mismatch", "code.mismatch",
                                                                     "code.exceeded_max_try"]
    _issue(tenant, maxAttempts=2)
    assert [check("000000"), check("424242")] == ["code.mismatch", "ok"]


# --- Cooldown and send limits --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_issued_code_holds_the_number_for_the_tenant_cooldown(tenant):
    issued_policy, _before, _record = _issue(tenant, resendCooldownSeconds=45)
    assert 40 <= cooldown_remaining(tenant, PHONE) <= 45
    with pytest.raises(CodeError) as soon:
        check_send_limits(tenant, issued_policy, PHONE, "10.0.0.1")
    assert (soon.value.code, soon.value.status) == ("code.resend_too_soon", 429)
    assert 40 <= soon.value.retry_after <= 45


@pytest.mark.django_db
def test_a_zero_cooldown_holds_nothing(tenant):
    issued_policy, _before, _record = _issue(tenant, resendCooldownSeconds=0)
    assert cooldown_remaining(tenant, PHONE) == 0
    check_send_limits(tenant, issued_policy, PHONE, "10.0.0.1")


def _refusal(tenant, limits, requests):
    """The error code of the first refused (phone, ip) request, and its Retry-After."""
    for phone, ip in requests:
        try:
            check_send_limits(tenant, limits, phone, ip)
        except CodeError as exc:
            return exc.code, exc.retry_after
    return None, None


@pytest.mark.django_db
def test_per_number_limit_and_window(tenant):
    limits = policy(resendCooldownSeconds=0, perPhoneLimit=2, perPhoneWindowSeconds=60)
    refused, retry_after = _refusal(tenant, limits, [(PHONE, f"10.0.0.{n}") for n in range(3)])
    assert refused == "code.too_many_for_number" and 0 < retry_after <= 60


@pytest.mark.django_db
def test_per_network_limit_and_window(tenant):
    limits = policy(resendCooldownSeconds=0, perIpLimit=2, perIpWindowSeconds=60)
    refused, retry_after = _refusal(tenant, limits, [(f"+861380013800{n}", "10.0.0.1") for n in range(3)])
    assert refused == "code.too_many_from_network" and 0 < retry_after <= 60


@pytest.mark.django_db
def test_per_tenant_hourly_limit(tenant):
    limits = policy(resendCooldownSeconds=0, perTenantHourlyLimit=2)
    refused, retry_after = _refusal(tenant, limits, [(f"+861380013800{n}", f"10.0.0.{n}") for n in range(3)])
    assert refused == "code.service_busy" and 0 < retry_after <= 3600


@pytest.mark.django_db
def test_each_request_counts_against_the_tenant_limits_in_their_windows(tenant, monkeypatch):
    # The windows are aligned, so a Retry-After alone cannot tell a 60 s window from a 600 s one near its end.
    counted, count = [], ratelimit.hit_all
    monkeypatch.setattr(ratelimit, "hit_all", lambda limits: counted.extend(limits) or count(limits))
    check_send_limits(tenant, policy(perPhoneLimit=7, perPhoneWindowSeconds=120, perIpLimit=8, perIpWindowSeconds=180,
                                     perTenantHourlyLimit=9), PHONE, "10.0.0.1")
    assert [(limit, window) for _key, limit, window in counted] == [(7, 120), (8, 180), (9, 3600)]


@pytest.mark.django_db
def test_limits_below_their_caps_let_codes_through(tenant):
    limits = policy(resendCooldownSeconds=0, perPhoneLimit=3, perIpLimit=3, perTenantHourlyLimit=3)
    assert _refusal(tenant, limits, [(PHONE, "10.0.0.1")] * 3) == (None, None)


# --- Destination countries -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_codes_go_to_the_allowed_countries_only(tenant):
    assert phone_for_codes(tenant, policy(), PHONE) == PHONE  # the tenant's default country
    with pytest.raises(CodeError) as abroad:
        phone_for_codes(tenant, policy(), "+44 7400 123456")
    assert abroad.value.code == "phone.country_not_supported"
    allowed = policy(allowedCountries=["GB"])
    assert phone_for_codes(tenant, allowed, "+44 7400 123456") == "+447400123456"
    with pytest.raises(CodeError):
        phone_for_codes(tenant, allowed, PHONE)
