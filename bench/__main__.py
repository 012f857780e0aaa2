"""`make bench` / `python -m bench`: Postern's benchmarks, bounded, loopback only.

  (a) OIDC endpoints, Postern (as `make run` serves it) against oidc-provider 9 in the same run, on PostgreSQL
      (Logto's table shape) and in memory, with code-exchange bursts of 20 and 80                — bench/oidc.py
  (s) Postern on `make run`'s SQLite default: refresh and code exchange at 1 and 10 clients      — bench/oidc.py
  (b) the SMS-code pipeline through the hosted send-code endpoint — bench/sms_pipeline.py
  (c) console list pages with 10,000 rows — bench/console_pages.py
  (e) the SMS dashboard at 100,000 and 1,000,000 message rows — bench/sms_dashboard.py
  (f) the Management API at 10,000 users, beside the console's users page; token + first call — bench/management_api.py
  (w) webhooks: deliveries/s to a local receiver at 0 and 100 ms, sign-in latency with 10 hooks — bench/webhooks.py

Prints tables and writes everything to data/bench/<timestamp>.json (POSTERN_BENCH_DATA_DIR overrides the folder).
Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); `make bench` provides them like `make test` does.
No timing is asserted anywhere: the bench reports, people judge.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

from bench import oidc, sms_pipeline, webhooks
from bench.common import PY, ROOT, busy_fraction, data_dir, fmt, machine, table

TARGETS = {"discovery": 1.0, "code": 1.0, "refresh": 1.0, "userinfo": 1.0}


def oidc_tables(report):
    rows = []
    for endpoint, c, p, pg, mem, ratio_pg, ratio_mem in oidc.ratio_rows(report):
        def cells(r):
            return [fmt(r["rps"], 0), fmt(r["p50_ms"]), fmt(r["p99_ms"])] if r else ["–"] * 3

        rows.append([oidc.LABELS[endpoint], c, *cells(p), *cells(pg), f"{ratio_pg:.2f}×" if ratio_pg else "–",
                     *cells(mem), f"{ratio_mem:.2f}×" if ratio_mem else "–",
                     sum((r["errors"] or 0) for r in (p, pg, mem) if r),
                     f"{fmt(max((r['loadgen_cpu_pct'] or 0) for r in (p, pg, mem) if r), 0)}%"])
    return table(["endpoint", "c", "Postern req/s", "p50 ms", "p99 ms", "oidc-provider PG req/s", "p50 ms", "p99 ms",
                  "Postern/PG", "oidc-provider memory req/s", "p50 ms", "p99 ms", "Postern/memory", "errors",
                  "loadgen CPU"], rows)


def _by_round(postern, anchor):
    """Postern/anchor round by round (rounds run interleaved, so each pair shared the machine's moment)."""
    pairs = list(zip(postern.get("rps_rounds", []), (anchor or {}).get("rps_rounds", [])))
    if len(pairs) < 2:
        return ""
    return "; round by round: " + " / ".join(f"{p / a:.2f}×" for p, a in pairs if a)


def oidc_verdict(report):
    lines = []
    for endpoint, c, p, pg, mem, ratio, _ in oidc.ratio_rows(report):
        if endpoint in TARGETS and c == oidc.TARGET_CONCURRENCY:
            ok = ratio is not None and ratio >= TARGETS[endpoint]
            shown = f"{ratio:.2f}×" if ratio is not None else "–"
            lines.append(f"  {'met ' if ok else 'MISS'}  {oidc.LABELS[endpoint]} at {c} concurrent: {shown} "
                         f"oidc-provider on PostgreSQL (target ≥ {TARGETS[endpoint]:.1f}×)" + _by_round(p, pg))
        if endpoint == "code" and c == oidc.TARGET_CONCURRENCY:
            ok = p["p99_ms"] is not None and p["p99_ms"] < 50
            lines.append(f"  {'met ' if ok else 'MISS'}  code exchange p99 at {c} concurrent: {fmt(p['p99_ms'])} ms "
                         "(target < 50 ms)")
        if endpoint == "burst":
            ok = ratio is not None and ratio >= 1.0
            shown = f"{ratio:.2f}×" if ratio is not None else "–"
            lines.append(f"  {'met ' if ok else 'MISS'}  code burst of {c}: {shown} oidc-provider on PostgreSQL "
                         f"(target ≥ 1.0×)")
    return "\n".join(lines)


def sqlite_table(report):
    rows = []
    for r in report["results"]:
        what = f"burst {r['burst']}" if r["endpoint"] == "code_burst" else f"{oidc.LABELS[r['endpoint']]}"
        c = r["burst"] if r["endpoint"] == "code_burst" else r["concurrency"]
        rows.append([what, c, fmt(r["rps"], 0), fmt(r["p50_ms"]), fmt(r["p95_ms"]), fmt(r["p99_ms"]),
                     fmt(r["max_ms"]), r["errors"]])
    return table(["endpoint", "c", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"], rows)


def sqlite_verdict(report):
    lines = []
    for r in report["results"]:
        if r["endpoint"] == "refresh" and r["concurrency"] == 10:
            ok = r["errors"] == 0 and r["p99_ms"] is not None and r["p99_ms"] < 250
            lines.append(f"  {'met ' if ok else 'MISS'}  SQLite refresh at 10 concurrent: {r['errors']} errors, "
                         f"p99 {fmt(r['p99_ms'])} ms (target: no errors, p99 < 250 ms)")
    return "\n".join(lines)


def console_table(report):
    rows = []
    small, big = f"at_{report['rows_small']}", f"at_{report['rows']}"
    for name, page in report["pages"].items():
        rows.append([name, fmt(page[small]["p50_ms"]), page[small]["queries"], fmt(page[big]["p50_ms"]),
                     page[big]["queries"], fmt(page[f"{big}_last_page"]["p50_ms"]), page[f"{big}_last_page"]["queries"]])
    return table(["page", f"p50 ms ({report['rows_small']:,} rows)", "queries", f"p50 ms ({report['rows']:,} rows)",
                  "queries", "p50 ms (last page)", "queries"], rows)


def console_verdict(report):
    lines = []
    for name, page in report["pages"].items():
        big = page[f"at_{report['rows']}"]
        ok = big["p50_ms"] < 100 and big["queries"] <= 10
        lines.append(f"  {'met ' if ok else 'MISS'}  {name}: p50 {big['p50_ms']:.1f} ms, {big['queries']} queries "
                     "(target < 100 ms, ≤ 10 queries)")
    if not report["messages_page"]:
        lines.append("  skip  messages: no messages list page in the connectors app yet")
    return "\n".join(lines)


def run_module(module):
    """Run a bench module in its own process (its own Django set-up) and return the JSON line it prints last."""
    done = subprocess.run([PY, "-m", module], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["oidc", "sqlite", "sms", "console", "dashboard", "api", "webhooks"],
                        action="append",
                        help="run only these sections (repeatable); default: all")
    parser.add_argument("--duration", type=float, default=3.0, help="timed seconds per OIDC run (default 3)")
    parser.add_argument("--warmup", type=float, default=0.5, help="untimed seconds before each OIDC run")
    parser.add_argument("--endpoint", action="append", choices=oidc.ENDPOINTS,
                        help="OIDC endpoints (repeatable; 'burst' = the code-exchange bursts of 20 and 80)")
    parser.add_argument("--concurrency", type=int, action="append", help="OIDC client counts (repeatable)")
    parser.add_argument("--rounds", type=int, default=oidc.TARGET_ROUNDS,
                        help=f"rounds of each OIDC cell at {oidc.TARGET_CONCURRENCY} clients, the median kept "
                             f"(default {oidc.TARGET_ROUNDS})")
    parser.add_argument("--hold", action="store_true", help="start the OIDC servers, then wait for Enter (profiling)")
    parser.add_argument("--sms-requests", type=int, default=3000, help="send-code requests (default 3000)")
    parser.add_argument("--sms-users", type=int, default=10, help="concurrent people asking for codes (default 10)")
    parser.add_argument("--sms-latency-ms", type=int, default=100, help="emulator latency (default 100)")
    args = parser.parse_args(argv)
    sections = args.only or ["oidc", "sqlite", "sms", "console", "dashboard", "api", "webhooks"]
    started = time.monotonic()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = data_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    info = machine()
    report = {"started": stamp, "machine": info, "sections": {}}
    print(f"Postern bench — {info.get('cpu', '?')}, {info['cores']} cores, {info.get('ram_gib', '?')} GiB RAM, "
          f"Python {info['python']}, Node {info.get('node')}")
    failures = []
    busy = busy_fraction()
    report["busy_before_pct"] = round(100 * busy, 1)
    if busy > 0.2:
        print(f"  WARNING: the machine is already {100 * busy:.0f}% busy before the bench starts; every number "
              "below is lower and noisier than on an idle machine.")

    if "oidc" in sections:
        print("\n(a) OIDC: Postern on PostgreSQL + Redis vs oidc-provider 9 on PostgreSQL (Logto's table) and in "
              "memory (requests/s and latency; c = concurrent clients, or the burst size)")
        try:
            result = oidc.run(duration=args.duration, warmup=args.warmup, endpoints=args.endpoint,
                              concurrency=args.concurrency, hold=args.hold, rounds=args.rounds)
            report["sections"]["oidc"] = result
            print()
            print(oidc_tables(result))
            print(f"\n  Postern: {result['postern']['web']}")
            print(oidc_verdict(result))
        except Exception as exc:  # noqa: BLE001 — report and go on with the other sections
            failures.append(f"oidc: {exc}")
            print(f"  OIDC section failed: {exc}")

    if "sqlite" in sections:
        print("\n(s) Postern on `make run`'s SQLite default (no DATABASE_URL, no REDIS_URL)")
        try:
            result = oidc.run_sqlite(duration=args.duration, warmup=args.warmup, hold=args.hold)
            report["sections"]["sqlite"] = result
            print()
            print(sqlite_table(result))
            print(sqlite_verdict(result))
        except Exception as exc:  # noqa: BLE001
            failures.append(f"sqlite: {exc}")
            print(f"  SQLite section failed: {exc}")

    if "sms" in sections:
        print(f"\n(b) SMS-code pipeline: hosted send-code endpoint → Celery → Tencent SDK → emulator "
              f"({args.sms_latency_ms} ms latency)")
        try:
            result = sms_pipeline.run(requests_total=args.sms_requests, concurrency=args.sms_users,
                                      latency_ms=args.sms_latency_ms)
            report["sections"]["sms"] = result
            print(sms_pipeline.table(result))
            print(f"  Postern: {result['web']}\n           {result['worker']}")
            print(sms_pipeline.verdict(result))
        except Exception as exc:  # noqa: BLE001
            failures.append(f"sms: {exc}")
            print(f"  SMS section failed: {exc!r}")

    if "console" in sections:
        print("\n(c) Console list pages (in-process test client, PostgreSQL, p50 of 25 renders)")
        try:
            result = run_module("bench.console_pages")
            report["sections"]["console"] = result
            print(console_table(result))
            print(console_verdict(result))
        except Exception as exc:  # noqa: BLE001
            failures.append(f"console: {exc}")
            print(f"  Console section failed: {exc}")

    if "dashboard" in sections:
        print("\n(e) SMS dashboard (in-process test client, PostgreSQL, p50 of 15 renders per period)")
        try:
            result = run_module("bench.sms_dashboard")
            report["sections"]["dashboard"] = result
            print(table(["rows", "period", "p50 ms", "max ms", "queries"], [
                [f"{int(rows):,}", period, fmt(cell["p50_ms"]), fmt(cell["max_ms"]), cell["queries"]]
                for rows, entry in result["results"].items() for period, cell in entry["periods"].items()]))
        except Exception as exc:  # noqa: BLE001
            failures.append(f"dashboard: {exc}")
            print(f"  Dashboard section failed: {exc}")

    if "api" in sections:
        print("\n(f) Management API at 10,000 users (in-process test client, PostgreSQL, p50 of 25 requests), "
              "beside the console's users page")
        try:
            result = run_module("bench.management_api")
            report["sections"]["api"] = result
            rows = [[f"GET /api/users ({name})", fmt(cell["p50_ms"]), fmt(cell["max_ms"]), cell["queries"]]
                    for name, cell in result["api"].items()]
            page = result["console_users_page"]
            rows.append(["console users page (anchor)", fmt(page["p50_ms"]), fmt(page["max_ms"]), page["queries"]])
            print(table(["request", "p50 ms", "max ms", "queries"], rows))
            print(f"  token (client credentials, JWT): p50 {fmt(result['token_ms_p50'])} ms; first call with it: "
                  f"p50 {fmt(result['first_call_ms_p50'])} ms")
        except Exception as exc:  # noqa: BLE001
            failures.append(f"api: {exc}")
            print(f"  Management API section failed: {exc}")

    if "webhooks" in sections:
        print("\n(w) Webhooks: deliveries to a local receiver through the Celery workers, and the hosted sign-in "
              "with hooks subscribed")
        try:
            result = webhooks.run()
            report["sections"]["webhooks"] = result
            print(webhooks.tables(result))
        except Exception as exc:  # noqa: BLE001
            failures.append(f"webhooks: {exc}")
            print(f"  Webhooks section failed: {exc!r}")

    report["seconds"] = round(time.monotonic() - started, 1)
    report["failures"] = failures
    path = out_dir / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nWrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} in {report['seconds']}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
