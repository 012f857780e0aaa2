"""(b) The SMS-code pipeline as end users drive it: the hosted page's send-code endpoint → code row + SMS row →
Redis → the Celery worker → the official Tencent SDK → the project's Tencent emulator, which answers after 100 ms.

Postern runs as `make run` runs it (console.launcher: granian + the Celery worker; PostgreSQL and Redis from the
environment on a throwaway database), pointed at an emulator this bench starts with `--latency-ms 100`. The demo
tenant gets its Tencent connector and phone sign-in from `seed_demo --sms-…`, and its code limits raised
(bench/postern_setup.py --raise-code-limits). bench/node/sms_loadgen.mjs then plays `concurrency` people on the
sign-in page, each asking for codes for distinct numbers, `requests` in all.

Reported: the send-code endpoint's own latency (POST → 302), codes per second that reach the emulator, and the
time from a person's POST to the emulator receiving that number's SendSms (p50/p99).
"""
import json
import os
import secrets
import subprocess
import time
from urllib.parse import urlencode

import requests

from bench.common import PY, ROOT, cpu_seconds, data_dir, free_port, wait_for_port
from bench.oidc import NODE_DIR, Postern, pkce_pair

KEY_ID, SECRET = "AKIDpostern-bench", secrets.token_urlsafe(24)  # a throwaway credential per run
FIRST_NUMBER = 13_900_000_000


def _percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values))) - 1))] if values else None


class Emulator:
    def __init__(self, latency_ms, log_dir):
        self.port = free_port()
        self.log = open(log_dir / "sms-emulator.log", "w")
        self.proc = subprocess.Popen([PY, "manage.py", "tencent_sms_emulator", "--port", str(self.port),
                                      "--credential", f"{KEY_ID}={SECRET}", "--latency-ms", str(latency_ms),
                                      "--accept-anything"],
                                     cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, proc=self.proc)
        self.url = f"http://127.0.0.1:{self.port}"

    def received(self):
        return requests.get(f"{self.url}/__emulator__/requests", timeout=30).json()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def _configure(postern):
    subprocess.run([PY, "manage.py", "seed_demo", f"--sms-access-key-id={KEY_ID}",
                    f"--sms-access-key-secret={SECRET}", "--sms-sdk-app-id=1400000000", "--sms-sign-name=Postern"],
                   cwd=ROOT, env=postern.env, check=True, capture_output=True)
    done = subprocess.run([PY, str(ROOT / "bench" / "postern_setup.py"), "--raise-code-limits"], cwd=ROOT,
                          env=postern.env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wait_for_all(emulator, phones, seconds=120):
    deadline = time.monotonic() + seconds
    while True:
        records = emulator.received()
        got = {phone: r["received"] for r in records if r.get("response_code") == "Ok" for phone in r["phones"]}
        if phones <= got.keys() or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def run(requests_total=3000, concurrency=10, latency_ms=100, log=print):
    log_dir = data_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    emulator = Emulator(latency_ms, log_dir)
    postern = None
    try:
        postern = Postern(log_dir, extra_env={"TENCENT_SMS_ENDPOINT": emulator.url})
        postern.wait_ready()
        info = _configure(postern)
        _verifier, challenge = pkce_pair()
        query = urlencode({
            "client_id": info["client_id"], "redirect_uri": info["redirect_uri"], "response_type": "code",
            "scope": "openid offline_access profile", "state": "bench", "code_challenge": challenge,
            "code_challenge_method": "S256"})
        config = {"base": f"http://127.0.0.1:{postern.port}", "sign_in_path": f"/t/{info['tenant_id']}/sign-in",
                  "code_path": f"/t/{info['tenant_id']}/sign-in/code", "query": query,
                  "requests": requests_total, "concurrency": concurrency, "first_number": FIRST_NUMBER}
        groups = dict(postern.process_groups(), emulator=[emulator.proc.pid])
        cpu0 = {name: cpu_seconds(pids) for name, pids in groups.items()}
        started = time.monotonic()
        done = subprocess.run(["node", "sms_loadgen.mjs", json.dumps(config)], cwd=NODE_DIR, check=True,
                              capture_output=True, text=True)
        load = json.loads(done.stdout)
        sent = [r for r in load["requests"] if r["status"] == 302]
        received = _wait_for_all(emulator, {r["phone"] for r in sent})
        elapsed = time.monotonic() - started
        cpu = {name: cpu_seconds(pids) - cpu0[name] for name, pids in groups.items()}
        times = sorted(received.values())
        reach = [(received[r["phone"]] * 1000 - r["start"]) for r in sent if r["phone"] in received]
        endpoint = [r["end"] - r["start"] for r in sent]
        errors = {}
        for r in load["requests"]:
            if r["status"] != 302:
                errors[r["error"]] = errors.get(r["error"], 0) + 1
        result = {
            "requests": requests_total, "concurrency": concurrency, "latency_ms": latency_ms,
            "accepted": len(sent), "errors": errors, "received": len(received),
            "send_rps": len(load["requests"]) / load["seconds"],
            "codes_per_s": (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else None,
            "endpoint_p50_ms": _percentile(endpoint, 50), "endpoint_p95_ms": _percentile(endpoint, 95),
            "endpoint_p99_ms": _percentile(endpoint, 99),
            "reach_p50_ms": _percentile(reach, 50), "reach_p99_ms": _percentile(reach, 99),
            "loadgen_cpu_pct": load["loadgen_cpu_pct"],
            "cpu_ms_per_code": {name: round(1000 * seconds / max(1, len(received)), 2)
                                for name, seconds in cpu.items()},
            "seconds": round(elapsed, 1),
            "web": postern.web_cmdline, "worker": postern.worker_cmdline,
        }
        log(f"  {result['accepted']}/{requests_total} send-code requests accepted from {concurrency} users "
            f"({result['send_rps']:.0f}/s); {result['received']} SendSms received at the emulator")
        return result
    finally:
        if postern:
            postern.stop()
        emulator.stop()


def table(result):
    from bench.common import fmt, table as render

    return render(["users", "send-code req/s", "endpoint p50 ms", "p95 ms", "p99 ms", "codes/s at emulator",
                   "request→SendSms p50 ms", "p99 ms", "errors", "CPU ms/code: web / worker / emulator"],
                  [[result["concurrency"], fmt(result["send_rps"], 0), fmt(result["endpoint_p50_ms"]),
                    fmt(result["endpoint_p95_ms"]), fmt(result["endpoint_p99_ms"]), fmt(result["codes_per_s"], 0),
                    fmt(result["reach_p50_ms"], 0), fmt(result["reach_p99_ms"], 0), sum(result["errors"].values()),
                    " / ".join(fmt(result["cpu_ms_per_code"][name]) for name in ("web", "worker", "emulator"))]])


def verdict(result):
    rate_ok = (result["codes_per_s"] or 0) >= 300
    p99_ok = result["endpoint_p99_ms"] is not None and result["endpoint_p99_ms"] < 50
    return "\n".join([
        f"  {'met ' if rate_ok else 'MISS'}  {fmt_num(result['codes_per_s'])} codes/s reach the emulator at "
        f"{result['latency_ms']} ms provider latency (target ≥ 300)",
        f"  {'met ' if p99_ok else 'MISS'}  send-code p99 {fmt_num(result['endpoint_p99_ms'], 1)} ms (target < 50 ms)",
    ])


def fmt_num(value, digits=0):
    return "–" if value is None else f"{value:,.{digits}f}"


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    outcome = run()
    print(table(outcome))
    print(verdict(outcome))
