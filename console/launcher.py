"""`make run`: prepare the database, seed the demo, then supervise the web server, the Celery workers, Celery beat
and the SMS sandbox.

A child that dies is logged and restarted with backoff while the others keep serving; Ctrl-C or SIGTERM stops
everything within STOP_GRACE_SECONDS plus a moment, and no child outlives the launcher.
"""
import argparse
import ctypes
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from connectors.sandbox import account as sandbox

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_PORT = int(os.environ.get("POSTERN_SMS_SANDBOX_PORT", "9100"))
SANDBOX_KEY_ID = sandbox.SECRET_ID
RESTART_BACKOFF_SECONDS = (1, 2, 4, 8, 16, 30)
# A child that ran this long before it died starts its backoff afresh: it was not crash-looping.
STABLE_SECONDS = 60
STOP_GRACE_SECONDS = 8
_PR_SET_PDEATHSIG = 1


def manage(*args, capture=False, env=None):
    cmd = [sys.executable, str(ROOT / "manage.py"), *args]
    if capture:
        return subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    subprocess.run(cmd, check=True, env=env)


def sandbox_secret(data_dir):
    path = data_dir / "sms_sandbox_secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def web_server(env, port):
    """Granian (a Rust HTTP server) running the WSGI app: one process per core by default, two Python threads
    each, so a request waiting on PostgreSQL or Redis lets the process serve another (bench/, README
    "Performance": HTTP parsing and keep-alive in Rust cost a fraction of gunicorn's gthread workers). More threads
    only wait for the process's one interpreter lock, and handing it between them costs CPU the requests need
    (README "Performance"); two per core is as many requests at once as gunicorn's advice of two sync workers per
    core. WEB_CONCURRENCY / WEB_THREADS override (more threads for slow console pages, say)."""
    workers = env.get("WEB_CONCURRENCY") or str(max(2, os.cpu_count() or 1))
    threads = env.get("WEB_THREADS") or "2"
    return [sys.executable, "-m", "granian", "--interface", "wsgi", "console.wsgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", workers, "--blocking-threads", threads,
            "--respawn-failed-workers", "--access-log"]


def celery_workers(env):
    """CELERY_WORKERS processes, each with CELERY_CONCURRENCY threads (default 32): a send spends most of its time
    waiting on the provider, so threads carry the concurrency, and a process per core adds the CPU (a GIL each) without which
    the web processes outrun one worker and codes queue up (README "Performance"). With Redis the default is one
    per core; the embedded filesystem broker gets one (its consumers race for message files)."""
    count = int(env.get("CELERY_WORKERS") or (max(1, os.cpu_count() or 1) if env.get("REDIS_URL") else 1))
    return [(f"worker{index}", [sys.executable, "-m", "celery", "-A", "console", "worker", "--pool", "threads",
                                "--concurrency", env.get("CELERY_CONCURRENCY", "32"), "--loglevel", "INFO",
                                "-n", f"worker{index}@%h"])
            for index in range(1, count + 1)]


def celery_beat(data_dir):
    """The periodic jobs (the SMS sweeper, delivery-receipt pulls and expiry): one process of its own, supervised
    like the others, so it can neither outlive a worker nor die with one. Run exactly one per deployment."""
    return [sys.executable, "-m", "celery", "-A", "console", "beat", "--loglevel", "INFO",
            "--schedule", str(data_dir / "celerybeat-schedule")]


def say(message):
    print(f"postern: {message}", flush=True)


def _die_with_launcher(launcher_pid):
    """Run in the child before exec: the kernel sends it SIGTERM if the launcher dies, even by SIGKILL."""
    def set_up():
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != launcher_pid:  # the launcher died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)
    return set_up


def _exit_description(code):
    return f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"


class Child:
    """One supervised process, in a process group of its own so that stopping it stops what it started too."""

    def __init__(self, name, command, env):
        self.name, self.command, self.env = name, command, env
        self.process, self.started_at, self.restart_at, self.failures = None, 0.0, 0.0, 0

    def start(self):
        self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, start_new_session=True,
                                        preexec_fn=_die_with_launcher(os.getpid()))
        self.started_at = time.monotonic()

    def tend(self, now):
        """Start it when its restart is due; notice when it died and schedule the restart."""
        if self.process is None:
            if now >= self.restart_at:
                self.start()
                say(f"{self.name} restarted (pid {self.process.pid})")
            return
        code = self.process.poll()
        if code is None:
            return
        self._signal_group(signal.SIGKILL)  # whatever it started and left behind (granian's workers, say)
        ran = now - self.started_at
        self.failures = 0 if ran >= STABLE_SECONDS else self.failures + 1
        delay = RESTART_BACKOFF_SECONDS[min(self.failures, len(RESTART_BACKOFF_SECONDS) - 1)]
        say(f"{self.name} (pid {self.process.pid}) {_exit_description(code)} after {ran:.0f} s; "
            f"restarting it in {delay} s, the rest keeps serving")
        self.process, self.restart_at = None, now + delay

    def _signal_group(self, signum):
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signum)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self):
        self._signal_group(signal.SIGTERM)

    def wait_or_kill(self, deadline):
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{self.name} (pid {self.process.pid}) did not stop in {STOP_GRACE_SECONDS} s; killing it")
        self._signal_group(signal.SIGKILL)
        self.process.wait()


