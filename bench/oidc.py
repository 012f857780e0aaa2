"""(a) OIDC: Postern, served the way `make run` serves it, against oidc-provider 9 in its own Node process.

Both run on this machine at the same time, each on a loopback port; one load generator (bench/node/loadgen.mjs,
closed-loop clients on keep-alive connections) drives one of them at a time, endpoint by endpoint, interleaved
(Postern c=1, oidc-provider c=1, Postern c=10, ...), so drift in the machine hits both alike.

Postern: `python -m console.launcher` — migrate, seed_demo, collectstatic, granian `console.wsgi` with the
launcher's worker settings, the Celery worker and the SMS sandbox — on a throwaway PostgreSQL database on
DATABASE_URL's server and its own Redis database number on REDIS_URL's server, DEBUG off as always.
The client is the seeded Bookstore app (native, public, PKCE S256); codes come from the real authorization
endpoint (GET /auth with the demo user's session cookie → 302 with a code), minted right before each timed
exchange run because codes live 60 s. Refresh and userinfo use 50 chains/tokens from untimed exchanges.

oidc-provider: see bench/node/oidc_provider_server.mjs (same client shape, scopes, lifetimes, RS256 2048-bit,
refresh rotation; in-memory storage; codes saved through its models since it has no login UI here).
"""
import json
import math
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from bench.common import (PY, ROOT, cmdline, cpu_seconds, data_dir, descendants, drop_database, flush_redis,
                          free_port, redis_url, throwaway_database, wait_for_port)

NODE_DIR = ROOT / "bench" / "node"
ENDPOINTS = ["discovery", "jwks", "userinfo", "refresh", "code"]
LABELS = {"discovery": "discovery", "jwks": "JWKS", "code": "code exchange", "refresh": "refresh grant",
          "userinfo": "userinfo"}
CONCURRENCY = [1, 10, 50]
SCOPE = "openid offline_access profile"
BENCH_DB = "postern_bench"
BENCH_REDIS_DB = int(os.environ.get("POSTERN_BENCH_REDIS_DB", "13"))


def ensure_node_modules():
    marker = NODE_DIR / "node_modules" / ".package-lock.json"
    lock = NODE_DIR / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR, check=True)


def pkce_pair():
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class Postern:
    """`make run`'s launcher on a throwaway database; stopped with SIGTERM like Ctrl-C."""

    def __init__(self, log_dir, extra_env=None):
        self.port = free_port()
        self.db_url = throwaway_database(BENCH_DB)
        self.redis_url = redis_url(BENCH_REDIS_DB)
        flush_redis(self.redis_url)
        self.env = dict(os.environ, PORT=str(self.port), DATABASE_URL=self.db_url, REDIS_URL=self.redis_url,
                        POSTERN_DATA_DIR=str(data_dir() / "postern"), POSTERN_SMS_SANDBOX_PORT=str(free_port()),
                        POSTERN_CELERY_QUEUE=f"bench-{os.getpid()}")
        for name in ("POSTERN_PUBLIC_URL", "TENCENT_SMS_ENDPOINT", "POSTERN_SMS_SANDBOX_INBOX_URL"):
            self.env.pop(name, None)
        self.env.update(extra_env or {})
        self.log_path = log_dir / "postern.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([PY, "-m", "console.launcher"], cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, seconds=120):
        deadline = time.monotonic() + seconds
        while "Press Ctrl-C" not in self.log_path.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Postern did not start; see {self.log_path}:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        wait_for_port(self.port, proc=self.proc)
        setup = subprocess.run([PY, str(ROOT / "bench" / "postern_setup.py")], cwd=ROOT, env=self.env,
                               capture_output=True, text=True, check=True)
        self.info = json.loads(setup.stdout.strip().splitlines()[-1])
        groups = self.process_groups()
        web, workers = groups["web"], groups["worker"]
        self.web_workers = len(web) - 1 if web else 0
        self.web_cmdline = cmdline(web[0]).replace(str(ROOT) + "/", "") if web else ""
        nodes = sorted({re.search(r"-n (\S+)", cmdline(p)).group(1) for p in workers if " -n " in cmdline(p)})
        self.worker_cmdline = (f"{len(nodes)} × " + cmdline(workers[0]).replace(str(ROOT) + "/", "")
                               if workers else "")
        return self.info

    def target(self):
        base = f"http://127.0.0.1:{self.port}"
        prefix = f"/t/{self.info['tenant_id']}/oidc"
        return {"base": base, "discovery_path": f"{prefix}/.well-known/openid-configuration",
                "jwks_path": f"{prefix}/jwks", "token_path": f"{prefix}/token", "userinfo_path": f"{prefix}/me",
                "auth_path": f"{prefix}/auth", "client_id": self.info["client_id"],
                "redirect_uri": self.info["redirect_uri"], "cookie": self.info["cookie"], "mint": "authorize"}

    def pids(self):
        return [self.proc.pid, *descendants(self.proc.pid)]

    def process_groups(self):
        """The web server's processes and the Celery workers' (beat included), by pid."""
        pids = sorted(descendants(self.proc.pid))
        return {"web": [p for p in pids if "granian" in cmdline(p)],
                "worker": [p for p in pids if "celery" in cmdline(p)]}

    def stop(self):
        children = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the launcher stops its children like on Ctrl-C
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
            time.sleep(0.2)
        for pid in children:  # whatever the launcher left behind (all started by this bench)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
        try:
            drop_database(self.db_url)
        except Exception as exc:  # noqa: BLE001 — a leftover throwaway database is dropped by the next run
            print(f"  (could not drop {BENCH_DB}: {exc})")


