"""Reads on tenants. Tenant access is decided here and nowhere else."""
from django.http import Http404

from console.tenants.models import Invitation, Membership, Tenant


def tenants_for_admin(user):
    return Tenant.objects.filter(memberships__user=user).order_by("created_at")


def tenant_for_admin(user, tenant_id):
    """The tenant if `user` is a member of it; 404 otherwise (no hint whether it exists)."""
    tenant = Tenant.objects.filter(pk=tenant_id, memberships__user=user).first()
    if tenant is None:
        raise Http404("No such tenant")
    return tenant


def membership_role(user, tenant):
    membership = Membership.objects.filter(tenant=tenant, user=user).first()
    return membership.role if membership else None


def invitations_pending_for(user):
    return Invitation.objects.filter(invitee=user, status=Invitation.Status.PENDING).select_related(
        "tenant", "invited_by").order_by("-created_at")


def invitation_for_invitee(user, invitation_id):
    """A pending invitation addressed to `user`; 404 otherwise (someone else's, answered or unknown alike)."""
    invitation = invitations_pending_for(user).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation")
    return invitation