def supervise(children):
    try:
        while True:
            now = time.monotonic()
            for child in children:
                child.tend(now)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(children)


def stop_all(children):
    # A second Ctrl-C while stopping must not cut the stop short and leave children running.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for child in children:
        child.stop()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        child.wait_or_kill(deadline)


def _stop(signum, frame):
    raise KeyboardInterrupt  # SIGTERM (a supervisor, `kill`) stops everything like Ctrl-C does


def main():
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    parser = argparse.ArgumentParser()
    parser.add_argument("--dev", action="store_true", help="Django's autoreloading server instead of granian")
    args = parser.parse_args()
    env = dict(os.environ)
    port = env.setdefault("PORT", "8000")
    data_dir = Path(env.get("POSTERN_DATA_DIR", ROOT / "data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    seed_args = ["seed_demo", "--json"]
    children = []
    try:
        if not env.get("TENCENT_SMS_ENDPOINT"):
            secret = sandbox_secret(data_dir)
            # The sandbox plays the account seed_demo's demo connector uses, and refuses anything else like Tencent.
            children.append(Child("sms-sandbox", [sys.executable, str(ROOT / "manage.py"), "tencent_sms_emulator",
                                                  "--port", str(SANDBOX_PORT),
                                                  "--credential", f"{SANDBOX_KEY_ID}={secret}",
                                                  *sandbox.emulator_arguments()], dict(env)))
            env["TENCENT_SMS_ENDPOINT"] = f"http://127.0.0.1:{SANDBOX_PORT}"
            env["POSTERN_SMS_SANDBOX_INBOX_URL"] = f"http://127.0.0.1:{SANDBOX_PORT}/__emulator__/inbox"
            # `--option=value`: a generated secret may start with "-", which argparse would take for an option
            seed_args += [f"--sms-access-key-id={SANDBOX_KEY_ID}", f"--sms-access-key-secret={secret}",
                          f"--sms-sdk-app-id={sandbox.SDK_APP_ID}", f"--sms-sign-name={sandbox.SIGN_NAME}"]
            children[0].start()
        manage("migrate", "--noinput", "-v", "0", env=env)
        manage("createcachetable", env=env)
        seed = json.loads(manage(*seed_args, capture=True, env=env).strip().splitlines()[-1])
        if args.dev:
            web = [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}"]
        else:
            manage("collectstatic", "--noinput", "-v", "0", env=env)
            web = web_server(env, port)
        started = [Child("web", web, env), *(Child(name, command, env) for name, command in celery_workers(env)),
                   Child("beat", celery_beat(data_dir), env)]
        for child in started:
            child.start()
            children.append(child)
    except (KeyboardInterrupt, subprocess.CalledProcessError) as exc:
        stop_all(children)
        return 130 if isinstance(exc, KeyboardInterrupt) else exc.returncode
    password = seed["admin_password"] or "(shown on the first run; `python manage.py changeadminpassword admin`)"
    print(f"\n  Postern is running.\n  Open the console: {seed['console_url']}\n"
          f"  Sign in as:       {seed['admin_username']} / {password}\n"
          f"  Demo tenant:      {seed['endpoint']}  (Bookstore appId {seed['app_id']})\n"
          f"  Management API:   {seed['management_api_resource']}  (Provisioning appId {seed['m2m_app_id']}"
          + (f", secret {seed['m2m_app_secret']})\n" if seed["m2m_app_secret"] else ")\n")
          + (f"  SMS sandbox:      {env['POSTERN_SMS_SANDBOX_INBOX_URL']}\n" if "POSTERN_SMS_SANDBOX_INBOX_URL" in env else "")
          + "  Press Ctrl-C to stop.\n", flush=True)
    supervise(children)
    return 0


if __name__ == "__main__":
    sys.exit(main())
