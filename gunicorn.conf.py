"""Gunicorn settings for production: ``gunicorn`` (run from the checkout) reads them.

Command-line flags and ``GUNICORN_CMD_ARGS`` override any of them, e.g.
``gunicorn -b 0.0.0.0:8000`` or ``GUNICORN_CMD_ARGS="--workers 4"``.
``benchmarks/checkin.py`` measures the check-in with exactly these settings.
"""

import multiprocessing

wsgi_app = "wsgi:app"
bind = "127.0.0.1:8000"

# Threaded workers keep a client's connection open between requests (the
# default sync worker closes it after every response, so each scan paid for a
# new TCP connection) and overlap one request's database wait with another's
# Python work. One process per core: the work is CPU-bound and a thread more
# than the cores costs more in GIL handovers than it wins.
worker_class = "gthread"
workers = multiprocessing.cpu_count()
threads = 4
# The reverse proxy or the scanner keeps its connection; 5 s covers the pause
# between two scans at a busy desk. A gthread worker holds at most
# worker_connections of them.
keepalive = 5
worker_connections = 100
backlog = 256

# A stuck request (a long export) is ended after two minutes; the worker is
# replaced, the other workers keep serving.
timeout = 120
graceful_timeout = 30

# Import the app once in the master, so a broken configuration stops the start
# and workers fork with the code loaded. Database connections are opened per
# worker, on first use after the fork (the engine does not connect at import).
preload_app = True

accesslog = None  # the reverse proxy logs requests (without card codes)
errorlog = "-"
loglevel = "info"


def post_fork(server, worker):
    """Drop any pooled connection inherited from the master (SQLAlchemy's advice).

    The master opens none at import; this keeps it so if that ever changes.
    """
    from vaerested.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
