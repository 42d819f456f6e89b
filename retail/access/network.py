"""Whether a server address keeps the app on this machine.

An app that only this machine can open may run without sign-in (the one person at the keyboard);
anything else is *exposed*. The default is exposed: Streamlit binds every interface when the
address is empty or not set at all (a container, another working folder than the one whose
``.streamlit/config.toml`` says 127.0.0.1), so only an address that provably resolves to loopback
alone counts as local.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache


@lru_cache(maxsize=16)
def loopback_only(address: str | None) -> bool:
    """Whether a server listening on ``address`` is reachable from this machine only.

    ``None`` or ``""`` (every interface), ``0.0.0.0``, ``::``, a LAN address, or a name that does
    not resolve or resolves to anything but loopback are all exposed.
    """
    text = (address or "").strip().strip("[]")
    if not text:
        return False
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(text, None)}
    except (OSError, UnicodeError):
        return False
    try:
        return bool(resolved) and all(ipaddress.ip_address(ip.split("%")[0]).is_loopback for ip in resolved)
    except ValueError:
        return False
