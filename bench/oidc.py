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
refresh rotation; codes saved through its models since it has no login UI here), twice in the same run: with every
model in PostgreSQL the way Logto keeps them (one `oidc_model_instances` table, payload jsonb, on a throwaway
database the bench creates and drops), and with an in-process Map (its best case, no database at all).

Code-exchange bursts: 20 and 80 exchanges written at once, each on a new connection. "cold": the first token
requests each server sees after start (codes minted through /auth or the models just before; 80 follows 20);
"warm": after the steady runs, three rounds each, the median reported.

run_sqlite: Postern on `make run`'s default — DATABASE_URL and REDIS_URL unset, so embedded SQLite (WAL, busy
timeout, immediate transactions, see console/settings.py) in the bench's own POSTERN_DATA_DIR — refresh and code
exchange at 1 and 10 clients, one burst of 20.
"""
import json
import math
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from bench.common import (PY, ROOT, cmdline, cpu_seconds, data_dir, descendants, drop_database, flush_redis,
                          free_port, redis_url, throwaway_database, wait_for_port)

NODE_DIR = ROOT / "bench" / "node"
ENDPOINTS = ["discovery", "jwks", "userinfo", "refresh", "code", "burst"]
LABELS = {"discovery": "discovery", "jwks": "JWKS", "code": "code exchange", "refresh": "refresh grant",
          "userinfo": "userinfo", "burst": "code burst"}
CONCURRENCY = [1, 10, 50]
BURSTS = [20, 80]
WARM_BURST_ROUNDS = 3
TARGET_CONCURRENCY = 10
TARGET_ROUNDS = 3
# Interleaving order; "oidc-provider" is the in-memory one (the key earlier reports used).
SERVERS = ["postern", "oidc-provider-pg", "oidc-provider"]
SERVER_LABELS = {"postern": "Postern", "oidc-provider-pg": "oidc-provider (PostgreSQL)",
                 "oidc-provider": "oidc-provider (memory)", "postern-sqlite": "Postern (SQLite)"}
SCOPE = "openid offline_access profile"
# POSTERN_BENCH_DB names the throwaway databases, so two benches on one PostgreSQL server do not drop each other's.
BENCH_DB = os.environ.get("POSTERN_BENCH_DB", "postern_bench")
OIDC_PROVIDER_DB = f"{BENCH_DB}_oidc_provider"
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
    """`make run`'s launcher on a throwaway database; stopped with SIGTERM like Ctrl-C.

    database="postgres": DATABASE_URL on a throwaway database, REDIS_URL on the bench's Redis database number.
    database="sqlite": both unset, as `make run` runs by default, in a fresh POSTERN_DATA_DIR of the bench's own.
    """

    def __init__(self, log_dir, extra_env=None, database="postgres"):
        self.port = free_port()
        self.database = database
        common = dict(PORT=str(self.port), POSTERN_SMS_SANDBOX_PORT=str(free_port()),
                      POSTERN_CELERY_QUEUE=f"bench-{os.getpid()}")
        if database == "sqlite":
            self.db_url = None
            folder = data_dir() / "postern-sqlite"
            shutil.rmtree(folder, ignore_errors=True)
            self.env = dict(os.environ, POSTERN_DATA_DIR=str(folder), **common)
            for name in ("DATABASE_URL", "REDIS_URL"):
                self.env.pop(name, None)
        else:
            self.db_url = throwaway_database(BENCH_DB)
            self.redis_url = redis_url(BENCH_REDIS_DB)
            flush_redis(self.redis_url)
            self.env = dict(os.environ, DATABASE_URL=self.db_url, REDIS_URL=self.redis_url,
                            POSTERN_DATA_DIR=str(data_dir() / "postern"), **common)
        for name in ("POSTERN_PUBLIC_URL", "TENCENT_SMS_ENDPOINT", "POSTERN_SMS_SANDBOX_INBOX_URL"):
            self.env.pop(name, None)
        self.env.update(extra_env or {})
        self.log_path = log_dir / ("postern-sqlite.log" if database == "sqlite" else "postern.log")
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
        if self.db_url is None:
            return
        try:
            drop_database(self.db_url)
        except Exception as exc:  # noqa: BLE001 — a leftover throwaway database is dropped by the next run
            print(f"  (could not drop {BENCH_DB}: {exc})")


class OidcProvider:
    """oidc-provider 9 in its own Node process; storage "memory" (a Map) or "postgres" (Logto's table shape on a
    throwaway database dropped at stop)."""

    def __init__(self, log_dir, storage="memory"):
        self.port = free_port()
        self.db_url = throwaway_database(OIDC_PROVIDER_DB) if storage == "postgres" else None
        command = ["node", "oidc_provider_server.mjs", f"--port={self.port}", f"--storage={storage}"]
        if self.db_url:
            command.append(f"--database-url={self.db_url}")
        self.log = open(log_dir / f"oidc-provider-{storage}.log", "w")
        self.proc = subprocess.Popen(command, cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(f"oidc-provider ({storage}) did not start; see {self.log.name}")
        self.info = json.loads(line)
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
        if self.db_url:
            try:
                drop_database(self.db_url)
            except Exception as exc:  # noqa: BLE001 — dropped by the next run
                print(f"  (could not drop {OIDC_PROVIDER_DB}: {exc})")


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


def log_result(log, result):
    name = SERVER_LABELS.get(result["target"], result["target"])
    what = f"burst {result['burst']} {result.get('phase', '')}" if result["endpoint"] == "code_burst" else \
        f"{LABELS[result['endpoint']]} c={result['concurrency']}"
    log(f"  {name:27} {what:20} {result['rps']:8.0f} req/s  p50 {result['p50_ms'] or 0:6.1f}  "
        f"p99 {result['p99_ms'] or 0:6.1f} ms  errors {result['errors']}  loadgen {result['loadgen_cpu_pct'] or 0:.0f}%"
        + (f" server {result['server_cpu_pct']:.0f}%" if "server_cpu_pct" in result else "")
        + (f" machine {result['machine_busy_pct']:.0f}%" if result.get("machine_busy_pct") is not None else ""))


def steady(loadgen, servers, endpoints, concurrency, duration, warmup, log, results, rounds=1):
    """Closed-loop runs, interleaved server by server for each endpoint and client count. The cells at
    TARGET_CONCURRENCY clients, where the targets are, run `rounds` times, still interleaved, and keep their median
    round: a stall of the machine's disk (README "Performance") then moves a cell less."""
    refresh_rps = {}
    for endpoint in endpoints:
        if endpoint == "burst":
            continue
        for c in concurrency:
            tries = {name: [] for name in servers}
            for _ in range(rounds if c == TARGET_CONCURRENCY else 1):
                for name, server in servers.items():
                    tries[name].append(_steady_cell(loadgen, name, server, endpoint, c, duration, warmup, log,
                                                    refresh_rps))
            for runs in tries.values():
                kept = _median_round(runs)
                if endpoint == "refresh":
                    refresh_rps[(kept["target"], c)] = kept["rps"]
                results.append(kept)


