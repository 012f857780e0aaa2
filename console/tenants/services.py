"""Writes on tenants and memberships."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from console.accounts.models import User
from console.audit.services import audit_record, changed_fields
from console.oidc.keys import signing_key_create, signing_key_rotate
from console.tenants.models import Membership, Tenant


@transaction.atomic
def tenant_create(*, name, tag, acting_user):
    tenant = Tenant.objects.create(name=name.strip(), tag=tag)
    Membership.objects.create(tenant=tenant, user=acting_user, role=Membership.Role.OWNER)
    signing_key_create(tenant=tenant)
    from signin_experience.services import experience_ensure

    experience_ensure(tenant=tenant)
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
def tenant_member_add(*, tenant, username, role, acting_user):
    admin = User.objects.filter(is_console_admin=True, username=username).first()
    if admin is None:
        raise ValidationError({"username": _("No admin account is called “%(u)s”.") % {"u": username}})
    if Membership.objects.filter(tenant=tenant, user=admin).exists():
        raise ValidationError({"username": _("“%(u)s” is already a member.") % {"u": username}})
    membership = Membership.objects.create(tenant=tenant, user=admin, role=role)
    audit_record(tenant=tenant, actor=acting_user, action="member.add", target=admin, changes={"role": role})
    return membership


@transaction.atomic
def tenant_signing_key_rotate(*, tenant, acting_user):
    key = signing_key_rotate(tenant=tenant)
    audit_record(tenant=tenant, actor=acting_user, action="signing_key.rotate", target=tenant,
                 changes={"kid": key.kid})
    return key
