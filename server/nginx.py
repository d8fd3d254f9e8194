"""The buffering reverse proxy in front of the app server, as nginx configuration, rendered from
the app's own settings: the body cap and the time bound are CONSENT_MAX_BODY_BYTES and
CONSENT_BODY_TIMEOUT, and nginx's own error answers are the API's JSON shape
(contract.error_body), with the app's words where the app says the same.

nginx reads each whole request before the app server sees it, so a client that sends slowly
holds a connection of nginx's (cheap, bounded in time) and no thread of the app's; it answers
what is not HTTP itself. It writes the access log, in a format without the client's address
or the query string; its error log keeps only what is critical, since nginx writes the
client's address into every request-level error line (`client: …`). `flask --app server
nginx-config` prints the configuration for the site's nginx (conf.d/, inside its http block);
`standalone` wraps it into a whole nginx.conf (the tests, the bench).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .contract import BODY_OVER, error_body
from .db import RETRY_AFTER

# Status → the error's words. 494 is nginx's own code for headers too large: answered 431.
_OWN_ERRORS = {
    400: "bad request: not HTTP nginx can read",
    413: BODY_OVER,
    414: "request target too long",
    431: "request headers too large",
    # The app server does not answer (down, restarting): ask again later.
    503: "server unavailable, try again later",
}
# What the headers and the request line may take, in all (nginx's large_client_header_buffers).
HEADER_BUFFERS = "4 8k"


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def server_block(listen: str, upstream: str, cap: int, timeout: float,
                 consents_path: str, access_log: str) -> str:
    """The http-level blocks (upstream, access log format) and the server block: `listen` is
    nginx's address, `upstream` the app server's (host:port), `consents_path` the app's
    CONSENT_PATH, `access_log` the access log's file."""
    seconds = max(1, round(timeout))
    errors = []
    for status, words in _OWN_ERRORS.items():
        body = json.dumps(error_body(words.format(cap=cap)))
        extra = f"add_header Retry-After {RETRY_AFTER} always; " if status == 503 else ""
        errors.append(f"    location = /_consent_error/{status} {{ {extra}return {status} "
                      f"{_quoted(body)}; }}")
    return f"""upstream consent_app {{
  server {upstream};
  keepalive 32;
}}
# The access log: one line per request, written by nginx (in C, buffered) rather than by the
# app server's Python, with no client address and no query string. A path that could hold an
# address (a dotted quad, a colon) is written "-".
map $request_uri $consent_logged_path {{
  "~^[^?]*[0-9]{{1,3}}\\.[0-9]{{1,3}}\\.[0-9]{{1,3}}\\.[0-9]{{1,3}}" "-";
  "~^[^?]*:" "-";
  "~^(?<consent_path>[^?]+)" $consent_path;
  default "-";
}}
log_format consent_no_address
  '[$time_local] "$request_method $consent_logged_path $server_protocol" $status '
  '$body_bytes_sent ${{request_time}}s';
server {{
  listen {listen};
  access_log {access_log} consent_no_address buffer=32k flush=1s;
  error_log stderr crit;
  client_header_timeout {seconds}s;
  client_body_timeout {seconds}s;
  client_max_body_size {cap};
  large_client_header_buffers {HEADER_BUFFERS};
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $http_host;
  # One proxy: the app trusts this one header (CONSENT_PROXIES=1).
  proxy_set_header X-Forwarded-For $remote_addr;
  proxy_request_buffering on;
  location / {{
    proxy_pass http://consent_app;
  }}
  # A worker of the app server that stops (a restart) closes its idle kept-alive connections,
  # and a request nginx sent on one at that instant is cut before the app read it. nginx sends
  # it again on a fresh connection, but a POST only where told: a consent carries its own
  # event_id and is stored once however often it comes (server/store.py).
  location = {consents_path} {{
    proxy_pass http://consent_app;
    proxy_next_upstream error timeout non_idempotent;
  }}
  error_page 400 /_consent_error/400;
  error_page 413 /_consent_error/413;
  error_page 414 /_consent_error/414;
  error_page 494 =431 /_consent_error/431;
  error_page 502 504 =503 /_consent_error/503;
  location ^~ /_consent_error/ {{
    internal;
    default_type application/json;
{chr(10).join(errors)}
  }}
}}
"""


def standalone(folder: Path, listen: str, upstream: str, cap: int, timeout: float,
               consents_path: str) -> str:
    """A whole nginx.conf around server_block, with its pid, temporary files and access log
    (access.log) in `folder`: `nginx -c <folder>/nginx.conf -g 'daemon off;'`."""
    return f"""worker_processes 1;
pid {folder}/nginx.pid;
error_log stderr crit;
events {{ worker_connections 1024; }}
http {{
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
{server_block(listen, upstream, cap, timeout, consents_path, str(folder / "access.log"))}}}
"""


@click.command("nginx-config")
@click.option("--listen", default="127.0.0.1:8080", show_default=True,
              help="nginx's address (what visitors and the load balancer reach)")
@click.option("--upstream", default="127.0.0.1:8000", show_default=True,
              help="the app server's address (GRANIAN_HOST:GRANIAN_PORT)")
@click.option("--access-log", default="/var/log/nginx/consent-access.log", show_default=True,
              help="the access log's file (no client address, no query string)")
@with_appcontext
def nginx_config(listen: str, upstream: str, access_log: str) -> None:
    """Print the nginx configuration that goes in front of the app server (conf.d/)."""
    config = current_app.config
    click.echo(server_block(listen, upstream, config["CONSENT_MAX_BODY_BYTES"],
                            config["CONSENT_BODY_TIMEOUT"], config["CONSENT_PATH"], access_log),
               nl=False)


def init_app(app) -> None:
    app.cli.add_command(nginx_config)
