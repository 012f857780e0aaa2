"""Helpers shared by the bench sections: ports, throwaway databases, the machine, tables."""
import contextlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = os.environ.get("BENCH_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, seconds=60, proc=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {seconds}s")


def data_dir():
    return Path(os.environ.get("POSTERN_BENCH_DATA_DIR") or ROOT / "data" / "bench")


def throwaway_database(name):
    """A fresh database `name` on the server of DATABASE_URL; returns its URL. Drop it with drop_database."""
    import psycopg

    base = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("The bench runs on PostgreSQL; DATABASE_URL must be a postgres:// URL.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url):
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def redis_url(db_index):
    """REDIS_URL's server with another database number, so the bench never touches the suite's or the app's keys."""
    parts = urlsplit(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{db_index}"))


def flush_redis(url):
    import redis

    redis.Redis.from_url(url).flushdb()


def machine():
    info = {"cores": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        info["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        info["node"] = None
    return info


def busy_fraction(seconds=1.0):
    """How busy the machine's CPUs are (0..1) over `seconds`: other work skews every number below."""
    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        return fields[3] + fields[4], sum(fields)

    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def table(headers, rows, align=None):
    """A plain-text (and Markdown-compatible) table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    align = align or ["<"] + [">"] * (len(headers) - 1)

    def line(row):
        return "| " + " | ".join(f"{c:{a}{w}}" for c, a, w in zip(row, align, widths)) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":" if a == ">" else "-" * (w + 2)) for a, w in zip(align, widths)) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def descendants(pid):
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for child in children.get(current, []):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def console_in_process(db_name):
    """Django set up in this process on a throwaway PostgreSQL database (dropped afterwards) and the bench's Redis
    database; yields a test client signed in as the owner of a new tenant, and that tenant."""
    db_url = throwaway_database(db_name)
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
        yield client, tenant
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(db_url)


def measure_page(client, url, renders):
    """p50 and max of `renders` renders of a console page (after one warm-up), and the most SQL queries one took."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates, URL resolver, connection
    times, queries = [], []
    for _ in range(renders):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries.append(len(captured))
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "queries": max(queries),
            "bytes": len(response.content)}
