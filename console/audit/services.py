"""Writing audit entries. Callers pass field names for secrets, never their values."""
from console.audit.models import AuditEntry


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
        target_id=str(target.pk),
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
