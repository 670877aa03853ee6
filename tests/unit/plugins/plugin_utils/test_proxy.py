# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The proxy role's exposure check: who gets in, and what is refused before any change."""

from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils._proxy import ExposureError, exposure, firewall_rules

USERS = [{"name": "me", "password": "hunter2-proxy"}]


@pytest.mark.parametrize(
    "kind, allow, users, public_ok, sources, public, socat_range",
    [
        ("socat", ["192.168.1.0/24"], [], False, ["192.168.1.0/24"], False, "192.168.1.0/24"),
        # A bare address is one host; host bits of a network are dropped, duplicates too.
        ("socat", ["10.0.0.5", "10.0.0.5/32"], None, False, ["10.0.0.5/32"], False, "10.0.0.5/32"),
        ("nginx", ["192.168.1.7/24", "fd00::/8"], [], False, ["192.168.1.0/24", "fd00::/8"], False, None),
        # Everyone, but with a password: fine for nginx.
        ("nginx", [], USERS, False, [], True, None),
        ("nginx", ["0.0.0.0/0"], USERS, False, ["0.0.0.0/0"], True, None),
        # Everyone, asked for.
        ("socat", [], [], True, [], True, None),
        ("socat", ["0.0.0.0/0"], [], True, ["0.0.0.0/0"], True, "0.0.0.0/0"),
        ("nginx", ["::/0"], [], True, ["::/0"], True, None),
    ],
)
def test_accepted(kind, allow, users, public_ok, sources, public, socat_range):
    result = exposure(allow, users, public_ok, kind)
    assert result == dict(
        sources=sources, public=public, auth=[u["name"] for u in users or []], socat_range=socat_range, refusal=""
    )


@pytest.mark.parametrize(
    "kind, allow, users, tls, words",
    [
        (
            "socat",
            [],
            [],
            "none",
            [
                "to everyone (proxy_allow is empty) without a password",
                "proxy_allow: ['192.168.1.0/24']",
                "proxy_allow_public: true",
            ],
        ),
        ("nginx", ["10.0.0.0/8", "0.0.0.0/0"], [], "none", ["proxy_allow holds 0.0.0.0/0", "proxy_auth_users"]),
        ("nginx", ["::/0"], None, "selfsigned", ["proxy_allow holds ::/0"]),
        ("socat", ["10.0.0.0/8"], USERS, "none", ["socat has no passwords"]),
        ("socat", ["10.0.0.0/8"], [], "selfsigned", ["use proxy_kind: nginx for proxy_tls: selfsigned"]),
        ("socat", ["10.0.0.0/8", "192.168.0.0/16"], [], "none", ["single range="]),
        ("socat", ["fd00::/8"], [], "none", ["IPv4 only"]),
    ],
)
def test_refused_with_a_way_out(kind, allow, users, tls, words):
    refusal = exposure(allow, users, False, kind, 7861, tls)["refusal"]
    assert refusal.startswith("proxy_kind %s refused, nothing was changed: " % kind)
    for word in words:
        assert word in refusal
    assert "hunter2" not in refusal


def test_the_port_is_named():
    assert "on port 8443 to everyone" in exposure([], [], False, "nginx", 8443)["refusal"]


def test_kind_none_exposes_nothing_whatever_the_rest_says():
    assert exposure([], USERS, False, "none")["refusal"] == ""


@pytest.mark.parametrize(
    "allow, users, kind, tls, message",
    [
        (["192.168.1.300/24"], [], "socat", "none", "is not an address or a network"),
        ("10.0.0.0/8", [], "socat", "none", "must be a list"),
        ([], [{"name": "me"}], "nginx", "none", "non-empty name and password"),
        ([], [{"name": "a:b", "password": "x"}], "nginx", "none", "neither ':' nor blanks"),
        ([], USERS + USERS, "nginx", "none", "listed twice"),
        ([], [], "haproxy", "none", "proxy_kind must be one of none, socat, nginx"),
        ([], [], "nginx", "letsencrypt", "proxy_tls must be one of"),
    ],
)
def test_unreadable_requests_raise(allow, users, kind, tls, message):
    with pytest.raises(ExposureError, match=message) as caught:
        exposure(allow, users, False, kind, 7861, tls)
    assert "hunter2" not in str(caught.value)


def _rules(*triples):
    return [{"firewall": fw, "port": port, "source": source} for fw, port, source in triples]


def test_firewall_rules_close_what_an_earlier_run_opened_and_no_longer_asked_for():
    before = _rules(("ufw", 7861, "10.0.0.5/32"), ("ufw", 7861, "10.0.0.6/32"))
    now = firewall_rules(before, {"public": False, "sources": ["10.0.0.6/32", "10.0.1.0/24"]}, 7861, ["ufw"], ["ufw"])
    assert now["stale"] == _rules(("ufw", 7861, "10.0.0.5/32"))
    assert now["wanted"] == _rules(("ufw", 7861, "10.0.0.6/32"), ("ufw", 7861, "10.0.1.0/24"))
    assert now["remember"] == now["wanted"]
    # The same run again: nothing to close, the same to remember (so the fact file is left).
    again = firewall_rules(
        now["remember"], {"public": False, "sources": ["10.0.0.6/32", "10.0.1.0/24"]}, "7861", ["ufw"], ["ufw"]
    )
    assert (again["stale"], again["remember"]) == ([], now["remember"])


def test_firewall_rules_a_new_port_or_no_proxy_closes_everything_opened_before():
    before = _rules(("firewalld", 7861, "10.0.0.5/32"), ("firewalld", 7861, "any"))
    moved = firewall_rules(before, {"public": False, "sources": ["10.0.0.5/32"]}, 8443, ["firewalld"], ["firewalld"])
    assert moved["stale"] == before and moved["remember"] == _rules(("firewalld", 8443, "10.0.0.5/32"))
    gone = firewall_rules(before, {"public": False, "sources": []}, 7861, [], ["firewalld"])
    assert (gone["wanted"], gone["stale"], gone["remember"]) == ([], before, [])
    public = firewall_rules([], {"public": True, "sources": []}, 7861, ["firewalld"], ["firewalld"])
    assert public["wanted"] == _rules(("firewalld", 7861, "any"))


def test_firewall_rules_in_a_firewall_that_no_longer_runs_stay_remembered():
    before = _rules(("ufw", 7861, "10.0.0.5/32"))
    now = firewall_rules(before, {"public": False, "sources": []}, 7861, [], [])
    assert (now["stale"], now["remember"]) == ([], before)


@pytest.mark.parametrize(
    "remembered, firewalls, running",
    [("x", [], []), ([{"firewall": "ufw"}], [], []), ([], ["iptables"], []), ([], [], "ufw")],
)
def test_firewall_rules_bad_input_is_named(remembered, firewalls, running):
    with pytest.raises(ExposureError):
        firewall_rules(remembered, {"public": False, "sources": []}, 7861, firewalls, running)
