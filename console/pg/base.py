"""PostgreSQL backend: Django's, with a health check that needs no round trip while the connection is quiet.

Persistent connections must be checked before reuse, or the first request of each worker thread after a database
restart fails. Django's check is `SELECT 1` — a round trip on every request (an eighth of a token refresh,
profiled). Between requests an idle connection receives nothing unless the server closed it or wants to say
something (a shutdown, a termination): then its socket turns readable, and only then the full check runs.
"""
import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):
            return False
        return super().is_usable() if readable else True
