"""The client's address, resolved once per request from the peer and the headers of trusted proxies."""
import ipaddress

from django.conf import settings

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")


def _trusted(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote_addr, forwarded_for, networks):
    """The right-most hop not run by us: walk X-Forwarded-For from the peer (a trusted proxy) leftwards while hops
    are trusted.

    Hops left of the first untrusted one were written by the client and are ignored, so a spoofed header buys
    nothing. A hop that is not an address stops the walk at the trusted proxy that reported it.
    """
    client = remote_addr
    for hop in reversed([hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return client
        client = hop
        if not _trusted(hop, networks):
            return client
    return client


def peer_is_trusted(remote_addr):
    return bool(settings.TRUSTED_PROXIES) and _trusted(remote_addr, settings.TRUSTED_PROXIES)


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: REMOTE_ADDR becomes the client's address for every layer below (limits, logs);
    forwarded headers from a peer that is not a trusted proxy are dropped, so X-Forwarded-Proto
    (SECURE_PROXY_SSL_HEADER) only counts when a trusted proxy set it. The peer stays in POSTERN_PEER_ADDR."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        meta["POSTERN_PEER_ADDR"] = peer
        if peer_is_trusted(peer):
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR"), settings.TRUSTED_PROXIES)
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
