"""A partner's webhook receiver on 127.0.0.1: checks every signature with the Standard
Webhooks library, as the README's recipe does, and keeps what arrived. It can go down (its
port closed: connections refused) and come back up on the same port."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    attempt: int
    payload: dict
    verified: bool


class Receiver:
    def __init__(self, status: int = 204):
        self.secret: str | None = None
        self.status = status
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/consents"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    # The recipe: verify the raw body against the three headers.
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                    verified = True
                except WebhookVerificationError:
                    payload, verified = json.loads(body), False
                with receiver.lock:
                    receiver.received.append(Received(
                        self.headers["webhook-id"], int(self.headers["webhook-attempt"]),
                        payload, verified))
                self.send_response(receiver.status if verified else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        """Closed: the port refuses connections until `up`."""
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        with self.lock:
            return [r.payload["data"] for r in self.received]
