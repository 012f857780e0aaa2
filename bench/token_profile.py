"""Where a token grant's time goes, in one process: SQL statements per grant and a cProfile of the token view.

Django set up on a throwaway PostgreSQL database (DATABASE_URL's server; or SQLite with --sqlite) and the bench's
Redis database; a tenant, its native public app (PKCE S256) and an end user with a tenant session. Codes come from
the real authorization endpoint (GET /auth with the session → 302 with a code), as in bench/oidc.py; the token
requests go through Django's test client, so the middleware stack is the one `make run` serves.

    .venv/bin/python -m bench.token_profile                       # statements per grant, ms per grant
    .venv/bin/python -m bench.token_profile --profile code -n 300 # + cProfile (CPU time) of 300 code exchanges
    .venv/bin/python -m bench.token_profile --sql refresh         # + every statement of one refresh

Prints a JSON line last. Not part of `make bench`: it is for finding what to cut, not for comparing servers.
"""
import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.common import ROOT, data_dir, drop_database, flush_redis, redis_url, throwaway_database

DB_NAME = os.environ.get("POSTERN_BENCH_DB", "postern_bench") + "_profile"
SCOPE = "openid offline_access profile"


def _setup(sqlite):
    cache_url = redis_url(int(os.environ.get("POSTERN_BENCH_REDIS_DB", "13")))
    flush_redis(cache_url)
    if sqlite:
        folder = data_dir() / "token-profile-sqlite"
        folder.mkdir(parents=True, exist_ok=True)
        db_path = folder / "postern.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{db_path}"
    else:
        db_url = throwaway_database(DB_NAME)
    os.environ.update(DATABASE_URL=db_url, REDIS_URL=cache_url, POSTERN_DATA_DIR=str(data_dir() / "postern"),
                      DJANGO_SETTINGS_MODULE="console.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    return db_url


class Flow:
    """A tenant, its native app and an end user signed in to the tenant, driven through the test client."""

    def __init__(self):
        from django.test import Client

        from console.accounts.models import User
        from console.applications.services import application_create
        from console.oidc.sessions import tenant_session_start  # noqa: F401 — the session shape used below
        from console.tenants.services import tenant_create

        admin = User.objects.create_admin(username="profile-admin", password="profile-admin-password-1")
        self.tenant = tenant_create(name="Profile", tag="development", acting_user=admin)
        self.app, _secret = application_create(tenant=self.tenant, name="Bookstore", framework="capacitor-js",
                                               acting_user=admin, redirect_uris=["com.example.app://callback"])
        user = User(tenant=self.tenant, username="reader", name="Rita Reader")
        user.set_password("profile-reader-password-1")
        user.save()
        self.client = Client()
        session = self.client.session
        session[f"postern.tenant.{self.tenant.pk}"] = {"uid": user.uid, "epoch": user.session_epoch,
                                                       "auth_time": int(time.time())}
        session.save()
        self.token_url = f"/t/{self.tenant.pk}/oidc/token"
        from bench.oidc import pkce_pair

        self.verifier, challenge = pkce_pair()
        self.auth_url = f"/t/{self.tenant.pk}/oidc/auth?" + urlencode({
            "client_id": self.app.client_id, "redirect_uri": "com.example.app://callback", "response_type": "code",
            "scope": SCOPE, "state": "st4te", "code_challenge": challenge, "code_challenge_method": "S256"})

    def code(self):
        response = self.client.get(self.auth_url)
        assert response.status_code == 302, response.content[:300]
        return parse_qs(urlsplit(response["Location"]).query)["code"][0]

    def _token(self, form):
        # Form-encoded, as OIDC clients send it (the test client's default, multipart, costs more to parse).
        response = self.client.post(self.token_url, urlencode(form), content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.content[:300]
        return response.json()

    def exchange(self, code):
        return self._token({"grant_type": "authorization_code", "code": code, "code_verifier": self.verifier,
                            "redirect_uri": "com.example.app://callback", "client_id": self.app.client_id})

    def refresh(self, refresh_token):
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token,
                            "client_id": self.app.client_id})["refresh_token"]


def _statements(run):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured.captured_queries]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.token_profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="grants timed (and profiled) per kind (default 200)")
    parser.add_argument("--profile", choices=["code", "refresh"], action="append", default=[],
                        help="cProfile these grants (repeatable)")
    parser.add_argument("--sql", choices=["code", "refresh"], action="append", default=[],
                        help="print every statement of one such grant")
    parser.add_argument("--sqlite", action="store_true", help="on SQLite instead of PostgreSQL")
    parser.add_argument("--top", type=int, default=35, help="profile lines printed (default 35)")
    args = parser.parse_args(argv)
    db_url = _setup(args.sqlite)
    try:
        flow = Flow()
        for _ in range(5):  # warm: URL resolver, caches, the signing key, the connection
            flow.refresh(flow.exchange(flow.code())["refresh_token"])
        report = {"database": "sqlite" if args.sqlite else "postgresql"}
        codes = [flow.code() for _ in range(args.n)]
        chains = [flow.exchange(flow.code())["refresh_token"] for _ in range(args.n)]
        grants = {"code": (lambda i: flow.exchange(codes[i])), "refresh": (lambda i: flow.refresh(chains[i]))}
        for kind, grant in grants.items():
            sql = _statements(lambda: grant(0))
            if kind in args.sql:
                print(f"\n{kind}: {len(sql)} statements")
                for line in sql:
                    print("  ", line[:400])
            # CPU time, not wall time: on a busy machine waiting for the database is not this process's cost.
            profiler = cProfile.Profile(time.process_time) if kind in args.profile else None
            times, cpu = [], []
            for i in range(1, args.n):
                started, started_cpu = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                grant(i)
                if profiler:
                    profiler.disable()
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            report[kind] = {"statements": len(sql), "ms_p50": round(statistics.median(times), 2),
                            "cpu_ms_mean": round(statistics.mean(cpu), 2)}
            print(f"{kind}: {len(sql)} statements, p50 {report[kind]['ms_p50']} ms, "
                  f"CPU {report[kind]['cpu_ms_mean']} ms per grant (mean of {len(times)})")
            if profiler:
                stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
                stats.print_stats(args.top)
                stats.sort_stats("tottime").print_stats(args.top)
        print(json.dumps(report))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.sqlite:
            drop_database(db_url)


if __name__ == "__main__":
    main()
