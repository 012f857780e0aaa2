"""(g) GET /api/logs at 10,000 rows per source (audit entries, end-user activity, SMS messages; 30,000 in all, spread
over 30 days), beside the console's end-user activity page at the same rows.

In-process, as (c) and (f): Django's test client against a throwaway PostgreSQL database with Redis as cache,
DEBUG off; p50 of RENDERS requests after one warm-up, and the most SQL queries one request took.

Run as `python -m bench.logs_api` (not in `make bench` yet); prints one JSON line.
"""
import json

from bench.common import console_in_process, measure_page
from bench.management_api import _timed

ROWS_PER_SOURCE = 10_000
USERS = 500
RENDERS = 25
DB_NAME = "postern_bench_logs_api"


def _fill(tenant, owner, app):
    from django.db import connection
    from django.utils import timezone

    from connectors.models import SmsMessage
    from console.accounts.models import User
    from console.audit.models import ActivityEntry, AuditEntry

    users = User.objects.bulk_create([User(tenant=tenant, username=f"user{i}", phone=f"+8613800{i:06d}",
                                           password="!") for i in range(USERS)])
    now = timezone.now()
    AuditEntry.objects.bulk_create([
        AuditEntry(tenant=tenant, actor=owner, actor_label=str(owner), action="user.update", target_type="user",
                   target_id=users[i % USERS].uid, target_label=str(users[i % USERS]),
                   changes={"name": ["", f"User {i}"]}) for i in range(ROWS_PER_SOURCE)], batch_size=2000)
    signed_in = {"key": "Interaction.SignIn.Submit", "result": "Success"}
    refused = {"key": "Interaction.SignIn.Verification.Password.Submit", "result": "Error",
               "error_code": "session.invalid_credentials"}
    ActivityEntry.objects.bulk_create([
        ActivityEntry(tenant=tenant, user=users[i % USERS], user_uid=users[i % USERS].uid, application=app,
                      application_client_id=app.client_id, method="Password", ip="203.0.113.7",
                      user_agent="Bench/1.0", **(signed_in if i % 10 else refused))
        for i in range(ROWS_PER_SOURCE)], batch_size=2000)
    SmsMessage.objects.bulk_create([
        SmsMessage(tenant=tenant, provider="tencent", usage_type="SignIn", phone=users[i % USERS].phone,
                   template_code="2002", status="SENT", valid_until=now) for i in range(ROWS_PER_SOURCE)],
        batch_size=2000)
    with connection.cursor() as cursor:
        for table in ("audit_auditentry", "audit_activityentry", "connectors_smsmessage"):
            cursor.execute(f"UPDATE {table} SET created_at = now() - random() * interval '30 days'")  # noqa: S608
        cursor.execute("ANALYZE")
    return users


def main():
    with console_in_process(DB_NAME) as (console, tenant):
        from django.test import Client
        from django.urls import reverse

        from console.accounts.models import User
        from console.applications.models import Application
        from console.applications.services import application_create

        owner = User.objects.get(username="bench-admin")
        app, secret = application_create(tenant=tenant, name="Bench provisioning", framework="m2m",
                                         acting_user=owner, management_api_access=Application.ManagementApiAccess.ALL)
        users = _fill(tenant, owner, app)
        api = Client()
        token = api.post(f"/t/{tenant.pk}/oidc/token", {
            "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret,
            "resource": tenant.management_api_indicator, "scope": "all"}).json()["access_token"]
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        base = f"/t/{tenant.pk}/api/logs"
        everything = api.get(base, **bearer)
        capped = api.get(base, {"enableCap": "true"}, **bearer)
        report = {
            "rows_per_source": ROWS_PER_SOURCE, "renders": RENDERS,
            "total_number": everything["Total-Number"],
            "total_number_capped": [capped["Total-Number"], capped.get("Total-Number-Is-Capped")],
            "api": {
                "first page": _timed(lambda: api.get(base, **bearer), RENDERS),
                "page 50": _timed(lambda: api.get(base, {"page": 50}, **bearer), RENDERS),
                "page_size 100": _timed(lambda: api.get(base, {"page_size": 100}, **bearer), RENDERS),
                "userId": _timed(lambda: api.get(base, {"userId": users[42].uid}, **bearer), RENDERS),
                "logKey": _timed(lambda: api.get(base, {"logKey": "Interaction.SignIn.Submit"}, **bearer), RENDERS),
                "enableCap": _timed(lambda: api.get(base, {"enableCap": "true"}, **bearer), RENDERS),
                "audit-logs": _timed(lambda: api.get(f"/t/{tenant.pk}/api/audit-logs", **bearer), RENDERS),
            },
            "console_activity_page": measure_page(console, reverse("audit:activity", args=[tenant.pk]), RENDERS),
        }
        print(json.dumps(report))


if __name__ == "__main__":
    main()
