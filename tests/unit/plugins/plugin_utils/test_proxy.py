# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The proxy role's exposure check: who gets in, and what is refused before any change."""

from __future__ import annotations

import pathlib
import re

import jinja2
import pytest
import yaml
from ansible.plugins.filter.core import comment

from ansible_collections.vramfree.webui.plugins.plugin_utils import _proxy
from ansible_collections.vramfree.webui.plugins.plugin_utils._proxy import ExposureError, exposure, firewall_rules

USERS = [{"name": "me", "password": "hunter2-proxy"}]


@pytest.mark.parametrize(
    "kind, allow, users, public_ok, sources, public, single_source",
    [
        ("socat", ["192.168.1.0/24"], [], False, ["192.168.1.0/24"], False, "192.168.1.0/24"),
        # A bare address is one host; duplicates are dropped.
        ("socat", ["10.0.0.5", "10.0.0.5/32"], None, False, ["10.0.0.5/32"], False, "10.0.0.5/32"),
        ("nginx", ["192.168.1.0/24", "10.1.0.0/16"], [], False, ["192.168.1.0/24", "10.1.0.0/16"], False, None),
        # Everyone, but with a password: fine for nginx.
        ("nginx", [], USERS, False, [], True, None),
        ("nginx", ["0.0.0.0/0"], USERS, False, ["0.0.0.0/0"], True, None),
        # Everyone, asked for.
        ("socat", [], [], True, [], True, None),
        ("socat", ["0.0.0.0/0"], [], True, ["0.0.0.0/0"], True, "0.0.0.0/0"),
    ],
)
def test_accepted(kind, allow, users, public_ok, sources, public, single_source):
    result = exposure(allow, users, public_ok, kind)
    assert result == dict(
        sources=sources,
        public=public,
        auth=[u["name"] for u in users or []],
        tokens=0,
        single_source=single_source,
        refusal="",
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


@pytest.mark.parametrize(
    "entry, meant",
    [
        # A quarter of IPv4 with no password, from a typo of /32 or /24.
        ("192.168.1.10/2", r"192\.168\.1\.10/32 for that one address.*192\.0\.0\.0/2"),
        ("192.168.1.7/24", r"192\.168\.1\.7/32 for that one address.*192\.168\.1\.0/24"),
        ("fd00::1/8", r"fd00::1/128 for that one address.*fd00::/8"),
    ],
)
def test_a_network_with_host_bits_is_refused_naming_what_was_meant(entry, meant):
    with pytest.raises(ExposureError, match="has host bits set") as caught:
        exposure([entry], [], False, "socat")
    assert __import__("re").search(meant, str(caught.value)), str(caught.value)


def test_networks_written_another_way_are_still_networks():
    assert exposure(["fd00:0::/8", " 10.0.0.0/8 "], USERS, False, "none")["sources"] == ["fd00::/8", "10.0.0.0/8"]


@pytest.mark.parametrize(
    "password",
    ["two\nlines", "cr\rhere", "nul\0here", "x" * 257, "é" * 129],
)
def test_a_password_the_hash_cannot_carry_is_refused_without_showing_it(password):
    with pytest.raises(ExposureError, match="one line of at most 256 bytes") as caught:
        exposure([], [{"name": "me", "password": password}], False, "nginx")
    assert password not in str(caught.value) and "'me'" in str(caught.value)


def test_the_longest_password_the_hash_carries_is_accepted():
    assert exposure([], [{"name": "me", "password": "x" * 256}], False, "nginx")["refusal"] == ""


def test_nginx_refuses_ipv6_sources_it_would_never_hear():
    refusal = exposure(["10.0.0.0/8", "fd00::/8"], [], False, "nginx")["refusal"]
    assert "listens on IPv4 only" in refusal
    assert "IPv4 only" in exposure(["::/0"], [], True, "nginx")["refusal"]


@pytest.mark.parametrize("upstream", ["127.0.0.1:7861", "[::1]:7861", "localhost:7861"])
def test_a_proxy_port_equal_to_the_web_uis_is_refused(upstream):
    refusal = exposure(["10.0.0.0/8"], [], False, "socat", 7861, "none", upstream=upstream)["refusal"]
    assert "proxy_port 7861 is the web UI's own port" in refusal


def test_another_proxy_port_is_fine():
    assert exposure(["10.0.0.0/8"], [], False, "socat", "7861", "none", upstream="127.0.0.1:7860")["refusal"] == ""


@pytest.mark.parametrize(
    "binds, exposed",
    [
        (["0.0.0.0:7860"], "0.0.0.0:7860"),
        (["*:7860"], "*:7860"),
        (["127.0.0.1:7860", "[::]:7860"], "[::]:7860"),
        (["192.168.1.50:7860"], "192.168.1.50:7860"),
        # What the role hands over: ss -Hltn's LISTEN lines as Debian 12's iproute2 prints them.
        (["LISTEN 0      5            0.0.0.0:7870      0.0.0.0:*"], "0.0.0.0:7870"),
        (["LISTEN 0      2048               *:7860            *:*"], "*:7860"),
    ],
)
def test_a_web_ui_listening_beyond_loopback_is_refused(binds, exposed):
    refusal = exposure(["10.0.0.0/8"], [], False, "socat", 7861, "none", "127.0.0.1:7860", binds)["refusal"]
    assert "the web UI itself listens on %s" % exposed in refusal and "protect nothing" in refusal


def test_a_web_ui_on_loopback_only_is_fine():
    binds = ["127.0.0.1:7860", "[::1]:7860", "127.0.0.2:7860", "127.0.0.1%lo:7860"]
    binds += ["LISTEN 0      2048       127.0.0.1:7860      0.0.0.0:*", "LISTEN 0 2048 [::1]:7860 [::]:*"]
    assert exposure(["10.0.0.0/8"], [], False, "socat", 7861, "none", "127.0.0.1:7860", binds)["refusal"] == ""


@pytest.mark.parametrize("upstream", ["7860", "127.0.0.1", "127.0.0.1:http"])
def test_an_upstream_without_a_port_is_named(upstream):
    with pytest.raises(ExposureError, match="proxy_upstream must be host:port"):
        exposure(["10.0.0.0/8"], [], False, "socat", 7861, "none", upstream=upstream)


@pytest.mark.parametrize("entry", ["ESTAB 0 0 10.0.0.1:7860 10.0.0.2:5555", "/etc/nginx/sites-enabled/x y", "LISTEN 0"])
def test_a_line_that_is_not_an_address_or_a_listen_line_is_an_error(entry):
    with pytest.raises(ExposureError, match="ui_binds: expected address:port or a LISTEN line"):
        exposure(["10.0.0.0/8"], [], False, "socat", 7861, "none", "127.0.0.1:7860", [entry])


# The role's kinds, as vars/main.yml spells them once templated.
SOCAT_UNIT_FILE = "/etc/systemd/system/vramfree-proxy-socat.service"
SITE, HTPASSWD, TLS_DIR = (
    "/etc/nginx/conf.d/vramfree-webui.conf",
    "/etc/nginx/vramfree-webui.htpasswd",
    "/etc/nginx/tls",
)
KINDS = {
    "none": dict(_proxy.KINDS["none"], tasks="", paths=[], kept_paths=[], units=[], reload=[]),
    "socat": dict(
        _proxy.KINDS["socat"],
        tasks="socat.yml",
        paths=[SOCAT_UNIT_FILE],
        kept_paths=[],
        units=["vramfree-proxy-socat.service"],
        reload=[],
    ),
    "nginx": dict(
        _proxy.KINDS["nginx"],
        tasks="nginx.yml",
        paths=[SITE, HTPASSWD],
        kept_paths=[TLS_DIR],
        units=[],
        reload=[{"service": "nginx", "check": ["nginx", "-t", "-q"]}],
    ),
}


def request(**changes):
    base = dict(kind="socat", allow=["10.0.0.0/8"], auth_users=[], allow_public=False, port=7861, tls="none")
    base.update(tls_cert="", tls_key="", upstream="127.0.0.1:7860", firewall="auto")
    base.update(changes)
    return base


def state(exists=(), rules=None, firewalls=(), listening=()):
    return dict(
        exists=list(exists),
        remembered={"proxy": {"firewall_rules": rules}} if rules is not None else {},
        firewalls=list(firewalls),
        listening=list(listening),
    )


@pytest.mark.parametrize(
    "kind, exists, paths, units, reload",
    [
        # socat to nginx: the unit goes; nginx's own files stay.
        ("nginx", [SOCAT_UNIT_FILE, SITE], [SOCAT_UNIT_FILE], ["vramfree-proxy-socat.service"], []),
        # nginx to socat: the site and passwords go, the certificate stays for a later nginx.
        ("socat", [SITE, HTPASSWD, TLS_DIR], [SITE, HTPASSWD], [], [KINDS["nginx"]["reload"][0]]),
        # No proxy: everything goes, the certificate too.
        (
            "none",
            [SITE, TLS_DIR, SOCAT_UNIT_FILE],
            [SOCAT_UNIT_FILE, SITE, TLS_DIR],
            ["vramfree-proxy-socat.service"],
            [KINDS["nginx"]["reload"][0]],
        ),
        ("none", [], [], [], []),
    ],
)
def test_leftovers_of_the_other_kinds(kind, exists, paths, units, reload):
    assert _proxy.leftovers(KINDS, kind, exists) == dict(paths=paths, units=units, reload=reload)


def test_the_plan_reads_the_entry_not_the_name():
    # A kind added as an entry alone: passwords and several networks, like nginx.
    kinds = dict(KINDS, caddy=dict(KINDS["nginx"], paths=["/etc/caddy/vramfree"], kept_paths=[], reload=[]))
    planned = _proxy.plan(request(kind="caddy", allow=["10.0.0.0/8", "192.168.0.0/16"]), kinds, state())
    assert planned["refusal"] == "" and planned["kind"]["paths"] == ["/etc/caddy/vramfree"]
    refused = _proxy.plan(request(kind="socat", auth_users=USERS), kinds, state())["refusal"]
    assert "use proxy_kind: nginx or caddy for basic auth" in refused


def test_the_plan_opens_the_running_firewall_and_closes_what_is_no_longer_asked():
    old = [{"firewall": "ufw", "port": 7861, "source": "192.168.1.0/24"}]
    planned = _proxy.plan(request(), KINDS, state(rules=old, firewalls=["ufw"]))
    assert planned["firewalls"] == ["ufw"]
    assert planned["rules"]["wanted"] == [{"firewall": "ufw", "port": 7861, "source": "10.0.0.0/8"}]
    assert planned["rules"]["stale"] == old and planned["rules"]["remember_changed"] is True
    assert planned["single_source"] == "10.0.0.0/8"


def test_no_proxy_closes_every_rule_it_remembers():
    old = [{"firewall": "firewalld", "port": 7861, "source": "10.0.0.0/8"}]
    planned = _proxy.plan(request(kind="none", firewall="ufw"), KINDS, state(rules=old, firewalls=["firewalld"]))
    assert planned["refusal"] == "" and planned["firewalls"] == []
    assert (planned["rules"]["stale"], planned["rules"]["remember"]) == (old, [])


def test_a_rerun_changes_no_memory():
    rules = [{"firewall": "ufw", "port": 7861, "source": "10.0.0.0/8"}]
    planned = _proxy.plan(request(), KINDS, state(rules=rules, firewalls=["ufw"]))
    assert planned["rules"]["remember_changed"] is False and planned["rules"]["stale"] == []


@pytest.mark.parametrize(
    "changes, host, message",
    [
        ({"firewall": "ufw"}, state(firewalls=["firewalld"]), "proxy_firewall is ufw, but ufw is not running"),
        ({"kind": "nginx", "tls": "files"}, state(), "set proxy_tls_cert and proxy_tls_key"),
        (
            {"kind": "nginx", "tls": "files", "tls_cert": "/c.pem", "tls_key": "/k.pem"},
            state(exists=["/c.pem"]),
            "proxy_tls is files, but /c.pem or /k.pem is not a file on the host.",
        ),
        ({}, state(listening=["0.0.0.0:7860"]), "the web UI itself listens on 0.0.0.0:7860"),
    ],
)
def test_the_plan_refuses_before_any_change(changes, host, message):
    assert message in _proxy.plan(request(**changes), KINDS, host)["refusal"]


def test_the_web_uis_binds_are_not_judged_without_a_proxy():
    assert _proxy.plan(request(kind="none"), KINDS, state(listening=["0.0.0.0:7860"]))["refusal"] == ""


# API tokens: https://www.rfc-editor.org/rfc/rfc6750#section-2.1 (b64token).
TOKEN = "tok-0123456789abcdef.AB+/~_=="
OTHER = "f" * 64


@pytest.mark.parametrize("allow", [[], ["0.0.0.0/0"]])
def test_a_public_nginx_protected_by_tokens_alone_needs_no_allow_public(allow):
    result = exposure(allow, [], False, "nginx", api_tokens=[TOKEN, OTHER])
    assert (result["refusal"], result["public"], result["tokens"], result["auth"]) == ("", True, 2, [])
    assert TOKEN not in repr(result)


def test_a_public_nginx_with_neither_users_nor_tokens_is_refused_naming_both_ways_out():
    refusal = exposure([], [], False, "nginx", api_tokens=[])["refusal"]
    assert "without a password or a token" in refusal
    assert "or set proxy_auth_users or proxy_api_tokens with proxy_kind: nginx" in refusal


def test_socat_refuses_tokens_as_it_refuses_passwords():
    refusal = exposure(["10.0.0.0/8"], [], False, "socat", api_tokens=[TOKEN])["refusal"]
    assert "socat has no API tokens, so proxy_api_tokens would protect nothing" in refusal
    assert "use proxy_kind: nginx for Bearer tokens" in refusal
    assert TOKEN not in refusal
    # Nor do tokens make a public socat acceptable: it cannot check them.
    public = exposure([], [], False, "socat", api_tokens=[TOKEN])["refusal"]
    assert "socat has no API tokens" in public


def test_a_kind_entry_without_the_tokens_attribute_refuses_them():
    kinds = dict(_proxy.KINDS, old={k: v for k, v in _proxy.KINDS["nginx"].items() if k != "tokens"})
    refusal = exposure(["10.0.0.0/8"], [], False, "old", kinds=kinds, api_tokens=[TOKEN])["refusal"]
    assert "old has no API tokens" in refusal and "use proxy_kind: nginx for Bearer tokens" in refusal


@pytest.mark.parametrize(
    "tokens, message",
    [
        (TOKEN, "must be a list of strings"),
        ([OTHER, 1234567890123456789], "token 2 is not a string"),
        ([OTHER + " x"], "token 1 may hold only letters"),
        (["x" * 20 + "\tx"], "token 1 may hold only letters"),
        (["x" * 20 + "\nx"], "token 1 may hold only letters"),
        (['x' * 20 + '"'], "token 1 may hold only letters"),
        (["x" * 20 + "'"], "token 1 may hold only letters"),
        (["x" * 20 + "$host"], "token 1 may hold only letters"),
        (["x" * 20 + ";"], "token 1 may hold only letters"),
        (["x" * 20 + "{"], "token 1 may hold only letters"),
        (["x" * 20 + "}"], "token 1 may hold only letters"),
        (["x" * 20 + "\\"], "token 1 may hold only letters"),
        (["x" * 20 + "#"], "token 1 may hold only letters"),
        (["x" * 20 + "é"], "token 1 may hold only letters"),
        # = is padding: at the end only.
        (["x" * 10 + "=" + "x" * 10], "token 1 may hold only letters"),
        ([""], "token 1 may hold only letters"),
        ([OTHER, "short-token"], "token 2 has 11 characters"),
        (["x" * 4097], "token 1 has 4097 characters"),
        ([OTHER, TOKEN, OTHER], "token 3 is listed twice"),
    ],
)
def test_a_token_nginx_could_not_hold_is_refused_by_its_place_never_its_text(tokens, message):
    with pytest.raises(ExposureError, match=message) as caught:
        exposure(["10.0.0.0/8"], [], False, "nginx", api_tokens=tokens)
    text = str(caught.value)
    for token in tokens if isinstance(tokens, list) else [tokens]:
        assert str(token) not in text or len(str(token)) < 2


def test_tokens_are_checked_even_where_no_proxy_listens():
    # Before anything changes, whatever the kind: a bad token is named on the run that sets it.
    with pytest.raises(ExposureError, match="token 1 may hold only letters"):
        exposure([], [], False, "none", api_tokens=["x" * 20 + ";"])


@pytest.mark.parametrize("token", ["x" * 16, "A" * 4096, "abc123-._~+/" + "Z" * 8 + "==", TOKEN])
def test_every_b64token_of_a_sane_length_is_accepted(token):
    assert exposure(["10.0.0.0/8"], [], False, "nginx", api_tokens=[token])["tokens"] == 1


def test_the_plan_hands_the_tokens_on_and_returns_only_their_number():
    planned = _proxy.plan(request(kind="nginx", allow=[], api_tokens=[TOKEN]), KINDS, state())
    assert planned["refusal"] == "" and planned["tokens"] == 1 and planned["public"] is True
    assert TOKEN not in repr(planned)
    refused = _proxy.plan(request(kind="socat", api_tokens=[TOKEN]), KINDS, state())["refusal"]
    assert "socat has no API tokens" in refused


def _role_file(*parts):
    return pathlib.Path(__file__).resolve().parents[4].joinpath("roles", "proxy", *parts)


def test_the_roles_kinds_carry_the_same_attributes_as_the_plans():
    kinds = yaml.safe_load(_role_file("vars", "main.yml").read_text())["_proxy_kinds"]
    assert set(kinds) == set(_proxy.KINDS)
    for name, entry in _proxy.KINDS.items():
        assert {key: kinds[name][key] for key in entry} == entry, name


def _tokens_file(tokens):
    """The role's tokens file, rendered as the template module renders it."""
    environment = jinja2.Environment(keep_trailing_newline=True, trim_blocks=True)
    environment.filters["comment"] = comment
    template = environment.from_string(_role_file("templates", "nginx-tokens.j2").read_text())
    return template.render(
        proxy_api_tokens=tokens, ansible_managed="Ansible managed", _proxy_nginx_site="/etc/nginx/conf.d/x.conf"
    )


def _nginx_map_entries(text):
    """(regex, value) of each entry, read as nginx's map reads a quoted ~ key (no escapes used)."""
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r'"~([^"\\]*)" (off);', line)
        assert match, "not a quoted regex key and off: %r" % line
        entries.append((match.group(1), match.group(2)))
    return entries


