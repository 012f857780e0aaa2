"""Helpers for the connector tests: posting the console's connector form, and a broker that is down."""
import json
import socket

import pytest
from django.urls import reverse


@pytest.fixture
def post_connector_form(admin_client):
    """post(url, config, **fields): the connector form as a browser without JavaScript submits it."""

    def post(url, config, *, secret="", phone="", name="", rendered=None, **headers):
        data = {"name": name, "config": config if isinstance(config, str) else json.dumps(config),
                "accessKeySecret": secret, "phone": phone, "rendered_fields": json.dumps(rendered or {})}
        return admin_client.post(url, data, **headers)

    return post


@pytest.fixture
def new_tencent_url(tenant):
    return reverse("connectors:create", args=[tenant.id]) + "?provider=tencent"


@pytest.fixture
def broker_down(monkeypatch):
    """This process publishes to a closed port; the shared Redis keeps running for everyone else."""
    from console.celery import app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    monkeypatch.setattr(app, "_pool", None)
    app.conf.broker_write_url = f"redis://127.0.0.1:{closed_port}/0"
    yield
    app.conf.broker_write_url = None
