"""What this process knows about Redis being hung, so a Redis that does not answer costs one timeout, not one per
call.

A hosted page makes several Redis calls (tenant, sign-in experience, connector, rate limits). With Redis hung
(the process alive but not answering) each one waited for its socket timeout, so a page took seconds. After a
timeout, calls fail at once for OPEN_SECONDS; then the next call tries Redis again. A refused connection (Redis
stopped) fails in microseconds by itself and opens nothing, so Postern notices at once when Redis is back.
This is the only Redis state kept in process memory: a timestamp, wrong for at most OPEN_SECONDS.
"""
import logging
import time

from redis import connection as redis_connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OPEN_SECONDS = 2.0
_failed_at = 0.0


class RedisUnavailable(RedisConnectionError):
    """Raised without trying while Redis timed out within the last OPEN_SECONDS (a RedisError like any other)."""


def is_open():
    return time.monotonic() - _failed_at < OPEN_SECONDS


def check():
    if is_open():
        raise RedisUnavailable("Redis timed out a moment ago; not waiting for it again yet")


def record_timeout(error):
    global _failed_at
    if not is_open():
        logger.warning("Redis did not answer (%s): answering without it for %.0f s, then trying again", error,
                       OPEN_SECONDS)
    _failed_at = time.monotonic()


class GuardedConnection(redis_connection.Connection):
    """redis-py's connection that fails fast while Redis is known to be hung and reports its own timeouts."""

    def connect_check_health(self, *args, **kwargs):
        check()
        try:
            return super().connect_check_health(*args, **kwargs)
        except RedisTimeoutError as exc:
            record_timeout(exc)
            raise

    def send_packed_command(self, *args, **kwargs):
        check()
        try:
            return super().send_packed_command(*args, **kwargs)
        except RedisTimeoutError as exc:
            record_timeout(exc)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except RedisTimeoutError as exc:
            record_timeout(exc)
            raise
