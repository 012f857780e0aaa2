"""Make sure the test suite has a real PostgreSQL and Redis, then run the command after `--`.

Uses DATABASE_URL / REDIS_URL when they answer (defaults: the local servers on their standard ports).
Otherwise starts throwaway servers from the installed binaries under data/test-services, or stops with
the exact command that installs them.
"""
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def reachable(url, default_port):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if reachable(f"tcp://127.0.0.1:{port}", port):
            return
        time.sleep(0.2)
    raise SystemExit(f"A throwaway server on port {port} did not start.")


def start_postgres(children):
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb")]
    if not initdb or not initdb[-1]:
        raise SystemExit("PostgreSQL is not reachable and not installed: run `apt-get install -y postgresql` "
                         "(or set DATABASE_URL to a reachable server).")
    if os.geteuid() == 0:
        raise SystemExit("PostgreSQL is not reachable; as root, start the system cluster with "
                         "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`.")
    bindir = Path(initdb[-1]).parent
    datadir = Path(tempfile.mkdtemp(prefix="pg-", dir=ROOT / "data"))
    subprocess.run([bindir / "initdb", "-D", datadir, "-A", "trust", "-U", "postgres"], check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    children.append(subprocess.Popen([bindir / "postgres", "-D", datadir, "-p", str(port), "-k", datadir,
                                      "-c", "listen_addresses=127.0.0.1"], stdout=subprocess.DEVNULL))
    wait_for_port(port)
    return f"postgres://postgres@127.0.0.1:{port}/postgres"


def start_redis(children):
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("Redis is not reachable and not installed: run `apt-get install -y redis-server` "
                         "(or set REDIS_URL to a reachable server).")
    port = free_port()
    children.append(subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL))
    wait_for_port(port)
    return f"redis://127.0.0.1:{port}/0"


def main(argv):
    command = argv[argv.index("--") + 1:] if "--" in argv else argv[1:]
    (ROOT / "data").mkdir(exist_ok=True)
    children = []
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    env.setdefault("POSTERN_DATA_DIR", str(ROOT / "data" / "test"))
    try:
        if not reachable(env["DATABASE_URL"], 5432):
            env["DATABASE_URL"] = start_postgres(children)
        if not reachable(env["REDIS_URL"], 6379):
            env["REDIS_URL"] = start_redis(children)
        if not urlsplit(env["DATABASE_URL"]).scheme.startswith("postgres"):
            raise SystemExit("The test suite runs on PostgreSQL; DATABASE_URL must be a postgres:// URL.")
        return subprocess.call(command, env=env, cwd=ROOT)
    finally:
        for child in children:
            child.terminate()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
