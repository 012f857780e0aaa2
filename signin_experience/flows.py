"""The end user's journey on the hosted page: sign in, register and recover by phone code or password.

State of the journey lives in the (shared) session under one key per tenant; nothing in process memory.
"""
import secrets

from django.utils.translation import gettext as _

from connectors.selectors import sms_message_status
from console import events, ratelimit
from console.accounts.models import User
from signin_experience.codes import (
    CodeError, check_send_limits, code_check, code_issue, cooldown_release, phone_for_codes,
)
from signin_experience.passwords import password_problems

# The purposes of a code, and the interaction a finished journey was (Logto's interactionEvent).
SIGN_IN, REGISTER, FORGOT_PASSWORD = "SignIn", "Register", "ForgotPassword"


class FlowError(Exception):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.message, self.field = message, field


def _key(tenant):
    return f"postern.flow.{tenant.pk}"


def flow_state(request, tenant):
    return request.session.get(_key(tenant)) or {}


def _save(request, tenant, state):
    request.session[_key(tenant)] = state


def flow_clear(request, tenant):
    request.session.pop(_key(tenant), None)


def code_send(request, tenant, settings, *, phone_raw, recovering, ip, language="", region=None):
    """Send a code for sign-in/registration or for password recovery, in the hosted page's `language`;
    `phone_raw` is read as dialled in `region` (the picker's country) unless it starts with a country code.

    A known and an unknown number get the same answer; codes go out only where they can be used.
    """
    policy = settings["code_policy"]
    phone = phone_for_codes(tenant, policy, phone_raw, region)
    state = flow_state(request, tenant)
    if state.get("phone") == phone and delivery_failed(tenant, state):
        cooldown_release(tenant, phone)  # a send that failed for good does not hold the user back
    check_send_limits(tenant, policy, phone, ip)
    user = User.objects.filter(tenant=tenant, phone=phone).first()
    registration_open = settings["sign_in_mode"] != "SignIn" and "phone" in settings["sign_up"]["identifiers"]
    if recovering:
        purpose, deliver = FORGOT_PASSWORD, user is not None
    elif user is not None:
        purpose, deliver = SIGN_IN, settings["sign_in_mode"] != "Register"
    else:
        purpose, deliver = (REGISTER, True) if registration_open else (SIGN_IN, False)
    flow_id = state.get("id") or secrets.token_urlsafe(16)
    issued = code_issue(tenant=tenant, policy=policy, phone=phone, purpose=purpose, flow_id=flow_id, deliver=deliver,
                        language=language)
    _save(request, tenant, {"id": flow_id, "phone": phone, "purpose": purpose, "message_id": issued.message_id,
                            "verified": False})
    return issued


def delivery_failed(tenant, state):
    """Whether the flow's last code was refused for good by the provider (read only: the verify page asks)."""
    return bool(state.get("message_id")) and sms_message_status(tenant, state["message_id"]) == "FAILED"


def code_verify(request, tenant, settings, *, code, ip):
    """Check the code. Returns ("signed_in", user, interaction), ("set_password", None, None) or raises
    CodeError/FlowError/RateLimited; `interaction` is Register when this created the account, else SignIn."""
    state = flow_state(request, tenant)
    if not state.get("phone"):
        raise CodeError("code.not_found", _("Request a verification code first."))
    if state["purpose"] == REGISTER and not User.objects.filter(tenant=tenant, phone=state["phone"]).exists():
        # Refused before the code is checked, so it still works once the limit has passed.
        registration_check(tenant, ip)
    code_check(tenant=tenant, policy=settings["code_policy"], phone=state["phone"], purpose=state["purpose"],
               flow_id=state["id"], code=code)
    user = User.objects.filter(tenant=tenant, phone=state["phone"]).first()
    if state["purpose"] == FORGOT_PASSWORD or (state["purpose"] == REGISTER and user is None
                                                and settings["sign_up"]["password"]):
        _save(request, tenant, dict(state, verified=True))
        return "set_password", None, None
    interaction = SIGN_IN
    if user is None:
        if state["purpose"] != REGISTER:
            raise CodeError("code.not_found", _("Request a verification code first."))
        user, interaction = _register_phone_user(tenant, state["phone"], password=None, ip=ip), REGISTER
    flow_clear(request, tenant)
    return "signed_in", _active(user), interaction


def password_set(request, tenant, settings, *, password, ip):
    """After a verified code: the new account's or the recovered account's password. Returns (user, interaction):
    Register for a new account, ForgotPassword for a recovered one."""
    state = flow_state(request, tenant)
    if not state.get("verified"):
        raise FlowError(_("Verify your phone number first."))
    problems = password_problems(password, settings["password_policy"])
    if problems:
        raise FlowError(" ".join(problems), field="password")
    user = User.objects.filter(tenant=tenant, phone=state["phone"]).first()
    if user is None:
        user, interaction = _register_phone_user(tenant, state["phone"], password=password, ip=ip), REGISTER
    else:
        user.set_password(password)
        user.save(update_fields=["password", "updated_at"])
        events.emit(events.USER_DATA_UPDATED, tenant=tenant, user=user, actor=None)
        interaction = FORGOT_PASSWORD
    flow_clear(request, tenant)
    return _active(user), interaction


def registration_check(tenant, ip):
    """Raise ratelimit.RateLimited when the network or the tenant has created too many accounts lately."""
    ratelimit.consume(action="register", dry_run=True, tenant=tenant.pk, ip=ip)


def _registration_count(tenant, ip):
    try:
        ratelimit.consume(action="register", tenant=tenant.pk, ip=ip)
    except ratelimit.RateLimited:
        pass  # counted after the account exists: a concurrent one slipped in, and the next check refuses


def username_register(tenant, settings, *, username, password, ip):
    registration_check(tenant, ip)
    problems = password_problems(password, settings["password_policy"])
    if problems:
        raise FlowError(" ".join(problems), field="password")
    username = username.strip()
    if not username or User.objects.filter(tenant=tenant, username=username).exists():
        raise FlowError(_("This username is taken or invalid."), field="username")
    user = User(tenant=tenant, username=username)
    user.set_password(password)
    user.save()
    events.emit(events.USER_CREATED, tenant=tenant, user=user, actor=None)
    _registration_count(tenant, ip)
    return user


def _register_phone_user(tenant, phone, *, password, ip):
    user, created = User.objects.get_or_create(tenant=tenant, phone=phone, defaults={"phone_verified": True})
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    if created:
        events.emit(events.USER_CREATED, tenant=tenant, user=user, actor=None)
        _registration_count(tenant, ip)
    return user


def _active(user):
    if user.is_suspended:
        raise FlowError(_("This account is suspended. Contact the app's support."))
    return user
