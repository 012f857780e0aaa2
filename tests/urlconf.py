"""The URL conf walked, for tests that must cover every URL of a kind (a new URL is covered without editing them)."""
import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Route:
    path: str  # e.g. "console/t/<str:tenant_id>/applications/<str:app_id>"
    name: str  # with its namespaces, e.g. "applications:detail"

    @property
    def arguments(self):
        return {match.group(2) for match in _ARGUMENT.finditer(self.path)}


def routes(starting_with, resolver=None, prefix="", namespace=""):
    """Every named route whose path starts with `starting_with`, in URL-conf order."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(starting_with, entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and (prefix + str(entry.pattern)).startswith(starting_with):
            yield Route(prefix + str(entry.pattern), f"{namespace}{entry.name}")


def fill(route, values):
    """The URL of `route` with its arguments from `values`; a missing one fails and says which to add."""
    def argument(match):
        name = match.group(2)
        if name not in values:
            raise AssertionError(f"{route.path}: add an object for URL argument {name!r} in this test")
        return str(values[name])

    return "/" + _ARGUMENT.sub(argument, route.path)
