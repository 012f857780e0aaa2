"""Generic verification codes that a backend asks for and checks through the Management API (Logto's
`/api/verification-codes`): the hosted page's code policy, send limits and checks (signin_experience.codes),
without a browser. Each number has one such code at a time; a new one replaces it.
"""
from signin_experience.codes import check_send_limits, code_check, code_issue, phone_for_codes

GENERIC = "Generic"


def _flow_id(phone):
    # The hosted page binds a code to the browser's sign-in flow; here the number is the flow, whoever asks.
    return f"generic:{phone}"


def generic_code_send(*, tenant, policy, phone_raw, ip):
    """Queue a Generic code to the number: CodeError when the number is refused or a send limit is spent
    (429 with retry_after); NoSmsConnector, SmsQueueUnavailable (nothing stored) from the SMS pipeline.

    Call it outside an atomic block, as the hosted page does: the SMS row is committed and queued before the code
    is stored, so a dead queue leaves no code and no cooldown behind."""
    phone = phone_for_codes(tenant, policy, phone_raw)
    check_send_limits(tenant, policy, phone, ip)
    return code_issue(tenant=tenant, policy=policy, phone=phone, purpose=GENERIC, flow_id=_flow_id(phone),
                      deliver=True)


def generic_code_verify(*, tenant, policy, phone_raw, code):
    """Consume the number's Generic code, or raise CodeError in Logto's order (signin_experience.codes.code_check).

    Outside an atomic block too: a wrong guess counts against the code's attempts even though the caller is
    answered 400."""
    phone = phone_for_codes(tenant, policy, phone_raw)
    code_check(tenant=tenant, policy=policy, phone=phone, purpose=GENERIC, flow_id=_flow_id(phone), code=code)