def test_the_tokens_file_holds_one_case_sensitive_regex_per_token_and_nothing_nginx_reads_otherwise():
    text = _tokens_file([TOKEN, OTHER])
    assert text.startswith("#") and "Ansible managed" in text
    entries = _nginx_map_entries(text)
    assert len(entries) == 2
    # No character that nginx's parser treats specially inside a quoted string, nor a variable.
    for pattern, _value in entries:
        assert not set(pattern) & set('\\"\'{};') and "$" == pattern[-1] and "$" not in pattern[:-1]
    # PCRE and Python's re agree on this subset ((?i:...), [..], anchors, +).
    token_re, other_re = [re.compile(p) for p, _value in entries]
    for header in ("Bearer " + TOKEN, "bearer " + TOKEN, "BEARER  " + TOKEN):
        assert token_re.search(header), header
    for header in (
        "Bearer " + TOKEN.upper(),
        "Bearer " + TOKEN[:-1],
        "Bearer " + TOKEN + "x",
        "Bearer x" + TOKEN,
        "Bearer" + TOKEN,
        "Basic " + TOKEN,
        "Bearer " + TOKEN.replace(".", "X"),
        "Bearer " + TOKEN.replace("AB+", "ABBB"),
        TOKEN,
        "Bearer " + OTHER,
    ):
        assert not token_re.search(header), header
    assert other_re.search("Bearer " + OTHER) and not other_re.search("Bearer " + OTHER.upper())
