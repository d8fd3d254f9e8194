"""gunicorn settings for production: `gunicorn -c server/gunicorn_conf.py`.

The access log format leaves out %(h)s (the client address) and the query string: the full
IP is never written anywhere, logs included. Environment: GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_THREADS; the app's own settings are in server/config.py.
"""

import multiprocessing
import os

wsgi_app = "server:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads let one worker wait on the database's fsync while another request is parsed.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Each worker opens its own database connections: nothing is shared across a fork.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '- %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
