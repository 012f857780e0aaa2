"""Where a webhook may be sent (server-side request forgery): the one rule, asked when a hook is saved and again by
the connection that delivers it, about the address it actually connected to — so a name that resolves somewhere
else by then (DNS rebinding) is still refused.

- https anywhere public; http only to a loopback address, and only outside production mode;
- never a link-local or cloud metadata address, nor an unspecified, multicast or reserved one;
- in production mode (POSTERN_PRODUCTION), no loopback or private address either, unless it is in
  POSTERN_WEBHOOK_ALLOWED_NETWORKS.
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_URL_LENGTH = 2048

# Never, whatever the mode or the allowed networks: link-local (cloud metadata lives there: 169.254.169.254,
# fd00:ec2::254), Alibaba Cloud's metadata address, "this network", multicast and the reserved blocks.
FORBIDDEN_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "169.254.0.0/16", "100.100.100.200/32", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "fe80::/10", "fec0::/10", "ff00::/8", "fd00:ec2::254/128",
))
# Shared address space (carrier-grade NAT) is internal too, though Python does not call it private.
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class Refusal:
    code: str  # stable, machine-readable (the API's error code)
    message: str


def _unwrapped(address):
    """The IPv4 address an IPv6 one carries (IPv4-mapped, NAT64), which is where the packets really go."""
    if address.version == 6:
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.ip_address(int(address) & 0xFFFFFFFF)
    return address


def _internal(address):
    return (address.is_loopback or address.is_private or address.is_reserved or address in _SHARED_ADDRESS_SPACE)


def _https_required():
    if settings.PRODUCTION:
        return Refusal("hook.url_https_required", _("Webhook URLs must use https in production mode."))
    return Refusal("hook.url_https_required",
                   _("Webhook URLs must use https; http is allowed only to this machine (loopback)."))


def address_refusal(address, *, scheme):
    """Why a hook must not reach `address` (an ipaddress object) over `scheme`, or None when it may."""
    address = _unwrapped(address)
    if any(address in network for network in FORBIDDEN_NETWORKS):
        return Refusal("hook.url_forbidden_address",
                       _("Webhooks cannot be sent to link-local, cloud metadata, multicast or reserved addresses "
                         "(%(address)s).") % {"address": address})
    if scheme == "http":
        return None if address.is_loopback and not settings.PRODUCTION else _https_required()
    allowed = any(address in network for network in settings.WEBHOOK_ALLOWED_NETWORKS)
    if settings.PRODUCTION and _internal(address) and not allowed:
        return Refusal("hook.url_private_address",
                       _("In production mode webhooks cannot be sent to private or loopback addresses "
                         "(%(address)s) unless POSTERN_WEBHOOK_ALLOWED_NETWORKS includes them.") % {"address": address})
    return None


def url_refusal(url):
    """Why `url` cannot be a hook's URL, or None. A host name is resolved and every address it has now must be
    allowed; an https one that does not resolve yet is accepted here and checked when a delivery connects."""
    if not isinstance(url, str) or not url.strip():
        return Refusal("hook.url_invalid", _("Enter the URL that should receive the webhooks."))
    if len(url) > MAX_URL_LENGTH or any(ord(c) < 33 or ord(c) == 127 for c in url):
        return Refusal("hook.url_invalid", _("Enter a valid URL (at most %(max)d characters, no spaces).")
                       % {"max": MAX_URL_LENGTH})
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return Refusal("hook.url_invalid", _("Enter a valid URL, for example https://example.com/hooks/logto."))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Refusal("hook.url_invalid", _("Enter a valid http(s) URL, for example https://example.com/hooks/logto."))
    if parts.username is not None or parts.password is not None:
        return Refusal("hook.url_invalid", _("Put credentials in a custom header, not in the URL."))
    try:
        addresses = [ipaddress.ip_address(parts.hostname)]
    except ValueError:
        try:
            found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            found = []
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    if not addresses and parts.scheme == "http":
        # http is for this machine only, which a name that resolves to nothing is not known to be.
        return _https_required()
    for address in addresses:
        refusal = address_refusal(address, scheme=parts.scheme)
        if refusal:
            return refusal
    return None
