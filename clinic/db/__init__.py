"""The PostgreSQL connection that cannot hang a web worker (settings name it as the ENGINE).

PostgreSQL's own ``statement_timeout`` ends a slow query on a server that runs, and TCP
keepalives with ``tcp_user_timeout`` notice a server whose machine has gone. Neither notices a
server that is there but silent (frozen, stopped, swapped out): its operating system still
acknowledges every packet, so a query on a pooled connection would wait for ever. So every
wait on the server is also bounded here, on the client's side (``base.py``), and a server
found silent is not waited on again for ``SILENT_RETRY_SECONDS``: the requests in that time
get the 503 page at once, instead of each waiting out the limit in turn while the pages that
need no database queue behind them. After that, the next request tries again, so the site
comes back by itself when the server does.
"""

import time

# How long a server that did not answer is left alone before a request tries it again.
SILENT_RETRY_SECONDS = 5.0

# One per process, shared by its threads: a float assignment is atomic, and two threads that
# both find the server silent only write nearly the same time.
_silent_until = 0.0


def database_silent() -> bool:
    """Whether the server was found silent within the last SILENT_RETRY_SECONDS."""
    return time.monotonic() < _silent_until


def database_found_silent() -> None:
    global _silent_until
    _silent_until = time.monotonic() + SILENT_RETRY_SECONDS


def database_answered() -> None:
    global _silent_until
    _silent_until = 0.0
