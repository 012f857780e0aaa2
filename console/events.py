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
