"""Connectors and their factories in Logto's JSON shapes (its Management API's and its webhook payloads'), with
Postern's extras added beside Logto's fields, never renamed. Secrets are masked as the console masks them."""
from __future__ import annotations

import json
from typing import Any

from connectors import selectors, services
from connectors.models import Connector
from connectors.providers.base import ConfigField, SmsProvider


def _millis(moment) -> int:
    return int(moment.timestamp() * 1000)


def _form_item(config_field: ConfigField, provider: SmsProvider) -> dict[str, Any]:
    """One config field as a Logto form item: text (confidential for secrets), a choice, or JSON for a list."""
    item: dict[str, Any] = {"key": config_field.name, "label": config_field.label,
                            "required": config_field.required and config_field.default is None,
                            "description": config_field.help}
    if config_field.type == "list":
        item.update(type="Json", defaultValue=provider.initial_config().get(config_field.name, []))
    elif config_field.choices:
        item.update(type="Select", selectItems=[{"value": choice, "title": choice} for choice in config_field.choices])
    else:
        item.update(type="Text", isConfidential=config_field.secret)
    if config_field.default is not None:
        item["defaultValue"] = config_field.default
    return item


def connector_factory_json(provider: SmsProvider) -> dict[str, Any]:
    """Logto's ConnectorFactoryResponse for a registered provider."""
    return {
        "type": "Sms",
        "isDemo": False,
        "id": provider.factory_id,
        "target": "",
        "name": {"en": provider.name},
        "description": {"en": provider.description or provider.name},
        "logo": "",
        "logoDark": None,
        "readme": provider.guide,
        "configTemplate": json.dumps(provider.initial_config(), indent=2),
        "formItems": [_form_item(config_field, provider) for config_field in provider.config_fields],
        "platform": None,
        "isStandard": False,
        "isTokenStorageSupported": False,
        "customData": {},
        # Postern's own: the key the console and the message log name the provider by.
        "providerKey": provider.key,
    }


def connector_json(connector: Connector) -> dict[str, Any]:
    """Logto's ConnectorResponse: the factory's fields, then the connector's own (its config with secrets masked
    to their last 4 characters, exactly as the console's editor shows them), plus `enabled`.

    A connector whose provider is no longer installed keeps its id, provider key and non-secret config."""
    provider = selectors.provider_or_none(connector.provider)
    if provider is None:
        factory = {"type": "Sms", "isDemo": False, "id": connector.provider, "target": "",
                   "name": {"en": connector.name}, "description": {"en": connector.name}, "logo": "",
                   "logoDark": None, "readme": "", "platform": None, "isStandard": False, "customData": {},
                   "providerKey": connector.provider}
        config, default_name = dict(connector.config), None
    else:
        factory = connector_factory_json(provider)
        config, default_name = services.connector_config_for_edit(connector), provider.name
    return {
        **factory,
        "id": str(connector.pk),
        "connectorId": factory["id"],
        "syncProfile": False,
        "enableTokenStorage": False,
        "metadata": {"name": {"en": connector.name}} if connector.name != default_name else {},
        "config": config,
        "extraInfo": {},
        # Postern's own: only an enabled connector sends (one per kind and tenant), and when it changed.
        "enabled": connector.enabled,
        "createdAt": _millis(connector.created_at),
        "updatedAt": _millis(connector.updated_at),
    }
