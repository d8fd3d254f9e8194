"""The production app server: granian serving `server:create_app` over WSGI, behind the nginx
that server/nginx.py configures. `python -m server.serve [granian options]`.

What is fixed here, for every deployment:
- no access log: nginx writes it, in C and buffered, without client address (server/nginx.py);
  granian's Python access log cost a sixth of the workers' time holding the GIL. Every line
  granian writes passes through the address scrubber (granian_logging.json);
- a worker that dies (kill -9, out of memory) is started again (--respawn-failed-workers);
- HTTP/1.1 only: nginx is the client (it buffers each whole request, bounds its time and
  answers what is not HTTP; granian alone cannot bound a body that stops coming).
The rest are granian's own settings under their own names, from the environment or the
command line: GRANIAN_HOST (127.0.0.1), GRANIAN_PORT (8000), GRANIAN_WORKERS (one per CPU
here), GRANIAN_BLOCKING_THREADS (per worker; THREADS here). SIGHUP restarts the workers one by
one without dropping a consent (nginx resends one cut on a closing connection); SIGTERM stops
after the requests under way.

The app's own settings (server/config.py) are checked here before any worker starts, so that a
wrong one stops the start with its one line instead of a crash loop of workers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import config as settings
from . import load_settings

# Requests one worker runs at once: while one waits on the database's commit, others are
# parsed and join the same group commit (server/batches.py). bench/server_bench.py, 2 workers,
# 16 connections: at 4 threads ours measured 0.94x the plain app (batches of 2), at 8 1.25x.
THREADS = 8
LOG_CONFIG = Path(__file__).with_name("granian_logging.json")


def arguments(extra: list[str]) -> list[str]:
    """granian's command line: the deployer's options, then the fixed choices (the last of an
    option given twice wins), then the app."""
    return [*extra, "--interface", "wsgi", "--factory", "--http", "1", "--no-ws",
            "--respawn-failed-workers", "--log-config", str(LOG_CONFIG), "--no-access-log",
            "server:create_app"]


def main(argv: list[str] | None = None) -> None:
    try:
        load_settings(os.environ)
    except settings.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    os.environ.setdefault("GRANIAN_WORKERS", str(os.cpu_count() or 1))
    os.environ.setdefault("GRANIAN_BLOCKING_THREADS", str(THREADS))
    from granian.cli import cli

    cli.main(args=arguments(sys.argv[1:] if argv is None else argv), prog_name="server.serve",
             auto_envvar_prefix="GRANIAN")


if __name__ == "__main__":
    main()
