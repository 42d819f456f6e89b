"""Which server addresses keep the app on this machine: only those that provably resolve to loopback."""

from __future__ import annotations

import pytest

from retail.access.network import loopback_only


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]", " 127.0.0.1 "])
def test_loopback_addresses_are_local(address):
    assert loopback_only(address)


@pytest.mark.parametrize("address", [None, "", "  ", "0.0.0.0", "::", "192.0.2.2", "10.1.2.3", "no-such-host.invalid"])
def test_every_other_address_is_exposed(address):
    """Empty or unset binds every interface; a name that does not resolve proves nothing."""
    assert not loopback_only(address)
