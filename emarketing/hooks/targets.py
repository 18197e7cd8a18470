"""Where a webhook may be posted: not into our own network (server-side request forgery).

A subscription's URL is checked when it is saved and the address its host resolves to is checked again before
every post, since a name can be made to resolve elsewhere later. Development and tests allow plain HTTP and this
machine (WEBHOOK_ALLOW_INSECURE_TARGETS).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def _address_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def url_problem(url: str, *, resolve: bool) -> str:
    """Why ``url`` may not receive webhooks here, or ``""``; ``resolve`` also looks the host up."""
    parts = urlsplit(url)
    insecure = settings.WEBHOOK_ALLOW_INSECURE_TARGETS
    if parts.scheme not in (("https", "http") if insecure else ("https",)):
        return _("The address must start with https://.")
    if not parts.hostname:
        return _("The address has no host name.")
    if parts.username or parts.password:
        return _("The address may not hold a user name or password; the signature proves who is posting.")
    if insecure:
        return ""
    host = parts.hostname
    try:
        if _address_refused(host):
            return _("The address points into a private network.")
        return ""
    except ValueError:
        pass  # a name, not an address
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return _("The address points into a private network.")
    if resolve:
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError:
            return _("The host name could not be resolved.")
        if any(_address_refused(str(info[4][0])) for info in infos):
            return _("The address points into a private network.")
    return ""
