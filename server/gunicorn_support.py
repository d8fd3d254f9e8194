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

# The production access line (server/gunicorn_conf.py): no client address, no query string.
ACCESS_FORMAT = '- %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


class Logger(glogging.Logger):
    """gunicorn's logger, whose error log never holds an IP address."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        scrub(self.error_log)

    def access(self, resp, req, environ, request_time) -> None:
        """The production line from its own atoms: gunicorn's builds some sixty (every header
        and environ entry) per request, a tenth of a millisecond."""
        if not self.access_log_enabled or self.cfg.access_log_format != ACCESS_FORMAT:
            super().access(resp, req, environ, request_time)
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        atoms = {"t": self.now(), "m": environ.get("REQUEST_METHOD"),
                 "U": environ.get("PATH_INFO"), "H": environ.get("SERVER_PROTOCOL"),
                 "s": status, "B": getattr(resp, "sent", None),
                 "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
                 "a": environ.get("HTTP_USER_AGENT", "-")}
        try:
            self.access_log.info(ACCESS_FORMAT, atoms)
        except Exception:  # noqa: BLE001 - as gunicorn's: a log line never fails a request
            self.exception("access log")


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
