"""What happened in a tenant, told to whoever listens: the services and hosted pages that make something happen
`emit` it, and listeners (webhooks, the activity log) connect to `happened` in their app's ready(). Neither side
imports the other, so dependencies keep running one way.

Events carry Logto's hook event names (`PostSignIn`, `User.Created`, …) plus Postern's own; the README lists
them. Listeners are called synchronously inside the emitter's transaction: anything slow or that must only happen
once the change is committed waits for `transaction.on_commit`.
"""
from django.dispatch import Signal

# Interaction events: a person finished signing in, signing up or resetting a password on a hosted page.
POST_SIGN_IN = "PostSignIn"
POST_REGISTER = "PostRegister"
POST_RESET_PASSWORD = "PostResetPassword"
INTERACTION_EVENTS = {"SignIn": POST_SIGN_IN, "Register": POST_REGISTER, "ForgotPassword": POST_RESET_PASSWORD}
# How the person proved who they are (the method names of Logto's interaction log keys).
BY_PASSWORD, BY_CODE = "Password", "VerificationCode"
# Postern's own: a password typed on the hosted sign-in page was refused (Logto has no hook event for it).
SIGN_IN_FAILED = "Postern.SignInFailed"
# Data events (Logto's names): emitted by the console's user services, whichever door (console, Management API,
# hosted page) made the change; details: user, actor (the admin or M2M app; None for the person themself).
USER_CREATED = "User.Created"
USER_DELETED = "User.Deleted"
USER_DATA_UPDATED = "User.Data.Updated"
USER_SUSPENSION_UPDATED = "User.SuspensionStatus.Updated"
# Logto's exception event: a code was not sent because of a send limit (details: recipient, limit, retry_after).
MESSAGE_RATE_LIMITED = "Message.RateLimited"
# Postern's own: a code SMS failed for good (message), a receipt said it never arrived (message), a connector was
# created, changed, enabled, disabled or deleted (connector, action, actor).
SMS_FAILED = "Sms.Failed"
SMS_UNDELIVERED = "Sms.Undelivered"
CONNECTOR_UPDATED = "Connector.Updated"

happened = Signal()


def emit(event, *, tenant, **details):
    """Tell every listener that `event` happened in `tenant`; `details` are the event's own keyword arguments."""
    happened.send(sender=event, event=event, tenant=tenant, **details)


def interaction_completed(*, tenant, interaction, user, application, ip, user_agent, session_id, method=""):
    """A hosted-page interaction ended with `user` signed in to `application` (Logto's interactionEvent:
    SignIn, Register or ForgotPassword; `method`: how the person proved who they are, `Password` or
    `VerificationCode`)."""
    emit(INTERACTION_EVENTS[interaction], tenant=tenant, interaction=interaction, user=user,
         application=application, ip=ip, user_agent=user_agent, session_id=session_id, method=method)


def sign_in_failed(*, tenant, user, application, ip, user_agent, method, error_code):
    """A sign-in attempt was refused; `user` is the account the identifier named, or None when it named nobody."""
    emit(SIGN_IN_FAILED, tenant=tenant, user=user, application=application, ip=ip, user_agent=user_agent,
         method=method, error_code=error_code)
