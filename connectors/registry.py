"""The SMS providers Postern offers, registered explicitly: a new provider is one module and one line here."""
from __future__ import annotations

from connectors.providers.base import SmsProvider
from connectors.providers.tencent import TencentSmsProvider


class UnknownProvider(KeyError):
    """No provider is registered under that key (a stored connector may name a provider since removed)."""


class ProviderRegistry:
    def __init__(self) -> None:
        self._providers: dict[str, SmsProvider] = {}

    def register(self, provider_class: type[SmsProvider]) -> type[SmsProvider]:
        """Register a provider class; returns it, so it also works as a class decorator."""
        if provider_class.key in self._providers:
            raise ValueError(f"An SMS provider is already registered as {provider_class.key!r}")
        self._providers[provider_class.key] = provider_class()
        return provider_class

    def get(self, key: str) -> SmsProvider:
        try:
            return self._providers[key]
        except KeyError:
            raise UnknownProvider(key) from None

    def all(self) -> list[SmsProvider]:
        """Every provider, in registration order."""
        return list(self._providers.values())


registry = ProviderRegistry()
registry.register(TencentSmsProvider)
