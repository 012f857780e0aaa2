"""(c) Console list pages with many rows: p50 render time and SQL queries per page.

In-process: Django's test client signed in as a tenant owner, against a throwaway PostgreSQL database (on
DATABASE_URL's server) with Redis (REDIS_URL's server, the bench's database number) as cache and session store,
DEBUG off. Rows are made with bulk_create. Each page is measured at ROWS_SMALL and at ROWS rows so a query
count that grows with rows shows; `CaptureQueriesContext` counts queries of one request.

Pages: applications, users, and the SMS messages log when the connectors app has a page for it (any URL in the
`connectors` namespace whose name mentions "message" and that takes only the tenant); skipped otherwise.

Run as `python -m bench.console_pages` (the bench does, in a subprocess); prints one JSON line.
"""
import json
import time

from bench.common import console_in_process, measure_page

ROWS = 10_000
ROWS_SMALL = 100
RENDERS = 25
DB_NAME = "postern_bench_console"


def _filler(model, values):
    """Values for required fields `values` does not set (the model may gain fields; the bench should still run)."""
    from django.db import models
    from django.utils import timezone

    extra = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in values or field.attname in values or field.null:
            continue
        if field.has_default() or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.choices:
            extra[field.name] = field.choices[0][0]
        elif isinstance(field, models.DateTimeField):
            extra[field.name] = timezone.now()
        elif isinstance(field, models.BooleanField):
            extra[field.name] = False
        elif isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
            extra[field.name] = 0
        elif isinstance(field, models.JSONField):
            extra[field.name] = {}
        elif isinstance(field, (models.CharField, models.TextField)):
            extra[field.name] = "bench"[: field.max_length or 5]
    return extra


def _messages_url(tenant):
    from django.urls import NoReverseMatch, get_resolver, reverse

    namespace = get_resolver().namespace_dict.get("connectors")
    if namespace is None:
        return None
    names = sorted(n for n in namespace[1].reverse_dict.keys() if isinstance(n, str))
    # The log first: the dashboard (message_dashboard) has a bench of its own, bench/sms_dashboard.py.
    for name in sorted(names, key=lambda n: n != "message_list"):
        if "message" in name.lower():
            try:
                return reverse(f"connectors:{name}", args=[tenant.pk])
            except NoReverseMatch:
                continue
    return None


def _make_rows(tenant, count, start):
    from django.utils import timezone

    from console.accounts.models import User
    from console.applications.models import Application

    apps = []
    kinds = [Application.AppType.NATIVE, Application.AppType.SPA, Application.AppType.TRADITIONAL]
    for i in range(start, start + count):
        kind = kinds[i % 3]
        apps.append(Application(
            tenant=tenant, name=f"App {i}", app_type=kind, framework="capacitor-js",
            client_type=Application.CLIENT_PUBLIC if kind in Application.PUBLIC_TYPES else Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, algorithm=Application.RS256_ALGORITHM,
            redirect_uris=f"com.example.app{i}://callback", skip_authorization=True, hash_client_secret=False,
        ))
    Application.objects.bulk_create(apps, batch_size=2000)
    users = [User(tenant=tenant, username=f"user{i}", email=f"user{i}@example.com", phone=f"+8613800{i:06d}",
                  name=f"User {i}", password="!") for i in range(start, start + count)]
    User.objects.bulk_create(users, batch_size=2000)
    try:
        from connectors.models import SmsMessage
    except ImportError:
        return
    rows = []
    statuses = [choice for choice, _label in SmsMessage._meta.get_field("status").choices]
    now = timezone.now()
    for i in range(start, start + count):
        values = {"tenant": tenant, "provider": "tencent", "phone": f"+8613900{i:06d}", "template_code": "1001",
                  "status": statuses[i % len(statuses)], "valid_until": now}
        values = {k: v for k, v in values.items() if any(f.name == k for f in SmsMessage._meta.concrete_fields)}
        values.update(_filler(SmsMessage, values))
        rows.append(SmsMessage(**values))
    SmsMessage.objects.bulk_create(rows, batch_size=2000)


def main():
    with console_in_process(DB_NAME) as (client, tenant):
        from django.urls import reverse

        pages = {"applications": reverse("applications:list", args=[tenant.pk]),
                 "users": reverse("users:list", args=[tenant.pk])}
        messages_url = _messages_url(tenant)
        if messages_url:
            pages["messages"] = messages_url
        results = {name: {"url": url} for name, url in pages.items()}
        started = time.perf_counter()
        _make_rows(tenant, ROWS_SMALL, 0)
        for name, url in pages.items():
            results[name][f"at_{ROWS_SMALL}"] = measure_page(client, url, RENDERS)
        _make_rows(tenant, ROWS - ROWS_SMALL, ROWS_SMALL)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        for name, url in pages.items():
            results[name][f"at_{ROWS}"] = measure_page(client, url, RENDERS)
            last = measure_page(client, f"{url}?page=last", RENDERS)
            results[name][f"at_{ROWS}_last_page"] = last
        report = {"rows": ROWS, "rows_small": ROWS_SMALL, "renders": RENDERS, "pages": results,
                  "messages_page": bool(messages_url), "setup_s": time.perf_counter() - started}
        print(json.dumps(report))


if __name__ == "__main__":
    main()
