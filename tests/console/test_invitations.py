"""Adding an admin to a tenant is an invitation the invited admin accepts or declines in the console."""
import pytest
from django.test import Client
from django.urls import reverse

from console.audit.models import AuditEntry
from console.tenants.models import Invitation, Membership

pytestmark = pytest.mark.django_db

SAME_ANSWER = "If that admin exists, they&#x27;ll see the invitation."


@pytest.fixture
def bob(make_admin):
    """Another console admin, signed in on his own browser."""
    admin = make_admin("bob")
    browser = Client()
    browser.force_login(admin)
    return admin, browser


def _invite(admin_client, tenant, username, role="admin"):
    return admin_client.post(reverse("tenants:member_invite", args=[tenant.id]), {"username": username, "role": role},
                             follow=True)


def test_an_invitation_is_not_a_membership_until_accepted(admin_client, tenant, bob):
    admin, browser = bob
    answer = _invite(admin_client, tenant, "bob")
    assert answer.status_code == 200 and SAME_ANSWER in answer.content.decode()
    assert not Membership.objects.filter(tenant=tenant, user=admin).exists()
    assert browser.get(reverse("applications:list", args=[tenant.id])).status_code == 404
    listing = browser.get(reverse("tenants:invitations")).content.decode()
    assert tenant.name in listing and "Invitations (1)" in listing
    invitation = Invitation.objects.get(tenant=tenant, invitee=admin)
    accepted = browser.post(reverse("tenants:invitation_accept", args=[invitation.pk]))
    assert accepted.status_code == 302 and accepted["Location"] == reverse("applications:list", args=[tenant.id])
    assert Membership.objects.get(tenant=tenant, user=admin).role == Membership.Role.ADMIN
    assert browser.get(reverse("applications:list", args=[tenant.id])).status_code == 200
    # an admin (not owner) cannot delete the tenant
    assert browser.post(reverse("tenants:delete", args=[tenant.id]), {"confirmation": tenant.id}).status_code == 403
    # answered: the same link does nothing any more
    assert browser.post(reverse("tenants:invitation_accept", args=[invitation.pk])).status_code == 404
    actions = list(AuditEntry.objects.filter(tenant=tenant).order_by("id").values_list("action", "actor_label"))
    assert actions[-2:] == [("member.invite", "alice"), ("member.add", "bob")]


def test_the_inviter_gets_the_same_answer_whether_the_admin_exists_or_not(admin_client, tenant, bob):
    for username in ("bob", "nobody"):
        answer = _invite(admin_client, tenant, username)
        body = answer.content.decode()
        assert answer.status_code == 200 and SAME_ANSWER in body
        assert "No admin account" not in body
    assert Invitation.objects.filter(tenant=tenant).count() == 1
    changes = [entry.changes for entry in AuditEntry.objects.filter(tenant=tenant, action="member.invite").order_by("id")]
    assert changes == [{"username": "bob", "role": "admin"}, {"username": "nobody", "role": "admin"}]


def test_declining_leaves_no_membership(admin_client, tenant, bob):
    admin, browser = bob
    _invite(admin_client, tenant, "bob")
    invitation = Invitation.objects.get(invitee=admin)
    assert browser.post(reverse("tenants:invitation_decline", args=[invitation.pk])).status_code == 302
    assert not Membership.objects.filter(tenant=tenant, user=admin).exists()
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.DECLINED
    assert "No pending invitations." in browser.get(reverse("tenants:invitations")).content.decode()
    assert AuditEntry.objects.filter(tenant=tenant, action="member.decline", actor_label="bob").exists()


def test_only_the_invited_admin_can_answer(admin_client, tenant, bob, make_admin):
    admin, _browser = bob
    _invite(admin_client, tenant, "bob")
    invitation = Invitation.objects.get(invitee=admin)
    mallory = Client()
    mallory.force_login(make_admin("mallory"))
    assert mallory.post(reverse("tenants:invitation_accept", args=[invitation.pk])).status_code == 404
    assert tenant.name not in mallory.get(reverse("tenants:invitations")).content.decode()
    assert not Membership.objects.filter(tenant=tenant, user__username="mallory").exists()


def test_only_the_owner_invites_and_a_blank_username_is_a_field_error(admin_client, tenant, bob):
    admin, browser = bob
    blank = admin_client.post(reverse("tenants:member_invite", args=[tenant.id]), {"username": "", "role": "owner"})
    assert blank.status_code == 400 and 'class="field-error"' in blank.content.decode()
    _invite(admin_client, tenant, "bob")
    browser.post(reverse("tenants:invitation_accept", args=[Invitation.objects.get(invitee=admin).pk]))
    refused = browser.post(reverse("tenants:member_invite", args=[tenant.id]), {"username": "alice", "role": "admin"})
    assert refused.status_code == 403


def test_an_owner_invitation_makes_an_owner(admin_client, tenant, bob):
    admin, browser = bob
    _invite(admin_client, tenant, "bob", role="owner")
    browser.post(reverse("tenants:invitation_accept", args=[Invitation.objects.get(invitee=admin).pk]))
    assert Membership.objects.get(tenant=tenant, user=admin).role == Membership.Role.OWNER


def test_a_member_is_not_invited_again(admin_client, tenant, admin):
    answer = _invite(admin_client, tenant, admin.username)
    assert SAME_ANSWER in answer.content.decode()
    assert not Invitation.objects.exists()
