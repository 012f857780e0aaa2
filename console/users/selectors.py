"""Reads on a tenant's end users."""
from django.db.models import Q
from django.shortcuts import get_object_or_404

from console.accounts.models import User


def end_users_for_tenant(tenant, search=""):
    users = User.objects.filter(tenant=tenant).only(
        "uid", "username", "email", "phone", "name", "is_suspended", "created_at", "tenant_id"
    ).order_by("-created_at", "-id")
    search = search.strip()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        query = Q(username__icontains=search) | Q(email__icontains=search) | Q(name__icontains=search) | Q(uid=search)
        if len(digits) >= 4:
            query |= Q(phone__contains=digits)
        users = users.filter(query)
    return users


def end_users_in(tenant):
    """Every end user of the tenant with every field (the Management API shows them all), newest first."""
    return User.objects.filter(tenant=tenant).order_by("-created_at", "-id")


def end_user_for_tenant(tenant, user_id):
    return get_object_or_404(User, tenant=tenant, uid=user_id)
