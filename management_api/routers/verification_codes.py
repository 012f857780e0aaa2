"""/api/verification-codes: Logto's Generic codes by SMS, through the hosted page's code policy and limits
(signin_experience.generic_codes), answered with Logto's error codes; Postern's own reason is in `data.reason`."""
from django.http import HttpResponse
from ninja import Router
from pydantic import Field, StrictStr

from connectors.exceptions import NoSmsConnector, SmsQueueUnavailable
from console import ratelimit
from management_api.errors import ApiError
from management_api.text_guard import StorableBody
from management_api.transactions import outside_transaction
from signin_experience.codes import CodeError
from signin_experience.generic_codes import generic_code_send, generic_code_verify
from signin_experience.selectors import experience_for

router = Router(tags=["Verification codes"])

# Postern's refusals (signin_experience.codes) under Logto's codes; a 429 is always `request.message_rate_limited`.
LOGTO_CODES = {
    "phone.invalid": "guard.invalid_input",
    "code.not_found": "verification_code.not_found",
    "code.identifier_mismatch": "verification_code.phone_mismatch",
    "code.expired": "verification_code.expired",
    "code.exceeded_max_try": "verification_code.exceed_max_try",
    "code.mismatch": "verification_code.code_mismatch",
}
_RATE_LIMITED = "request.message_rate_limited"


class CodeRequest(StorableBody):
    phone: StrictStr | None = Field(None, max_length=40, description=(
        "The number, E.164 or as dialled in the tenant's default country."))
    email: StrictStr | None = Field(None, max_length=320, description="Not supported: Postern sends SMS only.")


class CodeVerification(CodeRequest):
    verificationCode: StrictStr = Field(max_length=64)


def _refusal(exc):
    if exc.status == 429:
        return ApiError(429, _RATE_LIMITED, exc.message, {"reason": exc.code},
                        headers={"Retry-After": str(exc.retry_after)} if exc.retry_after else None)
    data = {"reason": exc.code}
    if exc.code == "phone.invalid":
        data["fields"] = {"phone": [exc.message]}
    return ApiError(exc.status, LOGTO_CODES.get(exc.code, exc.code), exc.message, data)


def _phone(body):
    """The body's number; Logto's other identifier, email, has no connector in Postern."""
    if body.phone is not None:
        return body.phone
    if body.email is not None:
        raise ApiError(400, "connector.not_found", "Postern has no email connector: give `phone`.", {"type": "Email"})
    raise ApiError(400, "guard.invalid_input", "Give the `phone` the code is for.",
                   {"fields": {"phone": ["Required."]}})


def _policy(tenant):
    return experience_for(tenant).as_settings()["code_policy"]


@router.post("/verification-codes", summary="Request and send a verification code", response={204: None},
             description=(
                 "Sends a Generic code by SMS through the tenant's enabled connector. The hosted page's limits apply, "
                 "counted with its own: the resend cooldown and the per-number, per-network (the caller's IP) and "
                 "per-tenant windows of the tenant's code policy, the allowed countries and the SMS budget; a spent "
                 "limit answers 429 `request.message_rate_limited` with Retry-After and `data.reason`. A new code "
                 "replaces the number's previous one."))
@outside_transaction
def request_code(request, body: CodeRequest):
    tenant = request.auth.tenant
    try:
        generic_code_send(tenant=tenant, policy=_policy(tenant), phone_raw=_phone(body),
                          ip=ratelimit.client_ip(request))
    except CodeError as exc:
        raise _refusal(exc) from None
    except NoSmsConnector:
        raise ApiError(400, "connector.not_found", "The tenant has no enabled SMS connector.",
                       {"type": "Sms"}) from None
    except SmsQueueUnavailable:
        raise ApiError(503, "request.temporarily_unavailable",
                       "The task queue could not be reached; nothing was sent. Try again.",
                       headers={"Retry-After": "5"}) from None
    return HttpResponse(status=204)


@router.post("/verification-codes/verify", summary="Verify a verification code", response={204: None},
             description=(
                 "Consumes the number's code (single use). Refusals, in Logto's order: "
                 "`verification_code.not_found`, `verification_code.expired`, `verification_code.exceed_max_try` "
                 "(the policy's maxAttempts checks per code, the right one included), "
                 "`verification_code.code_mismatch`."))
@outside_transaction
def verify_code(request, body: CodeVerification):
    tenant = request.auth.tenant
    try:
        generic_code_verify(tenant=tenant, policy=_policy(tenant), phone_raw=_phone(body),
                            code=body.verificationCode)
    except CodeError as exc:
        raise _refusal(exc) from None
    return HttpResponse(status=204)
