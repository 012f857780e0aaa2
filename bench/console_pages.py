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
import os
import statistics
import sys
import time

from bench.common import ROOT, data_dir, drop_database, flush_redis, redis_url, throwaway_database

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


def _measure(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates, URL resolver, connection
    times, queries = [], []
    for _ in range(RENDERS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries.append(len(captured))
    return {"p50_ms": statistics.median(times), "queries": max(queries), "bytes": len(response.content)}


def main():
    db_url = throwaway_database(DB_NAME)
    cache_url = redis_url(int(os.environ.get("POSTERN_BENCH_REDIS_DB", "13")))
    flush_redis(cache_url)
    os.environ.update(DATABASE_URL=db_url, REDIS_URL=cache_url, POSTERN_DATA_DIR=str(data_dir() / "postern"),
                      DJANGO_SETTINGS_MODULE="console.settings")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from console.accounts.models import User
        from console.tenants.models import Tenant
        from console.tenants.services import tenant_create

        call_command("migrate", verbosity=0, interactive=False)
        admin = User.objects.create_admin(username="bench-admin", password="bench-admin-password-1")
        tenant = tenant_create(name="Bench", tag=Tenant.Tag.DEVELOPMENT, acting_user=admin)
        client = Client()
        client.force_login(admin)
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
            results[name][f"at_{ROWS_SMALL}"] = _measure(client, url)
        _make_rows(tenant, ROWS - ROWS_SMALL, ROWS_SMALL)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        for name, url in pages.items():
            results[name][f"at_{ROWS}"] = _measure(client, url)
            last = _measure(client, f"{url}?page=last")
            results[name][f"at_{ROWS}_last_page"] = last
        report = {"rows": ROWS, "rows_small": ROWS_SMALL, "renders": RENDERS, "pages": results,
                  "messages_page": bool(messages_url), "setup_s": time.perf_counter() - started}
        print(json.dumps(report))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(db_url)


if __name__ == "__main__":
    main()
