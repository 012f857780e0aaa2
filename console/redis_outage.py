"""What this process knows about Redis being down, so a dead or hung Redis costs one timeout, not one per call.

A hosted page makes several Redis calls (tenant, sign-in experience, connector, rate limits). With Redis hung
(the process alive but not answering) each one waits for its socket timeout, so a page took seconds. After a
failure, calls fail at once for OPEN_SECONDS; then the next call tries Redis again, and a success closes it.
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
    """Raised without trying while Redis failed within the last OPEN_SECONDS (a RedisError like any other)."""


def is_open():
    return time.monotonic() - _failed_at < OPEN_SECONDS


def check():
    if is_open():
        raise RedisUnavailable("Redis did not answer a moment ago; not waiting for it again yet")


def record_failure(error):
    global _failed_at
    if not is_open():
        logger.warning("Redis unreachable (%s): answering without it for %.0f s, then trying again", error,
                       OPEN_SECONDS)
    _failed_at = time.monotonic()


class GuardedConnection(redis_connection.Connection):
    """redis-py's connection that fails fast while Redis is known to be down and reports its own failures.

    A refused or timed-out connect and a timed-out command count as Redis being down. A broken socket does not
    (a connection kept from before a Redis restart): redis-py retries that once on a new connection, whose
    connect then decides.
    """

    def connect_check_health(self, *args, **kwargs):
        check()
        try:
            return super().connect_check_health(*args, **kwargs)
        except RedisUnavailable:
            raise
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            record_failure(exc)
            raise

    def send_packed_command(self, *args, **kwargs):
        check()
        try:
            return super().send_packed_command(*args, **kwargs)
        except RedisTimeoutError as exc:
            record_failure(exc)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except RedisTimeoutError as exc:
            record_failure(exc)
            raise
