"""Template context every console page needs: the admin's tenants and the current one."""
from django.conf import settings

from console.tenants.selectors import invitations_pending_for, tenants_for_admin


def console(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and getattr(user, "is_console_admin", False)):
        return {}
    return {
        "admin_tenants": tenants_for_admin(user),
        "pending_invitation_count": invitations_pending_for(user).count(),
        "current_tenant": getattr(request, "tenant", None),
        "sms_sandbox_inbox_url": settings.SMS_SANDBOX_INBOX_URL,
    }
