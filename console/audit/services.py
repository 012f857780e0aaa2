"""Writing audit entries and end-user activity. Callers pass field names for secrets, never their values."""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from console import events
from console.audit.models import ActivityEntry, AuditEntry

# Logto's log key for each interaction event (packages/schemas/src/types/log/interaction.ts).
INTERACTION_LOG_KEYS = {
    events.POST_SIGN_IN: "Interaction.SignIn.Submit",
    events.POST_REGISTER: "Interaction.Register.Submit",
    events.POST_RESET_PASSWORD: "Interaction.ForgotPassword.Submit",
}
# A refused sign-in is the verification step that failed: `Interaction.SignIn.Verification.<type>.Submit`.
FAILED_SIGN_IN_LOG_KEYS = {
    events.BY_PASSWORD: "Interaction.SignIn.Verification.Password.Submit",
    events.BY_CODE: "Interaction.SignIn.Verification.PhoneVerificationCode.Submit",
}


def _public_id(target):
    return getattr(target, "uid", None) or getattr(target, "client_id", None) or str(target.pk)


def audit_record(*, tenant, actor, action, target, changes=None):
    """`actor`: the signed-in admin, the machine-to-machine app calling the Management API, or None (the system)."""
    from_app = actor is not None and actor._meta.label == "applications.Application"
    return AuditEntry.objects.create(
        tenant=tenant,
        actor=actor if actor and actor.pk and not from_app else None,
        actor_application=actor if from_app else None,
        actor_label=(f"{actor} (Management API)" if from_app else str(actor))[:150] if actor else "system",
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=_public_id(target)[:64],
        target_label=str(target)[:200],
        changes=changes or {},
    )


def changed_fields(before: dict, after: dict, *, secret_fields=()):
    """{field: [old, new]} for fields that changed; secret fields are reported as changed, values hidden."""
    diff = {}
    for key in after:
        if before.get(key) != after.get(key):
            diff[key] = "(changed)" if key in secret_fields else [before.get(key), after.get(key)]
    return diff


def activity_record(*, tenant, key, user, application, ip, user_agent, method="", error_code=""):
    """One row of the end-user activity log; a result is an error exactly when it carries an error code.

    The session id an interaction event carries is not kept: it is the session cookie's value.
    """
    return ActivityEntry.objects.create(
        tenant=tenant, key=key, user=user, user_uid=user.uid if user else "",
        application=application, application_client_id=application.client_id if application else "",
        method=method or "", error_code=error_code or "",
        result=ActivityEntry.Result.ERROR if error_code else ActivityEntry.Result.SUCCESS,
        ip=(ip or "")[:45], user_agent=(user_agent or "")[:512],
    )


def activity_on_event(sender, *, event, tenant, **details):
    """Listener of console.events.happened: the hosted pages' interaction events become activity rows."""
    if event in INTERACTION_LOG_KEYS:
        key = INTERACTION_LOG_KEYS[event]
    elif event == events.SIGN_IN_FAILED:
        key = FAILED_SIGN_IN_LOG_KEYS[details["method"]]
    else:
        return
    activity_record(tenant=tenant, key=key, user=details.get("user"), application=details.get("application"),
                    ip=details.get("ip"), user_agent=details.get("user_agent"), method=details.get("method", ""),
                    error_code=details.get("error_code", ""))


def activity_expire(*, now=None):
    """Delete end-user activity older than ACTIVITY_RETENTION_DAYS (0 keeps it for ever); returns how many went."""
    days = settings.ACTIVITY_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return ActivityEntry.objects.filter(created_at__lt=cutoff).delete()[0]
