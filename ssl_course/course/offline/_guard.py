"""The socket patch itself. Kept free of other imports: `sitecustomize` loads this file at
every interpreter start-up of an offline kernel, before anything else."""
from __future__ import annotations

import ipaddress
import socket


class NetworkBlocked(OSError):
    """Raised instead of connecting to an address off this machine."""


# One class per process, though this file may be loaded twice (by `sitecustomize` at start-up, then
# with the package): the first copy's class is kept on the socket module, so `except NetworkBlocked`
# catches what the installed guard raises.
NetworkBlocked = socket.__dict__.setdefault("_ssl_course_NetworkBlocked", NetworkBlocked)


def _is_local(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost: would need DNS, so not local


def block() -> None:
    """Make this process refuse non-loopback connections and name lookups (idempotent)."""
    if getattr(socket, "_ssl_course_blocked", False):
        return
    real_connect, real_connect_ex, real_getaddrinfo = (
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo)

    def guard(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise NetworkBlocked(f"ssl-course runs offline: connection to {address[0]!r} blocked")

    def connect(sock, address):
        guard(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        guard(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host if not isinstance(host, bytes) else host.decode()):
            raise NetworkBlocked(f"ssl-course runs offline: name lookup of {host!r} blocked")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
    socket._ssl_course_blocked = True
