"""The audit log page of a tenant."""
from django.core.paginator import Paginator
from django.shortcuts import render

from console.audit.models import AuditEntry
from console.tenants.access import tenant_view


@tenant_view
def audit_list(request, tenant):
    entries = AuditEntry.objects.filter(tenant=tenant)
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"tenant": tenant, "page": page, "action": action, "actor": actor})
