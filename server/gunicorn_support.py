"""gunicorn without client addresses in its error log, and with JSON error answers.

gunicorn answers a request it cannot parse (a bad request line or header, headers too large)
itself, before the app sees it: it logs "Invalid request from ip=<address>" and sends an HTML
page. `Logger` scrubs addresses from every message; `json_errors()` makes those answers the
API's JSON error shape. Loaded by server/gunicorn_conf.py.
"""

from __future__ import annotations

import json

from gunicorn import glogging, util

from .contract import error_body
from .logs import scrub


class Logger(glogging.Logger):
    """gunicorn's logger, whose error log never holds an IP address."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        scrub(self.error_log)


def _write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    body = json.dumps(error_body(f"{reason}: {mesg}"[:300] if mesg else reason)).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def json_errors() -> None:
    # gunicorn offers no setting for the body of its own error answers; its workers call
    # util.write_error, so that is the one function replaced.
    util.write_error = _write_json_error
