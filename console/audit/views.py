"""The audit log and end-user activity pages of a tenant."""
from django.core.paginator import Paginator
from django.shortcuts import render

from console.audit import presentation, selectors
from console.tenants.access import tenant_view

PAGE_SIZE = 50


@tenant_view
def audit_list(request, tenant):
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    page = Paginator(selectors.audit_entries_for_tenant(tenant, action=action, actor=actor),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(entry, presentation.action_label(entry.action), presentation.target_label(entry.target_type),
             presentation.readable_changes(entry)) for entry in page.object_list]
    return render(request, "audit/list.html", {"tenant": tenant, "page": page, "rows": rows, "action": action,
                                               "actor": actor, "action_groups": presentation.ACTION_GROUPS})


@tenant_view
def activity_list(request, tenant):
    user = request.GET.get("user", "").strip()
    kind = request.GET.get("kind", "")
    page = Paginator(selectors.activity_for_tenant(tenant, user=user, kind=kind),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/activity.html", {
        "tenant": tenant, "page": page, "rows": presentation.activity_rows(page.object_list), "user_filter": user,
        "kind": kind if kind in selectors.ACTIVITY_KINDS else "",
    })