def _median_round(runs):
    """The run with the median req/s of `runs` (rounds of one cell, in the order they ran), with every round's
    req/s in that order (`rps_rounds`), so a verdict can pair each round with the anchor's of the same moment."""
    kept = dict(sorted(runs, key=lambda r: r["rps"])[len(runs) // 2], rounds=len(runs))
    if len(runs) > 1:
        kept["rps_rounds"] = [round(r["rps"], 1) for r in runs]
    return kept


def _steady_cell(loadgen, name, server, endpoint, c, duration, warmup, log, refresh_rps):
    if endpoint == "code":
        # Codes live 60 s: mint what this run can use right before it (estimated from refresh).
        estimate = refresh_rps.get((name, c), 400)
        needed = math.ceil(estimate * (warmup + duration) * 1.6) + 100
        loadgen.call(op="mint", target=name, n=min(needed, 12000))
    cpu0 = cpu_seconds(server.pids())
    result = loadgen.call(op="run", target=name, endpoint=endpoint, concurrency=c, warmup=warmup, duration=duration)
    result["server_cpu_pct"] = 100 * (cpu_seconds(server.pids()) - cpu0) / (warmup + duration)
    if endpoint == "code":
        loadgen.call(op="clear", target=name)  # leftovers would expire before the next run
    log_result(log, result)
    return result


def bursts(loadgen, servers, sizes, phase, rounds, log):
    """Code-exchange bursts, interleaved; for several rounds, the round with the median req/s is kept."""
    kept = []
    for n in sizes:
        tries = {name: [] for name in servers}
        for _ in range(rounds):
            for name in servers:
                loadgen.call(op="mint", target=name, n=n)
                tries[name].append(loadgen.call(op="burst", target=name, n=n))
        for name, runs in tries.items():
            result = dict(_median_round(runs), phase=phase)
            kept.append(result)
            log_result(log, result)
    return kept


def hold_servers(servers, log):
    info = {name: server.target() for name, server in servers.items()}
    if "postern" in servers:
        info["postern"]["granian_worker_pids"] = servers["postern"].process_groups()["web"][1:]
    log(f"  holding: {json.dumps(info)}")
    input("  press Enter to run the bench… ")


def run(duration=3.0, warmup=0.5, endpoints=None, concurrency=None, log=print, hold=False, rounds=TARGET_ROUNDS):
    """Run the OIDC section (Postern on PostgreSQL + Redis, oidc-provider on PostgreSQL and in memory)."""
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
        servers["oidc-provider-pg"] = OidcProvider(log_dir, storage="postgres")
        servers["oidc-provider"] = OidcProvider(log_dir, storage="memory")
        servers["postern"].wait_ready()
        log(f"  servers up in {time.monotonic() - started:.1f}s: Postern {servers['postern'].web_cmdline!r} "
            f"({servers['postern'].web_workers} workers); "
            f"oidc-provider on Node {servers['oidc-provider'].info['node']}")
        verifier, challenge = pkce_pair()
        loadgen = LoadGen({name: server.target() for name, server in servers.items()}, verifier, challenge)
        chains = max(concurrency)
        do_bursts = "burst" in endpoints and not hold
        for name in servers:
            loadgen.call(op="mint", target=name, n=chains + 10)
        if do_bursts:
            results += bursts(loadgen, servers, BURSTS, "cold", 1, log)
        for name in servers:
            loadgen.call(op="prime", target=name, n=chains)
        if hold:
            hold_servers(servers, log)
        steady(loadgen, servers, endpoints, concurrency, duration, warmup, log, results, rounds=rounds)
        if do_bursts:
            results += bursts(loadgen, servers, BURSTS, "warm", WARM_BURST_ROUNDS, log)
        postern = servers["postern"]
        return {
            "duration_s": duration, "warmup_s": warmup, "rounds": rounds, "results": results,
            "postern": {"web": postern.web_cmdline, "web_workers": postern.web_workers,
                        "client_app_type": postern.info["app_type"]},
            "oidc_provider": servers["oidc-provider"].info,
            "oidc_provider_pg": servers["oidc-provider-pg"].info,
        }
    finally:
        if loadgen:
            loadgen.stop()
        for server in servers.values():
            server.stop()


def run_sqlite(duration=3.0, warmup=0.5, log=print, hold=False):
    """Postern on `make run`'s SQLite default: refresh and code exchange at 1 and 10 clients, a burst of 20."""
    ensure_node_modules()
    log_dir = data_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    server, loadgen = None, None
    results = []
    try:
        started = time.monotonic()
        server = Postern(log_dir, database="sqlite")
        server.wait_ready()
        log(f"  Postern (SQLite) up in {time.monotonic() - started:.1f}s: {server.web_cmdline!r} "
            f"({server.web_workers} workers)")
        verifier, challenge = pkce_pair()
        servers = {"postern-sqlite": server}
        loadgen = LoadGen({"postern-sqlite": server.target()}, verifier, challenge)
        loadgen.call(op="mint", target="postern-sqlite", n=20)
        loadgen.call(op="prime", target="postern-sqlite", n=10)
        if hold:
            hold_servers(servers, log)
        steady(loadgen, servers, ["refresh", "code"], [1, 10], duration, warmup, log, results)
        results += bursts(loadgen, servers, [20], "warm", 1, log)
        return {"duration_s": duration, "warmup_s": warmup, "results": results,
                "postern": {"web": server.web_cmdline, "web_workers": server.web_workers, "database": "sqlite"}}
    finally:
        if loadgen:
            loadgen.stop()
        if server:
            server.stop()


def ratio_rows(report):
    """(endpoint, c, Postern, oidc-provider on PostgreSQL, oidc-provider in memory, ratio to PostgreSQL, ratio to
    memory) rows for the table; bursts as ("burst", "20 cold", ...)."""
    by_key = {}
    for r in report["results"]:
        key = (r["endpoint"], r["concurrency"]) if r["endpoint"] != "code_burst" else \
            ("burst", f"{r['burst']} {r['phase']}")
        by_key[(r["target"],) + key] = r
    keys = [(e, c) for e in ENDPOINTS if e != "burst" for c in CONCURRENCY]
    keys += [("burst", f"{n} {phase}") for phase in ("cold", "warm") for n in BURSTS]
    rows = []
    for endpoint, c in keys:
        p, pg, mem = (by_key.get((name, endpoint, c)) for name in SERVERS)
        if not p or not (pg or mem):
            continue

        def ratio(other):
            return p["rps"] / other["rps"] if other and other["rps"] else None

        rows.append((endpoint, c, p, pg, mem, ratio(pg), ratio(mem)))
    return rows
