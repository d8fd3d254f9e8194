"""gunicorn settings for production: `gunicorn -c server/gunicorn_conf.py`.

No client address is written: the access log format leaves out %(h)s (and the query string),
and the error log goes through server.gunicorn_support.Logger, which scrubs any address from
gunicorn's own messages ("Invalid request from ip=..."). gunicorn's own 400/431 answers are
JSON like the app's. Environment: GUNICORN_BIND, WEB_CONCURRENCY, GUNICORN_THREADS,
GUNICORN_ACCESS_LOG, GUNICORN_ERROR_LOG; the app's own settings are in server/config.py.
"""

import multiprocessing
import os

from server import gunicorn_support

wsgi_app = "server:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads let one worker wait on the database's fsync while another request is parsed.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Each worker opens its own database connections: nothing is shared across a fork.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = gunicorn_support.ACCESS_FORMAT
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
logger_class = "server.gunicorn_support.Logger"
gunicorn_support.json_errors()
