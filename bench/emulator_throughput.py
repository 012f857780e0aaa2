"""How many SendSms calls per second 64 concurrent real-SDK clients get from the emulator with 100 ms latency."""
import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    port = free_port()
    os.environ["TENCENT_SMS_ENDPOINT"] = f"http://127.0.0.1:{port}"
    django.setup()
    from connectors.providers.base import Sent
    from connectors.registry import registry
    from tests.sandbox_client import EmulatorClient

    emulator = subprocess.Popen(
        [sys.executable, "manage.py", "tencent_sms_emulator", "--port", str(port),
         "--credential", "AKIDbench=benchsecret", "--latency-ms", str(args.latency_ms),
         "--accept-anything"],
        cwd=BASE_DIR, stdout=subprocess.DEVNULL,
    )
    try:
        client = EmulatorClient(f"http://127.0.0.1:{port}")
        while not client.health():
            time.sleep(0.1)
        provider = registry.get("tencent")
        config = provider.validate({
            "accessKeyId": "AKIDbench", "accessKeySecret": "benchsecret", "signName": "Postern",
            "sdkAppId": "1400006666",
            "templates": [{"templateCode": "1001", "usageType": usage}
                          for usage in ("Register", "SignIn", "ForgotPassword", "Generic")],
        })
        counts = {"sent": 0, "failed": 0}
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def worker(index: int) -> None:
            phone = f"+86138{index:08d}"
            while time.monotonic() < deadline:
                result = provider.send(config=config, phone_e164=phone, template_code="1001", params=["123456"])
                with lock:
                    counts["sent" if isinstance(result, Sent) else "failed"] += 1

        started = time.monotonic()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        total = counts["sent"] + counts["failed"]
        ceiling = args.concurrency * 1000 / max(args.latency_ms, 1)
        print(
            f"{args.concurrency} concurrent SDK calls, {args.latency_ms} ms latency: {total} requests in "
            f"{elapsed:.1f} s = {total / elapsed:.0f} req/s ({counts['failed']} failed; ceiling {ceiling:.0f} req/s)"
        )
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
