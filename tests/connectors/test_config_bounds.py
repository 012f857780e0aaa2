"""Connector config JSON is bounded in depth and size: a clear error beside the field, the typed text kept."""
import html
import json
import re

import pytest

from connectors.forms import MAX_CONFIG_CHARS, MAX_CONFIG_DEPTH, json_depth
from connectors.models import Connector

pytestmark = pytest.mark.django_db

SECRET = "tencent-secret-key-9876"


def _config_errors_and_text(body):
    text = html.unescape(re.search(r'<textarea name="config"[^>]*>(.*?)</textarea>', body, re.S).group(1))
    return text.strip()


@pytest.mark.parametrize("levels", [MAX_CONFIG_DEPTH + 1, 900, 5_000])
def test_deeply_nested_config_is_a_field_error_and_keeps_the_text(post_connector_form, new_tencent_url, levels):
    config = '{"templates": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"

    response = post_connector_form(new_tencent_url, config, secret=SECRET)

    body = response.content.decode()
    assert response.status_code == 400
    assert f"The config nests more than {MAX_CONFIG_DEPTH} levels" in body
    assert _config_errors_and_text(body) == config
    # The secret typed in its own field stays there (only there) for the next try.
    assert not Connector.objects.exists() and body.count(SECRET) == 1


def test_an_oversized_config_is_a_field_error(post_connector_form, new_tencent_url):
    config = '{"templates": ' + "[" * 10_000 + "]" * 10_000 + "}"

    response = post_connector_form(new_tencent_url, config, secret=SECRET)

    body = response.content.decode()
    assert response.status_code == 400 and f"at most {MAX_CONFIG_CHARS}" in body
    assert not Connector.objects.exists()


def test_deep_rendered_fields_are_ignored(admin_client, new_tencent_url, tencent_config):
    data = {"name": "", "config": json.dumps(tencent_config), "rendered_fields": "[" * 5_000 + "]" * 5_000,
            "accessKeySecret": SECRET, "phone": ""}

    response = admin_client.post(new_tencent_url, data)

    assert response.status_code == 302 and Connector.objects.get().config["region"] == tencent_config["region"]


def test_a_config_at_the_depth_bound_is_not_refused_for_depth(post_connector_form, new_tencent_url,
                                                              tencent_config):
    config = {**tencent_config, "templates": [{"x": json.loads("[" * (MAX_CONFIG_DEPTH - 3) + "]" *
                                                               (MAX_CONFIG_DEPTH - 3))}]}
    assert json_depth(json.dumps(config)) == MAX_CONFIG_DEPTH

    response = post_connector_form(new_tencent_url, config, secret=SECRET)

    assert "levels of braces" not in response.content.decode()


def test_json_depth_counts_brackets_outside_strings_only():
    assert json_depth('{"a": "[[[{{{", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert json_depth("") == 0 and json_depth("1") == 0
