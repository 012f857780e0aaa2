"""Run the SMS sandbox, a local Tencent Cloud SMS API (see connectors.sandbox)."""
import argparse

from django.core.management.base import BaseCommand, CommandError

from connectors.sandbox.account import INTERNATIONAL, MAINLAND, Account, sandbox_account
from connectors.sandbox.server import CONTROL_PREFIX, make_server


def _credential(text: str) -> tuple[str, str]:
    secret_id, separator, secret_key = text.partition("=")
    if not (separator and secret_id and secret_key):
        raise argparse.ArgumentTypeError("expected SECRET_ID=SECRET_KEY")
    return secret_id, secret_key


def _template(text: str) -> tuple[str, int, str | None]:
    code, separator, rest = text.partition("=")
    variables, _colon, kind = rest.partition(":")
    if not (separator and code and variables.isdigit() and kind in ("", MAINLAND, INTERNATIONAL)):
        raise argparse.ArgumentTypeError("expected TEMPLATE_ID=VARIABLES[:mainland|:international]")
    return code, int(variables), kind or None


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
        parser.add_argument("--sdk-app-id", action="append", default=[], metavar="SDK_APP_ID",
                            help="an application of the account; repeat for more")
        parser.add_argument("--signature", action="append", default=[], metavar="SIGN_NAME",
                            help="an approved signature; repeat for more")
        parser.add_argument("--template", action="append", type=_template, default=[],
                            metavar="TEMPLATE_ID=VARIABLES[:mainland|:international]",
                            help="an approved template and its number of variables; repeat for more")
        parser.add_argument("--accept-anything", action="store_true",
                            help="accept any app, signature and template (tests script the account instead). "
                                 "Without it and without the three options above: the SMS sandbox's account "
                                 "(connectors.sandbox.account), and anything else is refused like Tencent does")
        parser.add_argument(
            "--latency-ms", type=int, default=0, help="delay added to every SendSms request (not to the control API)"
        )

    def handle(self, *args, host, port, credential, latency_ms, sdk_app_id, signature, template, accept_anything,
               **options):
        if not credential:
            raise CommandError("Give at least one --credential SECRET_ID=SECRET_KEY")
        if latency_ms < 0:
            raise CommandError("--latency-ms cannot be negative")
        if accept_anything and (sdk_app_id or signature or template):
            raise CommandError("--accept-anything cannot be combined with an account's values")
        account = None if accept_anything else _account(sdk_app_id, signature, template)
        server = make_server(host, port, dict(credential), latency_ms, account)
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


def _account(apps: list[str], signatures: list[str], templates: list[tuple[str, int, str | None]]) -> Account:
    if not (apps or signatures or templates):
        return sandbox_account()
    return Account(apps=frozenset(apps), signatures=frozenset(signatures),
                   templates={code: variables for code, variables, _kind in templates},
                   template_kinds={code: kind for code, _variables, kind in templates if kind})
