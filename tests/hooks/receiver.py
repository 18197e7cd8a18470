"""A webhook receiver on 127.0.0.1 for tests and the bench: a threaded HTTP server that checks nothing, records
every post it gets (delivery id, event, object, sequence, headers, raw body) and answers as its policy says."""

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    delivery: int
    event: str
    key: str
    sequence: int
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def envelope(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``answer(post_number, delivery_id)`` gives the status to answer (200 by default); ``delay`` seconds before."""

    answer: Callable[[int, int], int] = lambda n, delivery: 200
    delay: float = 0.0
    posts: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def accepted(self) -> list[Received]:
        with self.lock:
            return [p for p in self.posts if 200 <= p.status < 300]

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body leave in two writes: without this, each answer waits for a delayed ACK (40 ms).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.delay:
                    time.sleep(receiver.delay)
                envelope = json.loads(body)
                with receiver.lock:
                    number = len(receiver.posts)
                    status = receiver.answer(number, envelope["id"])
                    receiver.posts.append(
                        Received(
                            delivery=int(self.headers["X-Emarketing-Delivery"]),
                            event=self.headers["X-Emarketing-Event"],
                            key=envelope["object"],
                            sequence=envelope["sequence"],
                            headers=dict(self.headers.items()),
                            body=body,
                            status=status,
                        )
                    )
                answer = b'{"ok": true}' if status < 300 else b"receiver says no"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
