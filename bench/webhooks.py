"""(w) Webhooks: deliveries per second to a local receiver, and what hooks cost a sign-in.

Postern runs as `make run` runs it (console.launcher: granian, the Celery workers and beat; PostgreSQL and Redis on
the bench's throwaway database), sending to bench/node/webhook_receiver.mjs, a Node receiver that answers 200 after
0 or 100 ms.

- Deliveries/s: DELIVERIES events for one hook are written in one transaction (webhooks.delivery.deliveries_create,
  what an emitter does, in a helper process with Postern's environment) and published on commit; the rate is from
  the first to the last arrival at the receiver, then every row is checked SUCCEEDED.
- Sign-in latency: the hosted page's password sign-in POST (→ 302 with a code) in three tenants, one sign-in in each
  in turn (so the machine's drift is shared), SIGN_INS each, a fresh browser every time: no hook; 10 hooks
  subscribed to PostSignIn at a receiver answering in 0 ms; 10 hooks at a receiver answering in 100 ms. The password
  hash (PBKDF2) dominates a sign-in and varies with the machine's load, so the hooks' own cost is also timed alone:
  the PostSignIn event emitted in a helper process for the tenant without and with 10 hooks, EMITS each, in turn.

Run as part of `python -m bench` (`--only webhooks`); `python -m bench.webhooks` runs it alone.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

import requests

from bench.common import PY, ROOT, cpu_seconds, data_dir, fmt, free_port, table, wait_for_port
from bench.oidc import NODE_DIR, Postern, pkce_pair

DELIVERIES = {0: 3000, 100: 2000}
SIGN_INS = 40
EMITS = 200
HOOKS = 10
BENCH_USERNAME, BENCH_PASSWORD = "webhook-bench", "webhook-bench-password-1"


def _percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values))) - 1))] if values else None


class Receiver:
    def __init__(self, log_dir, name):
        self.port = free_port()
        self.log = open(log_dir / f"{name}.log", "w")
        self.proc = subprocess.Popen(["node", "webhook_receiver.mjs", str(self.port)], cwd=NODE_DIR, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_for_port(self.port, proc=self.proc)
        self.url = f"http://127.0.0.1:{self.port}/hooks"

    def reset(self, latency_ms):
        requests.post(f"http://127.0.0.1:{self.port}/reset?latency={latency_ms}", timeout=10)

    def stats(self):
        return requests.get(f"http://127.0.0.1:{self.port}/stats", timeout=10).json()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def _helper(postern, *args):
    done = subprocess.run([PY, "-m", "bench.webhooks", "--helper", *map(str, args)], cwd=ROOT, env=postern.env,
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _deliveries_per_second(postern, receiver, latency_ms, count, log):
    receiver.reset(latency_ms)
    [hook_id] = _helper(postern, "hooks", 1, receiver.url, "User.Created")["hooks"]
    workers = postern.process_groups()["worker"]
    worker_cpu = cpu_seconds(workers)
    emitted = _helper(postern, "emit", hook_id, count)
    deadline = time.monotonic() + 600
    while (stats := receiver.stats())["unique"] < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{stats['unique']} of {count} deliveries reached the receiver in 10 minutes")
        time.sleep(0.2)
    first, last = stats["first"] / 1000, stats["last"] / 1000
    worker_ms = 1000 * (cpu_seconds(workers) - worker_cpu) / count
    statuses = _helper(postern, "status", hook_id)
    _helper(postern, "delete", hook_id)
    result = {"latency_ms": latency_ms, "deliveries": count, "seconds": round(last - first, 2),
              "per_second": round((count - 1) / (last - first), 1), "requests": stats["count"],
              "end_to_end_s": round(last - emitted["started_at"], 2), "write_ms": emitted["write_ms"],
              "publish_ms": emitted["publish_ms"], "worker_cpu_ms": round(worker_ms, 1), "statuses": statuses}
    log(f"  {count} deliveries at {latency_ms} ms: {result['per_second']}/s, statuses {statuses}")
    return result


def _sign_in_once(base, tenant):
    endpoint = f"{base}/t/{tenant['tenant_id']}"
    session = requests.Session()
    _verifier, challenge = pkce_pair()
    answer = session.get(f"{endpoint}/oidc/auth", params={
        "client_id": tenant["client_id"], "redirect_uri": tenant["redirect_uri"], "response_type": "code",
        "scope": "openid offline_access profile", "state": "bench", "code_challenge": challenge,
        "code_challenge_method": "S256"}, allow_redirects=False, timeout=30)
    page = session.get(base + answer.headers["Location"], timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    query = urlsplit(page.url).query
    started = time.perf_counter()
    signed_in = session.post(f"{endpoint}/sign-in?{query}", data={
        "csrfmiddlewaretoken": csrf, "identifier": BENCH_USERNAME, "password": BENCH_PASSWORD},
        headers={"Referer": page.url}, allow_redirects=False, timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    if signed_in.status_code != 302 or "code=" not in signed_in.headers.get("Location", ""):
        raise RuntimeError(f"sign-in answered {signed_in.status_code}: {signed_in.text[:300]}")
    return elapsed


def _summary(label, times):
    return {"variant": label, "count": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 95), 1), "max_ms": round(max(times), 1)}


def _sign_in_latency(base, variants, log):
    """variants: [(label, tenant)]; one sign-in in each in turn."""
    times = {label: [] for label, _tenant in variants}
    for label, tenant in variants:
        _sign_in_once(base, tenant)  # warm
    for _ in range(SIGN_INS):
        for label, tenant in variants:
            times[label].append(_sign_in_once(base, tenant))
    results = [_summary(label, times[label]) for label, _tenant in variants]
    for result in results:
        log(f"  sign-in, {result['variant']}: p50 {result['p50_ms']} ms")
    return results


def run(log=print):
    log_dir = data_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    receiver, slow_receiver = Receiver(log_dir, "webhook-receiver"), Receiver(log_dir, "webhook-receiver-slow")
    postern = None
    try:
        postern = Postern(log_dir)
        postern.wait_ready()
        base = f"http://127.0.0.1:{postern.port}"
        bare = _helper(postern, "tenant", "bare", 0, "-")
        throughput = [_deliveries_per_second(postern, receiver, latency, count, log)
                      for latency, count in DELIVERIES.items()]
        receiver.reset(0)
        slow_receiver.reset(100)
        hooked = _helper(postern, "tenant", "hooked", HOOKS, receiver.url)
        hooked_slow = _helper(postern, "tenant", "hooked-slow", HOOKS, slow_receiver.url)
        sign_in = _sign_in_latency(base, [("no hook", bare), (f"{HOOKS} hooks, receiver 0 ms", hooked),
                                          (f"{HOOKS} hooks, receiver 100 ms", hooked_slow)], log)
        emit = _helper(postern, "emit-cost", bare["tenant_id"], hooked["tenant_id"])
        log(f"  PostSignIn emitted: p50 {emit[0]['p50_ms']} ms without hooks, {emit[1]['p50_ms']} ms with {HOOKS}")
        deadline = time.monotonic() + 120
        hook_ids = hooked["hooks"] + hooked_slow["hooks"]
        while (delivered := _helper(postern, "status", *hook_ids)).keys() - {"SUCCEEDED"}:
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        return {"throughput": throughput, "sign_in": sign_in, "emit": emit, "sign_in_deliveries": delivered,
                "web": postern.web_cmdline, "worker": postern.worker_cmdline}
    finally:
        if postern:
            postern.stop()
        receiver.stop()
        slow_receiver.stop()


def tables(result):
    first = table(["receiver latency", "deliveries", "deliveries/s (first → last arrival)", "worker CPU ms each",
                   "written in ms", "published in ms", "write → last arrival s", "outcome"],
                  [[f"{r['latency_ms']} ms", f"{r['deliveries']:,}", fmt(r["per_second"], 0), fmt(r["worker_cpu_ms"]),
                    fmt(r["write_ms"], 0), fmt(r["publish_ms"], 0), fmt(r["end_to_end_s"], 2),
                    ", ".join(f"{n} {s}" for s, n in r["statuses"].items())] for r in result["throughput"]])
    second = table(["sign-in (hosted page, password POST → 302)", "p50 ms", "p95 ms", "max ms"],
                   [[r["variant"], fmt(r["p50_ms"]), fmt(r["p95_ms"]), fmt(r["max_ms"])] for r in result["sign_in"]])
    third = table(["the PostSignIn event alone (listener: rows + publish)", "p50 ms", "p95 ms", "max ms"],
                  [[r["variant"], fmt(r["p50_ms"], 2), fmt(r["p95_ms"], 2), fmt(r["max_ms"], 2)]
                   for r in result["emit"]])
    return f"{first}\n\n{second}\n\n{third}"


# --- The helper, run with Postern's environment -------------------------------------------------------------------


def helper(command, *args):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    import django

    django.setup()
    from django.db import transaction

    from console.accounts.models import User
    from console.applications.services import application_create
    from console.tenants.models import Tenant
    from console.tenants.services import tenant_create
    from demo.management.commands.seed_demo import REDIRECT_URI, TENANT_NAME
    from webhooks import delivery, payloads, services
    from webhooks.models import Hook, HookDelivery

    tenant = Tenant.objects.filter(name=TENANT_NAME).order_by("created_at").first()
    owner = tenant.memberships.order_by("pk").first().user
    if command == "tenant":
        name, hooks, url = args[0], int(args[1]), args[2]
        other = tenant_create(name=f"Webhook bench {name}", tag=Tenant.Tag.DEVELOPMENT, acting_user=owner)
        app, _secret = application_create(tenant=other, name="Bench app", framework="capacitor-js",
                                          acting_user=owner, redirect_uris=[REDIRECT_URI])
        user = User(tenant=other, username=BENCH_USERNAME)
        user.set_password(BENCH_PASSWORD)
        user.save()
        ids = [services.hook_create(tenant=other, acting_user=owner, name=f"bench {n}", url=url,
                                    events=["PostSignIn"])[0].pk for n in range(hooks)]
        return {"tenant_id": other.pk, "client_id": app.client_id, "redirect_uri": REDIRECT_URI, "hooks": ids}
    if command == "emit-cost":
        return _emit_cost([Tenant.objects.get(pk=pk) for pk in args])
    if command == "hooks":
        count, url, event = int(args[0]), args[1], args[2]
        return {"hooks": [services.hook_create(tenant=tenant, acting_user=owner, name=f"bench {n}", url=url,
                                               events=[event])[0].pk for n in range(count)]}
    if command == "emit":
        hook_id, count = args[0], int(args[1])
        user = User.objects.filter(tenant__name__startswith="Webhook bench", username=BENCH_USERNAME).first()
        started_at, started = time.time(), time.perf_counter()
        with transaction.atomic():
            for _ in range(count):
                payload = payloads.event_payload("User.Created", {"user": user, "actor": owner})
                delivery.deliveries_create(tenant=tenant, hook_ids=[hook_id], event="User.Created", payload=payload)
            written = time.perf_counter()
        published = time.perf_counter()  # the commit ran the on-commit publishes
        return {"started_at": started_at, "write_ms": round((written - started) * 1000, 1),
                "publish_ms": round((published - written) * 1000, 1)}
    if command == "status":
        rows = HookDelivery.objects.filter(hook_id__in=args).values_list("status", flat=True)
        return {status: list(rows).count(status) for status in sorted(set(rows))}
    if command == "delete":
        Hook.objects.filter(pk__in=args).delete()
        return {}
    raise SystemExit(f"unknown helper command {command!r}")


def _emit_cost(tenants):
    """The PostSignIn event as the hosted page emits it (autocommit: the rows are written and the task published
    before it returns), for each tenant in turn; p50/p95 per tenant."""
    from console import events
    from console.accounts.models import User

    subjects = [(tenant, User.objects.get(tenant=tenant, username=BENCH_USERNAME),
                 tenant.applications.order_by("created").first()) for tenant in tenants]
    times = [[] for _ in subjects]
    for round_number in range(EMITS + 1):
        for index, (tenant, user, app) in enumerate(subjects):
            started = time.perf_counter()
            events.interaction_completed(tenant=tenant, interaction="SignIn", user=user, application=app,
                                         ip="127.0.0.1", user_agent="bench", session_id="bench-session")
            if round_number:  # the first round warms the cache and the connections
                times[index].append((time.perf_counter() - started) * 1000)
    return [_summary(f"{tenant.hooks.count()} hooks", values) for (tenant, _u, _a), values in zip(subjects, times)]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--helper":
        print(json.dumps(helper(*sys.argv[2:])))
    else:
        outcome = run()
        print(tables(outcome))
