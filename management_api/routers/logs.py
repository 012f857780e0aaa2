"""/api/logs (Logto's: admin changes, end-user activity and SMS sends in one list) and /api/audit-logs (Postern's
own: the audit log alone)."""
from typing import Any, Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel, ConfigDict

from console.audit.selectors import audit_entries_for_tenant
from management_api import logs
from management_api.paging import PageParams, paged

router = Router(tags=["Audit logs"])

LOG_SOURCES_TEXT = (
    "Three sources, newest first: admin changes in the console or through this API (key "
    "`Postern.Audit.<action>`, e.g. `Postern.Audit.application.update`; `payload.actor` names the admin or the "
    "machine-to-machine app), end-user activity on the hosted sign-in pages (Logto's keys: "
    "`Interaction.SignIn.Submit`, `Interaction.Register.Submit`, `Interaction.ForgotPassword.Submit`, and "
    "`Interaction.SignIn.Verification.Password.Submit` with result `Error` for a refused password) and SMS sends "
    "(key `Postern.Sms.Send`, `payload.sms` with the masked number, purpose, status and delivery status). An id "
    "names its source: `audit-12`, `activity-3`, `sms-7`.")


class LogQuery(Schema):
    userId: str | None = Field(None, description="Entries about this user: their activity, admin changes to the "
                                                   "user, and SMS sent to the user's phone number.")
    applicationId: str | None = Field(None, description="Entries of this application: sign-ins to it, and changes "
                                                         "made by it (through this API) or to it.")
    logKey: str | None = Field(None, description="Only entries with exactly this key.")
    enableCap: str | None = Field(None, description="`true`: count at most 10,000 matches; above that "
                                                     "`Total-Number` is 10001 and `Total-Number-Is-Capped: true`.")
    start_time: str | None = Field(None, description="Inclusive lower bound on `createdAt`, unix milliseconds.")
    end_time: str | None = Field(None, description="Inclusive upper bound on `createdAt`, unix milliseconds.")


class LogPayloadOut(BaseModel):
    """Logto's fields, plus the source's own (`method`; `actor`, `action`, `target`, `changes`; `sms`)."""
    # A plain pydantic model: ninja's Schema reads only declared fields, and each source adds its own.
    model_config = ConfigDict(extra="allow")

    key: str
    result: Literal["Success", "Error"]
    error: dict[str, Any] | str | None = None
    ip: str | None = None
    userAgent: str | None = None
    userId: str | None = None
    applicationId: str | None = None


class LogOut(Schema):
    tenantId: str
    id: str
    key: str
    payload: LogPayloadOut
    createdAt: int


class AuditLogQuery(Schema):
    action: str | None = Field(None, description="Actions starting with this, e.g. `application.` or "
                                                  "`user.suspend`.")
    actor: str | None = Field(None, description="Part of the admin's username or the application's name.")


class PartyOut(Schema):
    type: str
    id: str | None
    name: str


class AuditLogOut(Schema):
    tenantId: str
    id: str
    action: str
    actor: PartyOut = Field(description="`user` (a console admin), `application` (a machine-to-machine app "
                                        "through this API), `system`, or `deleted` (an admin or app removed since).")
    target: PartyOut
    changes: dict[str, Any] = Field(description="Changed fields as `[old, new]`, or the values recorded; secrets "
                                                "only as `(changed)` and the like, never their values.")
    createdAt: int


@router.get("/logs", response=list[LogOut], summary="Get logs", description=LOG_SOURCES_TEXT,
            exclude_none=True)
def list_logs(request, response: HttpResponse, page: Query[PageParams], query: Query[LogQuery]):
    filters = logs.log_filters(user_id=query.userId, application_id=query.applicationId, log_key=query.logKey,
                               start_time=query.start_time, end_time=query.end_time)
    tenant = request.auth.tenant
    total, capped = logs.logs_count(tenant, filters, capped=(query.enableCap or "").lower() == "true")
    response["Total-Number"] = str(total)
    if capped:
        response["Total-Number-Is-Capped"] = "true"
    return logs.logs_page(tenant, filters, offset=(page.page - 1) * page.page_size, limit=page.page_size)


@router.get("/logs/{log_id}", response=LogOut, summary="Get log", exclude_none=True)
def get_log(request, log_id: str):
    return logs.log_get(request.auth.tenant, log_id)


@router.get("/audit-logs", response=list[AuditLogOut], summary="Get audit logs (Postern)",
            description="The audit log alone, newest first: who (a console admin or a machine-to-machine app "
                        "through this API) changed what, and the changes.")
def list_audit_logs(request, response: HttpResponse, page: Query[PageParams], query: Query[AuditLogQuery]):
    entries = audit_entries_for_tenant(request.auth.tenant, action=(query.action or "").strip(),
                                       actor=(query.actor or "").strip())
    return [logs.audit_log_json(entry) for entry in paged(entries.select_related("actor", "actor_application"),
                                                          page, response)]


@router.get("/audit-logs/{log_id}", response=AuditLogOut, summary="Get audit log entry (Postern)")
def get_audit_log(request, log_id: str):
    return logs.audit_log_get(request.auth.tenant, log_id)
