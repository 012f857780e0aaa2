"""PostgreSQL backend: Django's, with a health check that needs no round trip while the connection is quiet, and
psycopg's prepared statements available to the statements that ask for them.

Persistent connections must be checked before reuse, or the first request of each worker thread after a database
restart fails. Django's check is `SELECT 1` — a round trip on every request (README "Performance"). Between
requests an idle connection receives nothing unless the server closed it or wants to say something (a shutdown, a
termination): then its socket turns readable, and only then the full check runs.

Django switches psycopg's statement preparation off for the whole connection (`prepare_threshold` None, for
connection poolers). Its own cursors bind values on the client and are never prepared either way, so switching it
back on changes nothing for them; it lets the hot statements of console.compiled_query, which bind on the server
and ask `prepare=True`, be planned once per connection instead of on every execution (README "Performance"). The
threshold is out of reach, so nothing else is prepared on its own. `OPTIONS` naming `prepare_threshold` have the
last word.
"""
import select

from django.db.backends.postgresql import base
from psycopg import pq

ONLY_WHEN_ASKED = 2**31 - 1


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if "prepare_threshold" not in self.settings_dict["OPTIONS"]:
            params["prepare_threshold"] = ONLY_WHEN_ASKED
        return params

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
