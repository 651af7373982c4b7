"""Django's PostgreSQL backend, with every wait on the server bounded (see the package's
docstring for why the server's own timeouts are not enough)."""

import psycopg
from django.conf import settings
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper
from psycopg import errors

from . import database_answered, database_found_silent, database_silent

# A health check is SELECT 1 on a pooled connection, which a running server answers in
# milliseconds; it is what every request after the first meets first, so it decides how soon
# a request notices a silent server. Long enough not to throw away a good connection on a
# busy machine.
HEALTH_CHECK_SECONDS = 2.0
# Over the server's statement_timeout, so a server that runs always ends a slow query itself
# (with an error the code knows) before the client gives up on it.
STATEMENT_MARGIN_SECONDS = 1.5


class _FoundSilent(Exception):
    """Another thread of this process found the server silent while this one waited on it."""


def _unless_found_silent(gen):
    """Passes ``gen``'s conversation with the server through, and ends it when the server is
    found silent elsewhere: psycopg tells a waiting generator every 0.1 s that nothing came
    (Ready.NONE), so the threads waiting on the same silent server give up together, instead
    of each holding a web thread for its own limit."""
    try:
        state = next(gen)
        while True:
            ready = yield state
            if not ready and database_silent():
                raise _FoundSilent
            state = gen.send(ready)
    except StopIteration as done:
        return done.value


class BoundedConnection(psycopg.Connection):
    """A psycopg connection whose waits on the server end after ``wait_limit`` seconds (None:
    no limit), or sooner once the server is found silent. A wait that ends so closes the
    connection, since it is mid-conversation with the server, and raises OperationalError,
    which Django shows as the 503 page."""

    wait_limit: float | None = None

    def wait(self, gen, interval=psycopg.connection._WAIT_INTERVAL, timeout=None):
        if timeout is not None or self.wait_limit is None:
            # A caller with its own timeout (waiting for notifications) handles it itself.
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(_unless_found_silent(gen), interval=interval, timeout=self.wait_limit)
        except (errors._WaitTimeout, _FoundSilent):
            database_found_silent()
            # Not close(): the cursor waiting here holds the connection's lock.
            self.pgconn.finish()
            raise errors.OperationalError("the database server did not answer") from None


class _Psycopg:
    """psycopg as Django's backend uses it, with connections made as BoundedConnection."""

    connect = staticmethod(BoundedConnection.connect)

    def __getattr__(self, name):
        return getattr(psycopg, name)


def query_wait_limit() -> float | None:
    statement_timeout = settings.DATABASE_STATEMENT_TIMEOUT
    return statement_timeout + STATEMENT_MARGIN_SECONDS if statement_timeout > 0 else None


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    Database = _Psycopg()

    def get_new_connection(self, conn_params):
        if database_silent():
            raise errors.OperationalError("the database server did not answer a moment ago")
        try:
            connection = super().get_new_connection(conn_params)
        except errors.ConnectionTimeout:
            database_found_silent()
            raise
        database_answered()
        connection.wait_limit = query_wait_limit()
        return connection

    def is_usable(self):
        if self.connection is None or database_silent():
            return False
        limit, self.connection.wait_limit = self.connection.wait_limit, HEALTH_CHECK_SECONDS
        try:
            return super().is_usable()
        finally:
            self.connection.wait_limit = limit
