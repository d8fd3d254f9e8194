"""Access logs without client addresses: the full IP must never be written, logs included."""

from __future__ import annotations

import logging
import re

# werkzeug's dev server starts each request line with the client address (after ProxyFix,
# the visitor's real one): "203.0.113.7 - - [date] "POST ..." 201 -".
_ADDRESS = re.compile(r"^\S+ - - \[")


class NoClientAddress(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and _ADDRESS.match(record.msg):
            record.msg = _ADDRESS.sub("- - - [", record.msg, count=1)
        return True


def init_app(app) -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, NoClientAddress) for f in logger.filters):
        logger.addFilter(NoClientAddress())
