"""Gunicorn's settings for the site (docker-compose: ``gunicorn -c clinic/gunicorn.py``).

Threads, so a request waiting on the database never holds up the ones that need none: the
stylesheet, /healthz and the 503 page are served by another thread meanwhile. No request waits
on the database for long (clinic.db bounds every wait), so the timeouts below are the last
guard, for a worker stuck somewhere else.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "3"))
# Enough that the requests of a first wave meeting a silent database (each waits up to the 2 s
# health check, clinic.db) leave threads free for the stylesheet; each thread may keep one
# pooled database connection, so workers x threads stays well under PostgreSQL's 100.
threads = int(os.environ.get("WEB_THREADS", "8"))
# A worker whose main loop has not checked in for this long is killed and replaced; one asked
# to stop (a deploy, a restart) has this long to finish the requests it has.
timeout = 30
graceful_timeout = 20
# Keep-alive connections from the proxy in front are closed after this idle time, so they do
# not tie up a thread each.
keepalive = 5
