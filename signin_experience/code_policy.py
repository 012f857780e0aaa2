"""The verification-code policy in one place: format, per-tenant defaults and ranges, lifetime, attempts, cooldown
and send limits. The model, the console form, the rules, the hosted forms and signin_experience.codes read it."""
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from django.utils.translation import gettext_lazy as _

# The format lives below connectors, which checks it too (see its docstring); this is where the app reads it.
from console.code_format import ALPHABET, LENGTH, PATTERN, code_generate, code_is_valid, code_validator

__all__ = ["ALPHABET", "LENGTH", "PATTERN", "code_generate", "code_is_valid", "code_validator", "SETTINGS",
           "TENANT_WINDOW_SECONDS", "defaults", "problems", "expires_at", "max_attempts", "cooldown_seconds",
           "allowed_regions", "SendLimit", "send_limits"]


@dataclass(frozen=True)
class Bound:
    default: int
    low: int
    high: int


# The tenant's settings (SignInExperience.code_policy, Logto-shaped keys): default and accepted range of each.
SETTINGS = {
    "lifetimeSeconds": Bound(600, 60, 3600),
    "maxAttempts": Bound(5, 1, 100),
    "resendCooldownSeconds": Bound(60, 0, 3600),
    "perPhoneLimit": Bound(10, 1, 1000),
    "perPhoneWindowSeconds": Bound(600, 60, 86400),
    "perIpLimit": Bound(30, 1, 100_000),
    "perIpWindowSeconds": Bound(600, 60, 86400),
    "perTenantHourlyLimit": Bound(1000, 1, 10_000_000),
}
TENANT_WINDOW_SECONDS = 3600


def defaults():
    # allowedCountries empty: the tenant's default country only.
    return {**{key: bound.default for key, bound in SETTINGS.items()}, "allowedCountries": []}


def problems(policy):
    """(key, rule code) for each setting of `policy` that cannot be saved; rule codes are signin_experience.rules'."""
    found = [(key, "invalid_range") for key, bound in SETTINGS.items()
             if not (isinstance(policy.get(key), int) and bound.low <= policy[key] <= bound.high)]
    if any(country not in phonenumbers.SUPPORTED_REGIONS for country in policy.get("allowedCountries", [])):
        found.append(("allowedCountries", "invalid_country"))
    return found


def expires_at(policy, issued_at):
    return issued_at + timedelta(seconds=policy["lifetimeSeconds"])


def max_attempts(policy):
    """Checks a code allows, the right one included: every check counts."""
    return policy["maxAttempts"]


def cooldown_seconds(policy):
    return policy["resendCooldownSeconds"]


def allowed_regions(policy, tenant):
    return policy.get("allowedCountries") or [tenant.default_country]


@dataclass(frozen=True)
class SendLimit:
    key: str
    limit: int
    window: int
    code: str
    message: str


def send_limits(policy, *, tenant_id, phone, ip):
    """The counters one code request consumes: per number, per network, per tenant."""
    return (
        SendLimit(f"code:phone:{tenant_id}:{phone}", policy["perPhoneLimit"], policy["perPhoneWindowSeconds"],
                  "code.too_many_for_number", _("Too many codes for this number, try again later.")),
        SendLimit(f"code:ip:{tenant_id}:{ip}", policy["perIpLimit"], policy["perIpWindowSeconds"],
                  "code.too_many_from_network", _("Too many codes requested from your network, try again later.")),
        SendLimit(f"code:tenant:{tenant_id}", policy["perTenantHourlyLimit"], TENANT_WINDOW_SECONDS,
                  "code.service_busy", _("Verification codes are temporarily unavailable, try again later.")),
    )
