"""Writes on tenants and memberships."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from console.accounts.models import User
from console.audit.services import audit_record, changed_fields
from console.tenants.models import Invitation, Membership, Tenant


@transaction.atomic
def tenant_create(*, name, tag, acting_user):
    tenant = Tenant.objects.create(name=name.strip(), tag=tag)
    Membership.objects.create(tenant=tenant, user=acting_user, role=Membership.Role.OWNER)
    audit_record(tenant=tenant, actor=acting_user, action="tenant.create", target=tenant,
                 changes={"name": name, "tag": tag})
    return tenant


@transaction.atomic
def tenant_update(*, tenant, acting_user, **fields):
    before = {k: getattr(tenant, k) for k in fields}
    for key, value in fields.items():
        setattr(tenant, key, value)
    tenant.save(update_fields=list(fields))
    diff = changed_fields(before, fields)
    if diff:
        audit_record(tenant=tenant, actor=acting_user, action="tenant.update", target=tenant, changes=diff)
    return tenant


def tenant_delete(*, tenant, confirmation, acting_user):
    if confirmation != tenant.id:
        raise ValidationError({"confirmation": _("Type the tenant ID “%(id)s” to confirm.") % {"id": tenant.id}})
    tenant.delete()


@transaction.atomic
def tenant_member_invite(*, tenant, username, role, acting_user):
    """Invite the console admin called `username`, if there is one who is not a member yet.

    The inviter learns nothing either way (same answer, same audit row): whether an admin username exists is not
    theirs to find out, and the invitee decides whether to join (invitation_accept / invitation_decline)."""
    invitee = User.objects.filter(is_console_admin=True, username=username).exclude(memberships__tenant=tenant).first()
    if invitee is not None:
        Invitation.objects.update_or_create(tenant=tenant, invitee=invitee, status=Invitation.Status.PENDING,
                                            defaults={"role": role, "invited_by": acting_user})
    audit_record(tenant=tenant, actor=acting_user, action="member.invite", target=tenant,
                 changes={"username": username, "role": role})


@transaction.atomic
def invitation_accept(*, invitation, acting_user):
    membership, _created = Membership.objects.get_or_create(tenant=invitation.tenant, user=acting_user,
                                                            defaults={"role": invitation.role})
    _answer(invitation, Invitation.Status.ACCEPTED)
    audit_record(tenant=invitation.tenant, actor=acting_user, action="member.add", target=acting_user,
                 changes={"role": membership.role, "invited_by": str(invitation.invited_by or "")})
    return membership


@transaction.atomic
def invitation_decline(*, invitation, acting_user):
    _answer(invitation, Invitation.Status.DECLINED)
    audit_record(tenant=invitation.tenant, actor=acting_user, action="member.decline", target=acting_user,
                 changes={"role": invitation.role})


def _answer(invitation, status):
    invitation.status, invitation.answered_at = status, timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
