"""A webhook receiver for the tests: a real HTTP server (threads) that records every request as it arrived (raw
body bytes, headers) and answers as scripted — a status, after a delay, or never.

It verifies signatures the way Logto's documentation shows a receiver doing it: HMAC-SHA256 of the raw body with
the hook's signing key, hex, compared with `logto-signature-sha-256`.
"""
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict  # lower-case names
    body: bytes
    at: float  # time.monotonic() when it arrived

    @property
    def json(self):
        return json.loads(self.body)

    def signed_with(self, signing_key):
        expected = hmac.new(signing_key.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("logto-signature-sha-256", ""))


@dataclass
class Answer:
    status: int = 200
    delay: float = 0.0
    body: bytes = b'{"ok":true}'
    headers: dict | None = None
    hang: bool = False  # never answer (until the receiver stops)


class Receiver:
    def __init__(self):
        self.received = []
        self.script = []  # answers for the next requests, in order; then `default`
        self.default = Answer()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = receiver._record(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                   body, time.monotonic()))
                if answer.hang:
                    receiver._stopped.wait()
                    return
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in (answer.headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up (its timeout) or died (a killed worker)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/hooks/logto"):
        return f"http://127.0.0.1:{self.port}{path}"

    def _record(self, received):
        with self._lock:
            self.received.append(received)
            return self.script.pop(0) if self.script else self.default

    def wait_for(self, count, *, timeout=15.0, where=lambda received: True):
        """The first `count` requests matching `where`, once they have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                matching = [received for received in self.received if where(received)]
            if len(matching) >= count:
                return matching
            assert time.monotonic() < deadline, f"{len(matching)} of {count} webhook requests after {timeout} s: " \
                                                f"{[r.json.get('event') for r in self.received]}"
            time.sleep(0.05)

    def events(self, event):
        return lambda received: received.json.get("event") == event

    def stop(self):
        self._stopped.set()
        self.server.shutdown()
        self.server.server_close()
