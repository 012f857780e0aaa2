"""SMS per second through the whole pipeline: sms_send rows → Redis → a Celery worker (threads) → the real Tencent
SDK → the emulator answering after 100 ms, on a throwaway PostgreSQL database.

Run with DATABASE_URL (PostgreSQL) and REDIS_URL set, e.g. through `tests/ensure_services.py -- python ...`.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32, help="worker threads (`make run` uses 32)")
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--producers", type=int, default=8, help="threads calling sms_send, like web workers")
    args = parser.parse_args()

    django.setup()
    from django.conf import settings
    from django.db import connection, connections
    from django.db.models import Max, Min
    from django.utils import timezone

    from connectors.emulator import EmulatorClient
    from connectors.models import SmsMessage
    from connectors.services import connector_create, sms_send
    from console.accounts.models import User
    from console.celery import app
    from console.tenants.services import tenant_create
    from tests.fixtures_services import CeleryWorker, database_url, forget_queue, free_port

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to PostgreSQL and REDIS_URL to Redis (see tests/ensure_services.py).")
    queue = f"postern-bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"postern_bench_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    port = free_port()
    emulator = subprocess.Popen(
        [sys.executable, "manage.py", "tencent_sms_emulator", "--port", str(port), "--credential",
         "AKIDbench=bench-secret-key-0000", "--latency-ms", str(args.latency_ms)],
        cwd=BASE_DIR, stdout=subprocess.DEVNULL,
    )
    worker = None
    try:
        client = EmulatorClient(f"http://127.0.0.1:{port}")
        while not client.health():
            time.sleep(0.1)
        env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "POSTERN_CELERY_QUEUE": queue,
               "TENCENT_SMS_ENDPOINT": f"http://127.0.0.1:{port}"}
        worker = CeleryWorker(env, queue, Path(tempfile.mkdtemp()) / "worker.log", concurrency=args.concurrency)

        admin = User.objects.create_admin(username="bench", password="bench-password-1")
        tenant = tenant_create(name="Bench", tag="development", acting_user=admin)
        connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config={
            "accessKeyId": "AKIDbench", "accessKeySecret": "bench-secret-key-0000", "signName": "Postern",
            "sdkAppId": "1400006666",
            "templates": [{"templateCode": "1001", "usageType": usage}
                          for usage in ("Register", "SignIn", "ForgotPassword", "Generic")],
        })

        def send(count: int, producers: int = 1) -> list[int]:
            """Queue `count` codes from `producers` threads, as many web requests would."""
            valid_until = timezone.now() + timedelta(minutes=10)

            def produce(offset: int) -> list[int]:
                try:
                    return [sms_send(tenant=tenant, phone_e164=f"+86138{index:08d}", usage_type="SignIn",
                                     code="123456", valid_until=valid_until).pk
                            for index in range(offset, count, producers)]
                finally:
                    connections.close_all()

            with ThreadPoolExecutor(producers) as pool:
                return [pk for chunk in pool.map(produce, range(producers)) for pk in chunk]

        def wait(ids: list[int]) -> None:
            while SmsMessage.objects.filter(pk__in=ids, status__in=["QUEUED", "SENDING"]).exists():
                time.sleep(0.05)

        def report(label: str, ids: list[int], elapsed: float) -> dict:
            rows = SmsMessage.objects.filter(pk__in=ids)
            sent = rows.filter(status="SENT").count()
            latencies = sorted((finished - created).total_seconds()
                               for created, finished in rows.values_list("created_at", "finished_at"))
            print(f"  {label}: {len(ids)} SMS in {elapsed:.1f} s = {len(ids) / elapsed:.0f} msg/s "
                  f"({sent} sent); created-to-sent p50 {latencies[len(latencies) // 2]:.2f} s, "
                  f"p95 {latencies[int(len(latencies) * 0.95)]:.2f} s")
            return {"messages": len(ids), "sent": sent, "seconds": round(elapsed, 2),
                    "msg_per_s": round(len(ids) / elapsed, 1), "p50_s": round(latencies[len(latencies) // 2], 2),
                    "p95_s": round(latencies[int(len(latencies) * 0.95)], 2)}

        print(f"SMS pipeline, {args.concurrency} worker threads, emulator latency {args.latency_ms} ms "
              f"(ceiling {args.concurrency * 1000 / max(args.latency_ms, 1):.0f} msg/s), {os.cpu_count()} CPUs:")
        # 1. What the worker drains: a backlog queued while it was down, timed from its first claim.
        backlog = send(args.messages, args.producers)
        worker.start()
        cpu_before = cpu_seconds(worker.process.pid), cpu_seconds(emulator.pid)
        wait(backlog)
        cpu_after = cpu_seconds(worker.process.pid), cpu_seconds(emulator.pid)
        span = SmsMessage.objects.filter(pk__in=backlog).aggregate(first=Min("sending_at"), last=Max("finished_at"))
        drain = report("worker draining a backlog", backlog, (span["last"] - span["first"]).total_seconds())
        worker_ms, emulator_ms = ((after - before) * 1000 / len(backlog) for before, after in zip(cpu_before, cpu_after))
        print(f"  CPU per SMS: worker {worker_ms:.1f} ms (one process, GIL: at most ~{1000 / worker_ms:.0f} msg/s), "
              f"emulator {emulator_ms:.1f} ms")
        # 2. End to end while codes are being requested: rows, commits, publishes and sends all at once.
        started = time.monotonic()
        live = send(args.messages, args.producers)
        wait(live)
        live_result = report(f"live, {args.producers} producer threads", live, time.monotonic() - started)
        return {"worker_threads": args.concurrency, "latency_ms": args.latency_ms, "cpus": os.cpu_count(),
                "drain": drain, "live": live_result, "worker_cpu_ms_per_sms": round(worker_ms, 1),
                "emulator_cpu_ms_per_sms": round(emulator_ms, 1)}
    finally:
        if worker:
            worker.stop()
        emulator.terminate()
        emulator.wait()
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
        forget_queue(settings.REDIS_URL, queue)


if __name__ == "__main__":
    main()
