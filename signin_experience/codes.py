"""Verification codes: issue (with Redis-backed limits), deliver through the SMS pipeline, check.

Codes and their limits follow signin_experience.code_policy; a code is stored only as an HMAC, bound to tenant +
phone + purpose + the browser's sign-in flow; a new code replaces the previous one; checks follow Logto's order.
"""
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from connectors.budget import sms_budget_check
from connectors.exceptions import SmsBudgetExceeded
from connectors.services import NoTemplate, sms_send, sms_template_check
from console import events, ratelimit
from console.phone import InvalidPhone, normalize_phone, region_of
from signin_experience import code_policy
from signin_experience.models import VerificationCode


class CodeError(Exception):
    """A refusal the end user sees; `code` is stable and machine-readable, `status` the HTTP status."""

    def __init__(self, code, message, status=400, retry_after=None):
        super().__init__(message)
        self.code, self.message, self.status, self.retry_after = code, message, status, retry_after


def code_hash(tenant_id, phone, purpose, code):
    message = f"{tenant_id}|{phone}|{purpose}|{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def phone_for_codes(tenant, policy, raw, region=None):
    """The canonical E.164 number of `raw` as dialled in `region` (default: the tenant's default country),
    refused when invalid or outside the allowed destination countries."""
    try:
        phone = normalize_phone(raw, region or tenant.default_country)
    except InvalidPhone as exc:
        raise CodeError("phone.invalid", str(exc)) from None
    if region_of(phone) not in code_policy.allowed_regions(policy, tenant):
        raise CodeError("phone.country_not_supported", _("This country is not supported."))
    return phone


# Limits live in the shared cache (Redis in production), keyed by the canonical number.
def _cooldown_key(tenant, phone):
    return f"code:cooldown:{tenant.pk}:{phone}"


def cooldown_remaining(tenant, phone):
    until = cache.get(_cooldown_key(tenant, phone))
    return max(0, int(until - time.time())) if until else 0


def cooldown_start(tenant, phone, seconds):
    if seconds:
        cache.set(_cooldown_key(tenant, phone), time.time() + seconds, seconds)


def cooldown_release(tenant, phone):
    cache.delete(_cooldown_key(tenant, phone))


def _rate_limited(tenant, phone, refusal):
    """Logto's Message.RateLimited exception event, then the refusal itself to raise."""
    events.emit(events.MESSAGE_RATE_LIMITED, tenant=tenant, recipient=phone, limit=refusal.code,
                retry_after=refusal.retry_after)
    return refusal


def check_send_limits(tenant, policy, phone, ip):
    remaining = cooldown_remaining(tenant, phone)
    if remaining:
        raise _rate_limited(tenant, phone, CodeError(
            "code.resend_too_soon", _("Wait %(s)d s before asking for another code.") % {"s": remaining},
            status=429, retry_after=remaining))
    limits = code_policy.send_limits(policy, tenant_id=tenant.pk, phone=phone, ip=ip)
    verdicts = ratelimit.hit_all([(limit.key, limit.limit, limit.window) for limit in limits])
    for verdict, limit in zip(verdicts, limits):
        if not verdict.allowed:
            raise _rate_limited(tenant, phone, CodeError(limit.code, str(limit.message), status=429,
                                                         retry_after=verdict.retry_after))


def _budget_refusal(exc):
    """The tenant's daily SMS budget (connectors.budget) is spent: a 429 until the next UTC day."""
    if exc.country:
        return CodeError("code.sms_country_budget_exceeded", _(
            "Verification codes to numbers in this country are unavailable until tomorrow. Try again later or "
            "use another way to sign in."), status=429, retry_after=exc.retry_after)
    return CodeError("code.sms_budget_exceeded", _(
        "Verification codes are unavailable until tomorrow. Try again later or use another way to sign in."),
        status=429, retry_after=exc.retry_after)


@dataclass
class IssuedCode:
    phone: str
    purpose: str
    message_id: int | None  # None when nothing was sent (anti-enumeration)
    cooldown: int


def code_issue(*, tenant, policy, phone, purpose, flow_id, deliver, language=""):
    """Create (or replace) the flow's code and, when `deliver`, send it through the tenant's SMS connector, with
    the template in `language` (the hosted page's) where the connector has one.

    Nothing is recorded when the queue is down: the send is attempted before the code row is written.
    """
    code = code_policy.code_generate()
    expires_at = code_policy.expires_at(policy, timezone.now())
    message_id = None
    try:
        if deliver:
            message_id = sms_send(tenant=tenant, phone_e164=phone, usage_type=purpose, code=code,
                                  valid_until=expires_at, language=language).pk
        else:
            sms_budget_check(tenant=tenant, phone_e164=phone)  # the answer must not show that nothing is sent
            sms_template_check(tenant=tenant, phone_e164=phone, usage_type=purpose, language=language)
    except SmsBudgetExceeded as exc:
        raise _rate_limited(tenant, phone, _budget_refusal(exc)) from None
    except NoTemplate:
        # The admin has no template for this number's region (logged for them); the user can only go elsewhere.
        raise CodeError("phone.no_sms_template", _(
            "Verification codes can't be sent to numbers in this country yet. Use another way to sign in.")) from None
    # One statement (INSERT … ON CONFLICT DO UPDATE on one_code_per_flow): the flow's previous code is replaced.
    VerificationCode.objects.bulk_create(
        [VerificationCode(tenant=tenant, phone=phone, purpose=purpose, flow_id=flow_id, attempts=0,
                          code_hash=code_hash(tenant.pk, phone, purpose, code), expires_at=expires_at,
                          consumed_at=None, message_id=message_id)],
        update_conflicts=True, unique_fields=["tenant", "phone", "purpose", "flow_id"],
        update_fields=["code_hash", "attempts", "created_at", "expires_at", "consumed_at", "message_id"],
    )
    cooldown = code_policy.cooldown_seconds(policy)
    cooldown_start(tenant, phone, cooldown)
    return IssuedCode(phone=phone, purpose=purpose, message_id=message_id, cooldown=cooldown)


def code_check(*, tenant, policy, phone, purpose, flow_id, code):
    """Consume the code or raise CodeError, in Logto's order: not found → mismatch → expired → too many → wrong."""
    record = VerificationCode.objects.filter(tenant=tenant, purpose=purpose, flow_id=flow_id,
                                             consumed_at__isnull=True).first()
    if record is None:
        raise CodeError("code.not_found", _("Request a verification code first."))
    if record.phone != phone:
        raise CodeError("code.identifier_mismatch", _("This code was sent to a different number."))
    if record.expires_at <= timezone.now():
        raise CodeError("code.expired", _("This code has expired. Request a new one."))
    # Every check is an attempt, counted and capped in one statement before the hash is compared: concurrent
    # guesses cannot all read "attempts < cap" and then all be checked.
    counted = VerificationCode.objects.filter(pk=record.pk, attempts__lt=code_policy.max_attempts(policy)).update(
        attempts=F("attempts") + 1)
    if not counted:
        raise CodeError("code.exceeded_max_try", _("Too many wrong tries. Request a new code."))
    if not hmac.compare_digest(record.code_hash, code_hash(tenant.pk, phone, purpose, (code or "").strip())):
        raise CodeError("code.mismatch", _("Wrong code. Check the SMS and try again."))
    consumed = VerificationCode.objects.filter(pk=record.pk, consumed_at__isnull=True).update(
        consumed_at=timezone.now())
    if not consumed:  # used by a concurrent request: single use
        raise CodeError("code.not_found", _("Request a verification code first."))
