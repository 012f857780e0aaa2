"""Reading the audit and activity logs of a tenant, newest first."""
from django.db.models import Q

from console.audit.models import ActivityEntry, AuditEntry
from console.audit.services import FAILED_SIGN_IN_LOG_KEYS, INTERACTION_LOG_KEYS
from console.events import POST_REGISTER, POST_RESET_PASSWORD, POST_SIGN_IN

# The console's "what happened" filter of the activity log.
ACTIVITY_KINDS = {
    "sign_in": Q(key=INTERACTION_LOG_KEYS[POST_SIGN_IN]),
    "register": Q(key=INTERACTION_LOG_KEYS[POST_REGISTER]),
    "reset_password": Q(key=INTERACTION_LOG_KEYS[POST_RESET_PASSWORD]),
    "failed": Q(key__in=FAILED_SIGN_IN_LOG_KEYS.values()),
}


def audit_entries_for_tenant(tenant, *, action="", actor=""):
    """`action`: a prefix (`application.`); `actor`: part of the admin's or app's name."""
    entries = AuditEntry.objects.filter(tenant=tenant)
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    return entries


def activity_for_tenant(tenant, *, user="", kind=""):
    """`user`: a user ID, or part of a username, email or phone number; `kind`: a key of ACTIVITY_KINDS."""
    entries = ActivityEntry.objects.filter(tenant=tenant).select_related("user", "application")
    user = user.strip()
    if user:
        entries = entries.filter(Q(user_uid=user) | Q(user__username__icontains=user)
                                 | Q(user__email__icontains=user) | Q(user__phone__contains=user))
    if kind in ACTIVITY_KINDS:
        entries = entries.filter(ACTIVITY_KINDS[kind])
    return entries


def activity_for_user(user, limit):
    return list(ActivityEntry.objects.filter(tenant_id=user.tenant_id, user_uid=user.uid)
                .select_related("application")[:limit])
