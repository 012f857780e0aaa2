"""Receipts per second recorded by the pull job: N SENT rows, N receipts queued in the emulator, one pull run."""
import argparse
import os
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--receipts", type=int, default=5000)
    args = parser.parse_args()

    from bench.common import drop_database, throwaway_database
    os.environ["DATABASE_URL"] = url = throwaway_database("postern_bench_receipts")
    from connectors.sandbox.server import make_server
    server = make_server("127.0.0.1", 0, {"AKIDbench": "benchsecret-000000"})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["TENCENT_SMS_ENDPOINT"] = f"http://127.0.0.1:{server.server_address[1]}"
    import django
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from connectors.models import SmsMessage
    from connectors.services import connector_create, sms_receipts_pull
    from console.accounts.models import User
    from console.tenants.services import tenant_create

    try:
        admin = User.objects.create_admin(username="bench", password="bench-password-123")
        tenant = tenant_create(name="Bench", tag="development", acting_user=admin)
        config = {"accessKeyId": "AKIDbench", "accessKeySecret": "benchsecret-000000", "signName": "Postern",
                  "region": "ap-guangzhou", "sdkAppId": "1400006666",
                  "templates": [{"templateCode": str(2001 + i), "usageType": u}
                                for i, u in enumerate(("Register", "SignIn", "ForgotPassword", "Generic"))]}
        connector = connector_create(tenant=tenant, acting_user=admin, provider_key="tencent", config=config)
        now = timezone.now()
        statuses = [{"SerialNo": f"2019:{n:025d}", "PhoneNumber": f"+86138{n:08d}", "Code": "Ok",
                     "SessionContext": ""} for n in range(args.receipts)]
        SmsMessage.objects.bulk_create([SmsMessage(
            tenant=tenant, connector=connector, provider="tencent", usage_type="SignIn", phone=s["PhoneNumber"],
            template_code="2002", status="SENT", serial_no=s["SerialNo"], valid_until=now, finished_at=now,
        ) for s in statuses], batch_size=1000)
        server.state.receipts.on_sent("1400006666", statuses)

        started = time.perf_counter()
        tally = sms_receipts_pull(connector=connector, max_batches=args.receipts // 100 + 1)
        elapsed = time.perf_counter() - started
        assert tally.applied == args.receipts, tally
        print(f"{tally.applied} receipts in {elapsed:.2f} s: {tally.applied / elapsed:,.0f} receipts/s "
              f"({args.receipts // 100} PullSmsSendStatus calls of 100)")
    finally:
        from django.db import connections
        connections.close_all()
        server.shutdown()
        drop_database(url)


if __name__ == "__main__":
    main()
