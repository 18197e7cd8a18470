"""A local stand-in for the SMS providers, speaking each one's documented request and answer shapes.

Kavenegar: ``/v1/<API-KEY>/sms/send.json`` (form fields receptor, sender, message, localid; answer
``{"return": {"status", "message"}, "entries": [{"messageid", "status", …}]}``). Twilio:
``/2010-04-01/Accounts/<sid>/Messages.json`` (Basic auth; To, From, Body, StatusCallback; 201 with ``sid``, or an
error ``{"code", "message", "status"}``). Anything else: the generic gateway (answers ``{"id": …}``).
It records every request it got and can be told to fail the next ones, or to answer slowly.
"""

import base64
import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.smtp import free_port


@dataclass
class Received:
    provider: str
    method: str
    path: str
    fields: dict
    headers: dict
    body: bytes


@dataclass
class StandIn:
    url: str = ""
    received: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # (provider, http status, payload) for the next requests
    delay: float = 0.0
    api_key: str = "test-key"
    account_sid: str = "AC0123456789abcdef0123456789abcdef"
    auth_token: str = "twilio-auth-token"
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(8_000_001))

    def fail_next(self, provider, status, payload, times=1):
        with self.lock:
            self.failures.extend([(provider, status, payload)] * times)

    def of(self, provider):
        with self.lock:
            return [r for r in self.received if r.provider == provider]

    def count_by_reference(self):
        """How often each message (by our reference: localid, or the text's own marker) was received."""
        counts = {}
        with self.lock:
            for r in self.received:
                key = r.fields.get("localid") or r.fields.get("reference") or r.fields.get("Body")
                counts[key] = counts.get(key, 0) + 1
        return counts


def _handler(state):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, payload):
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self):
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fields = dict(parse_qsl(parts.query))
            if "json" in (self.headers.get("Content-Type") or ""):
                with contextlib.suppress(ValueError):
                    fields.update({k: str(v) for k, v in json.loads(body or b"{}").items()})
            else:
                fields.update(dict(parse_qsl(body.decode())))
            if parts.path.startswith("/v1/"):
                provider = "kavenegar"
            elif parts.path.startswith("/2010-04-01/"):
                provider = "twilio"
            else:
                provider = "http"
            if state.delay:
                time.sleep(state.delay)
            with state.lock:
                state.received.append(Received(provider, self.command, parts.path, fields, dict(self.headers), body))
                failure = next((f for f in state.failures if f[0] == provider), None)
                if failure is not None:
                    state.failures.remove(failure)
                number = next(state.ids)
            if failure is not None:
                return self._answer(failure[1], failure[2])
            if provider == "kavenegar":
                if parts.path != f"/v1/{state.api_key}/sms/send.json":
                    return self._answer(403, {"return": {"status": 403, "message": "invalid API key"}, "entries": None})
                return self._answer(
                    200,
                    {
                        "return": {"status": 200, "message": "تایید شد"},
                        "entries": [
                            {
                                "messageid": number,
                                "message": fields.get("message", ""),
                                "status": 1,
                                "statustext": "در صف ارسال",
                                "sender": fields.get("sender", ""),
                                "receptor": fields.get("receptor", ""),
                                "date": int(time.time()),
                                "cost": 120,
                            }
                        ],
                    },
                )
            if provider == "twilio":
                expected = base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return self._answer(
                    201,
                    {"sid": f"SM{number:032d}", "status": "queued", "to": fields.get("To"), "from": fields.get("From")},
                )
            return self._answer(200, {"id": f"gw-{number}", "accepted": True})

        do_GET = _handle  # noqa: N815 (the names http.server calls)
        do_POST = _handle  # noqa: N815

    return Handler


def start_stand_in():
    """Start the stand-in on a free port of 127.0.0.1; returns (state, stop)."""
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()

    return state, stop
