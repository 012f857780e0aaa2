"""Run the local Tencent Cloud SMS emulator (see connectors.emulator)."""
import argparse

from django.core.management.base import BaseCommand, CommandError

from connectors.emulator import CONTROL_PREFIX, make_server


def _credential(text: str) -> tuple[str, str]:
    secret_id, separator, secret_key = text.partition("=")
    if not (separator and secret_id and secret_key):
        raise argparse.ArgumentTypeError("expected SECRET_ID=SECRET_KEY")
    return secret_id, secret_key


class Command(BaseCommand):
    help = (
        "Serve Tencent Cloud's SendSms API (2021-01-11) locally, checking TC3-HMAC-SHA256 signatures like Tencent, "
        f"with a control API and an inbox page under {CONTROL_PREFIX}."
    )
    # A test double: it starts without system checks or a database.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9100, help="0 picks a free port")
        parser.add_argument(
            "--credential",
            action="append",
            type=_credential,
            default=[],
            metavar="SECRET_ID=SECRET_KEY",
            help="an API key the emulator accepts; repeat for more",
        )
        parser.add_argument(
            "--latency-ms", type=int, default=0, help="delay added to every SendSms request (not to the control API)"
        )

    def handle(self, *args, host, port, credential, latency_ms, **options):
        if not credential:
            raise CommandError("Give at least one --credential SECRET_ID=SECRET_KEY")
        if latency_ms < 0:
            raise CommandError("--latency-ms cannot be negative")
        server = make_server(host, port, dict(credential), latency_ms)
        bound_host, bound_port = server.server_address[:2]
        self.stdout.write(
            f"Tencent SMS emulator on http://{bound_host}:{bound_port} "
            f"(inbox: http://{bound_host}:{bound_port}{CONTROL_PREFIX}inbox)"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
