"""Postern as `make run` starts it (PostgreSQL, a Redis of the test's own, the launcher's workers and beat): a worker
SIGKILLed while deliveries are in flight and queued loses none of them — the launcher restarts it and beat's sweeper
takes back what the dead worker held, so every delivery reaches the receiver (at least once; receivers drop a repeat
by its logto-delivery-id)."""
import os
import re
import signal
import sys
import time

import psycopg
import pytest
import requests

from tests.fixtures_services import ThrowawayRedis, throwaway_postgres_database
from tests.launched import Launched, embedded_env
from tests.webhooks.receiver import Answer, Receiver

USERS = 16
RECEIVER_LATENCY = 1.0


@pytest.fixture
def database():
    """A PostgreSQL database of its own on the suite's server, dropped afterwards."""
    with throwaway_postgres_database("postern_hooks") as url:
        yield url


@pytest.fixture
def postern(tmp_path, database):
    redis_server = ThrowawayRedis()
    redis_server.start()
    launched_env = embedded_env(tmp_path, DATABASE_URL=database, REDIS_URL=redis_server.url,
                                POSTERN_WEBHOOK_TIMEOUT="3",
                                POSTERN_WEBHOOK_SWEEP_SECONDS="1")
    launched = Launched(sys.executable, launched_env, tmp_path / "launcher.log")
    try:
        yield launched
    finally:
        launched.stop()
        redis_server.stop()


def management_api(launched):
    endpoint = re.search(r"Demo tenant:\s+(\S+)", launched.banner).group(1)
    client_id, secret = re.search(r"Provisioning appId (\S+), secret (\S+)\)", launched.banner).groups()
    token = requests.post(f"{endpoint}/oidc/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
        "resource": f"{endpoint}/api", "scope": "all"}, timeout=10).json()["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return endpoint, session


def delivery_statuses(database):
    with psycopg.connect(database) as connection:
        return dict(connection.execute(
            "SELECT status, count(*) FROM webhooks_hookdelivery GROUP BY status").fetchall())


def test_a_worker_killed_with_deliveries_in_flight_and_queued_loses_none(postern, database):
    receiver = Receiver()
    receiver.default = Answer(delay=RECEIVER_LATENCY)
    try:
        endpoint, api = management_api(postern)
        hook = api.post(f"{endpoint}/api/hooks", json={"events": ["User.Created"],
                                                      "config": {"url": receiver.url()}}, timeout=10).json()
        for n in range(USERS):
            created = api.post(f"{endpoint}/api/users", json={"username": f"reader{n}"}, timeout=10)
            assert created.status_code == 200, created.text
        receiver.wait_for(2, timeout=30)  # deliveries are in flight, the rest queued
        os.kill(postern.child_pid("worker1@"), signal.SIGKILL)
        deadline = time.monotonic() + 90
        while (statuses := delivery_statuses(database)) != {"SUCCEEDED": USERS}:
            assert time.monotonic() < deadline, (statuses, postern.log()[-3000:])
            time.sleep(0.2)
        log = postern.log()
        assert "worker1" in log and "SIGKILL" in log
        assert "Took back" in log  # what the dead worker was sending is sent again
        assert {request.json["data"]["username"] for request in receiver.received} == {
            f"reader{n}" for n in range(USERS)}
        assert all(request.signed_with(hook["signingKey"]) for request in receiver.received)
        ids = [request.headers["logto-delivery-id"] for request in receiver.received]
        assert len(set(ids)) == USERS < len(ids)  # a repeat carries the same delivery id
    finally:
        receiver.stop()