class OidcProvider:
    def __init__(self, log_dir):
        self.port = free_port()
        self.log = open(log_dir / "oidc-provider.log", "w")
        self.proc = subprocess.Popen(["node", "oidc_provider_server.mjs", f"--port={self.port}"], cwd=NODE_DIR,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.info = json.loads(self.proc.stdout.readline())
        wait_for_port(self.port, proc=self.proc)

    def target(self):
        return {"base": f"http://127.0.0.1:{self.port}", "discovery_path": "/.well-known/openid-configuration",
                "jwks_path": "/jwks", "token_path": "/token", "userinfo_path": "/me", "auth_path": "/auth",
                "client_id": self.info["client_id"], "redirect_uri": self.info["redirect_uri"], "mint": "model"}

    def pids(self):
        return [self.proc.pid]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class LoadGen:
    def __init__(self, targets, verifier, challenge):
        config = {"targets": targets, "verifier": verifier, "challenge": challenge, "scope": SCOPE}
        self.proc = subprocess.Popen(["node", "loadgen.mjs", json.dumps(config)], cwd=NODE_DIR,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, **command):
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"loadgen {command['op']} failed: {answer['error']}")
        return answer

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write('{"op": "quit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()


def run(duration=3.0, warmup=0.5, endpoints=None, concurrency=None, log=print, hold=False):
    """Run the OIDC section; returns a dict for the JSON report."""
    endpoints = endpoints or ENDPOINTS
    concurrency = concurrency or CONCURRENCY
    ensure_node_modules()
    log_dir = data_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    servers, loadgen = {}, None
    results = []
    try:
        started = time.monotonic()
        servers["postern"] = Postern(log_dir)
        servers["oidc-provider"] = OidcProvider(log_dir)
        servers["postern"].wait_ready()
        log(f"  servers up in {time.monotonic() - started:.1f}s: Postern {servers['postern'].web_cmdline!r} "
            f"({servers['postern'].web_workers} workers); "
            f"oidc-provider on Node {servers['oidc-provider'].info['node']}")
        verifier, challenge = pkce_pair()
        loadgen = LoadGen({name: server.target() for name, server in servers.items()}, verifier, challenge)
        chains = max(concurrency)
        for name in servers:
            loadgen.call(op="mint", target=name, n=chains + 10)
            loadgen.call(op="prime", target=name, n=chains)
        if hold:
            log(f"  holding: {json.dumps({n: s.target() for n, s in servers.items()})}")
            input("  press Enter to run the bench… ")
        refresh_rps = {}
        for endpoint in endpoints:
            for c in concurrency:
                for name, server in servers.items():
                    if endpoint == "code":
                        # Codes live 60 s: mint what this run can use right before it (estimated from refresh).
                        estimate = refresh_rps.get((name, c), 400)
                        needed = math.ceil(estimate * (warmup + duration) * 1.6) + 100
                        loadgen.call(op="mint", target=name, n=min(needed, 12000))
                    cpu0 = cpu_seconds(server.pids())
                    result = loadgen.call(op="run", target=name, endpoint=endpoint, concurrency=c,
                                          warmup=warmup, duration=duration)
                    result["server_cpu_pct"] = 100 * (cpu_seconds(server.pids()) - cpu0) / (warmup + duration)
                    if endpoint == "refresh":
                        refresh_rps[(name, c)] = result["rps"]
                    if endpoint == "code":
                        loadgen.call(op="clear", target=name)  # leftovers would expire before the next run
                    results.append(result)
                    log(f"  {name:13} {LABELS[endpoint]:13} c={c:<3} {result['rps']:8.0f} req/s  "
                        f"p50 {result['p50_ms'] or 0:6.1f}  p99 {result['p99_ms'] or 0:6.1f} ms  "
                        f"errors {result['errors']}  loadgen {result['loadgen_cpu_pct'] or 0:.0f}% "
                        f"server {result['server_cpu_pct']:.0f}% machine {result['machine_busy_pct'] or 0:.0f}%")
        postern = servers["postern"]
        return {
            "duration_s": duration, "warmup_s": warmup, "results": results,
            "postern": {"web": postern.web_cmdline, "web_workers": postern.web_workers,
                        "client_app_type": postern.info["app_type"]},
            "oidc_provider": servers["oidc-provider"].info,
        }
    finally:
        if loadgen:
            loadgen.stop()
        for server in servers.values():
            server.stop()


def ratio_rows(report):
    """(endpoint, c, Postern stats, oidc-provider stats, ratio) rows for the table."""
    by_key = {(r["target"], r["endpoint"], r["concurrency"]): r for r in report["results"]}
    rows = []
    for endpoint in ENDPOINTS:
        for c in CONCURRENCY:
            p, o = by_key.get(("postern", endpoint, c)), by_key.get(("oidc-provider", endpoint, c))
            if not p or not o:
                continue
            rows.append((endpoint, c, p, o, p["rps"] / o["rps"] if o["rps"] else None))
    return rows
