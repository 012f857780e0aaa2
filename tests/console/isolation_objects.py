"""Objects of a tenant for the isolation walk: one per URL argument name beyond tenant_id/app_id/user_id."""
from datetime import timedelta

from django.utils import timezone


def make_all(tenant, owner):
    from connectors.models import SmsMessage
    from connectors.services import connector_create

    connector = connector_create(tenant=tenant, acting_user=owner, provider_key="tencent", config={
        "accessKeyId": "AKIDvictim", "accessKeySecret": "victim-secret-key-1234", "signName": "Victim",
        "sdkAppId": "1400000001",
        "templates": [{"templateCode": str(1000 + index), "usageType": usage}
                      for index, usage in enumerate(("Register", "SignIn", "ForgotPassword", "Generic"))],
    })
    message = SmsMessage.objects.create(
        tenant=tenant, connector=connector, provider="tencent", usage_type="SignIn", phone="+8613800138000",
        template_code="1001", valid_until=timezone.now() + timedelta(minutes=10),
    )
    from console.accounts.models import User
    from console.tenants.services import tenant_member_invite

    invitee = User.objects.create_admin(username="victim-invitee", password="victim-invitee-password-1")
    tenant_member_invite(tenant=tenant, username=invitee.username, role="admin", acting_user=owner)
    from webhooks.models import HookDelivery
    from webhooks.services import hook_create

    hook, _key = hook_create(tenant=tenant, acting_user=owner, url="https://203.0.113.10/hooks", events=["PostSignIn"])
    delivery = HookDelivery.objects.create(tenant=tenant, hook=hook, event="PostSignIn", body=b"{}", attempt_limit=1,
                                           next_attempt_at=timezone.now(), status=HookDelivery.Status.FAILED)
    return {"connector_id": connector.pk, "message_id": message.pk, "invitation_id": invitee.invitations.get().pk,
            "hook_id": hook.pk, "delivery_id": delivery.delivery_id}
