"""Logs without client addresses (the full IP must never be written, logs included), and
warnings a client can trigger written once per interval, not once per request."""

from __future__ import annotations

import logging
import math
import re
import threading
import time

# Any IP address in a log message: werkzeug's dev server starts each request line with the
# client's ("203.0.113.7 - - [date] "POST ..." 201 -"), an app server's own messages may name
# the peer of a connection, and a message may quote a header that holds one.
_IPV4 = r"(?<![\w.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![\w.])"
# IPv6: eight groups, or fewer around "::" (so that a time such as 12:30:45 is left alone).
_H = "[0-9A-Fa-f]{1,4}"
_IPV6 = (rf"(?<![\w:.])(?:(?:{_H}:){{7}}{_H}|(?:{_H}(?::{_H}){{0,6}})?::(?:{_H}(?::{_H}){{0,6}})?)"
         r"(?![\w.])")
_ADDRESS = re.compile(f"{_IPV6}|{_IPV4}")


def without_addresses(text: str) -> str:
    return _ADDRESS.sub("-", text)


class NoClientAddress(logging.Filter):
    """Rewrites each record's message with every IP address replaced by "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = without_addresses(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class Throttle:
    """Whether a warning about `key` is due: at most once per `interval` seconds per key."""

    def __init__(self, interval: float, keys: int = 1000):
        self.interval, self.keys = interval, keys
        self.lock = threading.Lock()
        self.last: dict[str, float] = {}

    def due(self, key: str) -> bool:
        now = time.monotonic()
        with self.lock:
            if len(self.last) >= self.keys:
                # Bounded memory under a flood of distinct keys: forget the quiet ones.
                self.last = {k: t for k, t in self.last.items() if now - t < self.interval}
                if len(self.last) >= self.keys:
                    return False
            if now - self.last.get(key, -math.inf) < self.interval:
                return False
            self.last[key] = now
            return True


def scrub(logger: logging.Logger) -> None:
    if not any(isinstance(f, NoClientAddress) for f in logger.filters):
        logger.addFilter(NoClientAddress())


def init_app(app) -> None:
    scrub(logging.getLogger("werkzeug"))
    scrub(app.logger)
