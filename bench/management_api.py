"""(f) The Management API at 10,000 users: GET /api/users (first page, a search, the last page) beside the console's
users page at the same rows (the anchor), and a client-credentials token plus the first call with it.

In-process, as (c): Django's test client against a throwaway PostgreSQL database with Redis as cache, DEBUG off;
p50 of RENDERS requests after one warm-up, and the most SQL queries one request took.

Run as `python -m bench.management_api` (the bench does, in a subprocess); prints one JSON line.
"""
import json
import statistics
import time

from bench.common import console_in_process, measure_page

USERS = 10_000
RENDERS = 25
TOKENS = 25
DB_NAME = "postern_bench_management_api"


def _timed(call, times):
    """p50 and max of `times` calls of `call()` (after one warm-up), and the most SQL queries one took."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    elapsed, queries = [], []
    for _ in range(times):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = call()
            elapsed.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"answered {response.status_code}: {response.content[:300]!r}")
        queries.append(len(captured))
    return {"p50_ms": round(statistics.median(elapsed), 1), "max_ms": round(max(elapsed), 1),
            "queries": max(queries)}


def main():
    with console_in_process(DB_NAME) as (console, tenant):
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from console.accounts.models import User
        from console.applications.models import Application
        from console.applications.services import application_create

        owner = User.objects.get(username="bench-admin")
        app, secret = application_create(tenant=tenant, name="Bench provisioning", framework="m2m",
                                         acting_user=owner, management_api_access=Application.ManagementApiAccess.ALL)
        User.objects.bulk_create([User(tenant=tenant, username=f"user{i}", email=f"user{i}@example.com",
                                       phone=f"+8613800{i:06d}", name=f"User {i}", password="!")
                                  for i in range(USERS)], batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        api = Client()
        token_form = {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret,
                      "resource": tenant.management_api_indicator, "scope": "all"}
        token_url = f"/t/{tenant.pk}/oidc/token"

        # A script's first seconds: a token, then its first call with it (each pair on a fresh token).
        pairs = []
        for _ in range(TOKENS):
            started = time.perf_counter()
            token = api.post(token_url, token_form).json()["access_token"]
            issued = time.perf_counter()
            first = api.get(f"/t/{tenant.pk}/api/users", HTTP_AUTHORIZATION=f"Bearer {token}")
            pairs.append(((issued - started) * 1000, (time.perf_counter() - issued) * 1000))
            assert first.status_code == 200, first.content[:300]
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        base = f"/t/{tenant.pk}/api/users"
        last_page = -(-USERS // 20)
        report = {
            "users": USERS, "renders": RENDERS,
            "token_ms_p50": round(statistics.median(p[0] for p in pairs), 1),
            "first_call_ms_p50": round(statistics.median(p[1] for p in pairs), 1),
            "api": {
                "first page": _timed(lambda: api.get(base, **bearer), RENDERS),
                "search": _timed(lambda: api.get(base, {"search": "user4242"}, **bearer), RENDERS),
                "last page": _timed(lambda: api.get(base, {"page": last_page}, **bearer), RENDERS),
            },
            "console_users_page": measure_page(console, reverse("users:list", args=[tenant.pk]), RENDERS),
        }
        print(json.dumps(report))


if __name__ == "__main__":
    main()
