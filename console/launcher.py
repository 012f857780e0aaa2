"""`make run`: prepare the database, seed the demo, then run web server + Celery worker (+ SMS sandbox).

Everything runs in the foreground; Ctrl-C stops all of it.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_PORT = int(os.environ.get("POSTERN_SMS_SANDBOX_PORT", "9100"))
SANDBOX_KEY_ID = "AKIDpostern-sandbox"


def manage(*args, capture=False, env=None):
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    if capture:
        return subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    subprocess.run(cmd, check=True, env=env)


def sandbox_secret(data_dir):
    path = data_dir / "sms_sandbox_secret"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def web_server(env, port):
    """Granian (a Rust HTTP server) running the WSGI app: one process per core by default, a few Python threads
    each so a request waiting on PostgreSQL or Redis lets the process serve another (bench/, README
    "Performance": HTTP parsing and keep-alive in Rust cost a fraction of gunicorn's gthread workers).
    WEB_CONCURRENCY / WEB_THREADS override."""
    workers = env.get("WEB_CONCURRENCY") or str(max(2, os.cpu_count() or 1))
    threads = env.get("WEB_THREADS") or "8"
    return [sys.executable, "-m", "granian", "--interface", "wsgi", "console.wsgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", workers, "--blocking-threads", threads,
            "--respawn-failed-workers", "--access-log"]


def celery_workers(env, data_dir):
    """CELERY_WORKERS processes, each with CELERY_CONCURRENCY threads (default 32): a send waits ~100 ms on the
    provider, so threads carry the concurrency, and a process per core adds the CPU (a GIL each) without which
    the web processes outrun one worker and codes queue up (README "Performance"). With Redis the default is one
    per core; the embedded filesystem broker gets one (its consumers race for message files). The first also
    runs the periodic jobs (--beat: the stuck-SMS sweeper)."""
    count = int(env.get("CELERY_WORKERS") or (max(1, os.cpu_count() or 1) if env.get("REDIS_URL") else 1))
    return [[sys.executable, "-m", "celery", "-A", "console", "worker", "--pool", "threads",
             "--concurrency", env.get("CELERY_CONCURRENCY", "32"), "--loglevel", "INFO", "-n", f"worker{index}@%h",
             *(["--beat", "--schedule", str(data_dir / "celerybeat-schedule")] if index == 1 else [])]
            for index in range(1, count + 1)]


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # SIGTERM (a supervisor, `kill`) stops everything like Ctrl-C does


def main():
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", action="store_true", help="Django's autoreloading server instead of granian")
    args = parser.parse_args()
    env = dict(os.environ)
    port = env.setdefault("PORT", "8000")
    data_dir = Path(env.get("POSTERN_DATA_DIR", ROOT / "data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    seed_args = ["seed_demo", "--json"]
    children = []
    if not env.get("TENCENT_SMS_ENDPOINT"):
        secret = sandbox_secret(data_dir)
        children.append(subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "tencent_sms_emulator",
                                          "--port", str(SANDBOX_PORT), "--credential", f"{SANDBOX_KEY_ID}={secret}"],
                                         env=env))
        env["TENCENT_SMS_ENDPOINT"] = f"http://127.0.0.1:{SANDBOX_PORT}"
        env["POSTERN_SMS_SANDBOX_INBOX_URL"] = f"http://127.0.0.1:{SANDBOX_PORT}/__emulator__/inbox"
        # `--option=value`: a generated secret may start with "-", which argparse would take for an option
        seed_args += [f"--sms-access-key-id={SANDBOX_KEY_ID}", f"--sms-access-key-secret={secret}",
                      "--sms-sdk-app-id=1400000000", "--sms-sign-name=Postern"]
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("createcachetable", env=env)
    seed = json.loads(manage(*seed_args, capture=True, env=env).strip().splitlines()[-1])
    if args.dev:
        web = [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}"]
    else:
        manage("collectstatic", "--noinput", "-v", "0", env=env)
        web = web_server(env, port)
    children.append(subprocess.Popen(web, env=env, cwd=ROOT))
    children += [subprocess.Popen(command, env=env, cwd=ROOT) for command in celery_workers(env, data_dir)]
    password = seed["admin_password"] or "(shown on the first run; `python manage.py changeadminpassword admin`)"
    print(f"\n  Postern is running.\n  Open the console: {seed['console_url']}\n"
          f"  Sign in as:       {seed['admin_username']} / {password}\n"
          f"  Demo tenant:      {seed['endpoint']}  (Bookstore appId {seed['app_id']})\n"
          + (f"  SMS sandbox:      {env['POSTERN_SMS_SANDBOX_INBOX_URL']}\n" if "POSTERN_SMS_SANDBOX_INBOX_URL" in env else "")
          + "  Press Ctrl-C to stop.\n", flush=True)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
