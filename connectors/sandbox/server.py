"""The emulator's HTTP server: the Tencent API at /, the control API, inbox and latest code under CONTROL_PREFIX."""
from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.sandbox.account import Account
from connectors.sandbox.control import ACTIONS
from connectors.sandbox.faults import Behaviour
from connectors.sandbox.inbox import render_inbox
from connectors.sandbox.sendsms import JSON_CONTENT_TYPE, ApiOutcome, answer_api_request, parse_phone
from connectors.sandbox.state import EmulatorState

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/__emulator__/"
MAX_BODY_BYTES = 1024 * 1024
RECORDED_HEADERS = (
    "Host", "Content-Type", "Authorization", "X-TC-Action", "X-TC-Version", "X-TC-Region", "X-TC-Timestamp",
    "X-TC-Language", "X-TC-RequestClient",
)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the SDK's pooled connections open between requests.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server_version = "TencentSmsEmulator/1.0"
    server: EmulatorServer

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/":
            self._serve_api()
        elif path.startswith(CONTROL_PREFIX):
            self._serve_control_post(path[len(CONTROL_PREFIX):])
        else:
            self._write_json(404, {"error": "not found"})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/":
            self._serve_api()
        elif parts.path.startswith(CONTROL_PREFIX):
            self._serve_control_get(parts.path[len(CONTROL_PREFIX):], parse_qs(parts.query))
        else:
            self._write_json(404, {"error": "not found"})

    def _serve_api(self) -> None:
        received = time.time()
        state = self.server.state
        body = self._read_body()
        if body is None:
            return
        behaviour = state.faults.next_behaviour()
        delay_ms = state.latency_ms + (behaviour.delay_ms if behaviour else 0)
        if delay_ms:
            time.sleep(delay_ms / 1000)
        headers = {name.lower(): value for name, value in self.headers.items()}
        outcome = answer_api_request(state, self.command, headers, body, behaviour)
        state.record(self._record(headers, outcome, behaviour, received))
        if outcome.http_status is None:
            self.close_connection = True
            return
        self._write(outcome.http_status, outcome.body, outcome.content_type)

    def _serve_control_post(self, name: str) -> None:
        body = self._read_body()
        if body is None:
            return
        if name == "reset":
            self.server.state.reset()
            self._write_json(200, {"ok": True})
            return
        if name == "flush-receipts":
            self._write_json(200, {"ok": True, "pushed": self.server.state.receipts.flush()})
            return
        if name not in ACTIONS:
            self._write_json(404, {"error": "not found"})
            return
        try:
            ACTIONS[name](self.server.state, json.loads(body or b"{}"))
        except ValueError as error:  # ControlError, or a body that is not JSON
            self._write_json(400, {"error": str(error)})
            return
        self._write_json(200, {"ok": True})

    def _serve_control_get(self, name: str, query: dict[str, list[str]]) -> None:
        state = self.server.state
        if name == "health":
            self._write_json(200, {"ok": True})
        elif name == "requests":
            self._write_json(200, state.records(_query_phone(query)))
        elif name == "inbox":
            self._write(200, render_inbox(state.records(), state.account()).encode(), "text/html; charset=utf-8")
        elif name == "account":
            self._write_json(200, state.account())
        elif name == "receipts":
            self._write_json(200, state.receipts.summary())
        elif name == "latest-code":
            self._serve_latest_code(state.records(_query_phone(query)))
        else:
            self._write_json(404, {"error": "not found"})

    def _serve_latest_code(self, records: list[dict[str, Any]]) -> None:
        """The first template parameter of the newest message to a phone: what a person would read off the SMS."""
        params = (records[-1].get("params") or {}) if records else {}
        values = params.get("TemplateParamSet") or []
        if not values:
            self._write_json(404, {"error": "no message for this phone"})
        else:
            self._write_json(200, {"code": values[0], "templateId": params.get("TemplateId")})

    def _read_body(self) -> bytes | None:
        length_text = self.headers.get("Content-Length", "0")
        length = int(length_text) if length_text.isdigit() else -1
        if length < 0 or length > MAX_BODY_BYTES or "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            # The body cannot be skipped reliably, so the connection cannot be reused.
            self.close_connection = True
            self._write(413, b"request body missing a valid Content-Length or too large\n", "text/plain")
            return None
        return self.rfile.read(length)

    def _record(self, headers: dict[str, str], outcome: ApiOutcome, behaviour: Behaviour | None,
                received: float) -> dict[str, Any]:
        phones = (outcome.params or {}).get("PhoneNumberSet")
        return {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "received": received,  # Unix time the request arrived, before any scripted latency
            "headers": {name: headers[name.lower()] for name in RECORDED_HEADERS if name.lower() in headers},
            "params": outcome.params,
            "phones": _recorded_phones(phones),
            "secret_id": outcome.secret_id,
            "signature_valid": outcome.signature_valid,
            "http_status": outcome.http_status,
            "response_code": outcome.response_code,
            "send_status": outcome.send_status if outcome.response_code == "Ok" else None,
            "behaviour": asdict(behaviour) if behaviour else None,
        }

    def _write_json(self, status: int, data: Any) -> None:
        self._write(status, json.dumps(data, ensure_ascii=False).encode(), JSON_CONTENT_TYPE)

    def _write(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # the inbox and latest-code answers show codes
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


def _recorded_phones(phones: Any) -> list[str]:
    if not isinstance(phones, list):
        return []
    return [parse_phone(phone)[0] for phone in phones if isinstance(phone, str)]


def _query_phone(query: dict[str, list[str]]) -> str | None:
    values = query.get("phone")
    if not values:
        return None
    # An unencoded "+" in a query string arrives as a space.
    phone = values[0].strip()
    return parse_phone(phone if phone.startswith("+") else "+" + phone)[0]


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Bursts of hundreds of connections must queue, not be refused.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], state: EmulatorState):
        super().__init__(address, _Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or disconnect are part of the job; anything else is a bug worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        logger.exception("Emulator error while serving %s", client_address)


def make_server(host: str, port: int, credentials: Mapping[str, str], latency_ms: int = 0,
                account: Account | None = None) -> EmulatorServer:
    """A ready emulator; call serve_forever() (port 0 picks a free port: see server.server_address). Without an
    account it accepts any app, signature and template."""
    return EmulatorServer((host, port), EmulatorState(credentials, latency_ms, account))

