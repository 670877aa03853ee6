# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who a proxy in front of the web UI lets in, and whether the role may set it up.

The proxy role asks this before it changes anything, so that a request that would put
the web UI (which runs any prompt, and with extensions any code) in front of everyone
fails with a message saying how to restrict it.
"""

from __future__ import annotations

import ipaddress

KINDS = ("none", "socat", "nginx")
TLS = ("none", "selfsigned", "files")
MAX_PASSWORD_BYTES = 256


class ExposureError(ValueError):
    """A request the role cannot even read (bad CIDR, unknown kind): not a refusal."""


def _sources(allow):
    if allow is None:
        return []
    if isinstance(allow, str) or not isinstance(allow, (list, tuple)):
        raise ExposureError("proxy_allow must be a list of CIDRs, got %r" % (allow,))
    sources = []
    for item in allow:
        text = str(item).strip()
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ExposureError(
                "proxy_allow: %r is not an address or a network in CIDR form (e.g. 192.168.1.0/24, 10.0.0.5)" % (item,)
            ) from None
        address = text.split("/", 1)[0]
        if ipaddress.ip_address(address) != loose.network_address:
            # An address with a network's prefix is most often a typo whose network is far
            # wider than meant (192.168.1.10/2 is a quarter of IPv4): never guess.
            raise ExposureError(
                "proxy_allow: %r has host bits set, so it is no network: write %s/%d for that one address, "
                "or the network it belongs to, e.g. %s (what the prefix /%d really covers)"
                % (item, address, loose.max_prefixlen, loose, loose.prefixlen)
            )
        if str(loose) not in sources:
            sources.append(str(loose))
    return sources


def _auth_names(auth_users):
    if auth_users is None:
        return []
    if not isinstance(auth_users, (list, tuple)):
        raise ExposureError("proxy_auth_users must be a list of {name, password}")
    names = []
    for user in auth_users:
        if not isinstance(user, dict) or not user.get("name") or not user.get("password"):
            # Never echo the entry: it may hold a password.
            raise ExposureError("proxy_auth_users: every entry needs a non-empty name and password")
        name = str(user["name"])
        if ":" in name or any(c.isspace() or not c.isprintable() for c in name):
            raise ExposureError("proxy_auth_users: the name %r may hold neither ':' nor blanks" % name)
        password = str(user["password"])
        # The hash is made by openssl passwd -stdin, which reads one line and at most
        # 256 bytes of it: anything else would be hashed as another password.
        if any(c in password for c in "\r\n\0") or len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
            raise ExposureError(
                "proxy_auth_users: the password of %r cannot be hashed as it is: it must be one line "
                "of at most %d bytes without NUL characters" % (name, MAX_PASSWORD_BYTES)
            )
        if name in names:
            raise ExposureError("proxy_auth_users: %r is listed twice" % name)
        names.append(name)
    return names


def _upstream_port(upstream):
    """The port of a host:port upstream ([v6]:port too), or None where it has none."""
    if upstream is None:
        return None
    text = str(upstream).strip()
    _host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ExposureError("proxy_upstream must be host:port (e.g. 127.0.0.1:7860), got %r" % (upstream,))
    return int(port)


def _exposed_binds(binds):
    """Of the addresses the web UI listens on, those that are not loopback: reachable from
    other machines without the proxy. Each entry is an address:port, or a whole LISTEN
    line of ``ss -Hltn``, whose fourth field is the local address."""
    exposed = []
    for entry in binds or []:
        fields = str(entry).split()
        if len(fields) > 1 and (fields[0] != "LISTEN" or len(fields) < 4):
            raise ExposureError("ui_binds: expected address:port or a LISTEN line of ss -Hltn, got %r" % (entry,))
        bind = fields[3] if len(fields) > 1 else str(entry).strip()
        host = bind.rpartition(":")[0].strip("[]").split("%", 1)[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            exposed.append(bind)
    return exposed


def exposure(
    allow, auth_users=None, allow_public=False, kind="socat", port=7861, tls="none", upstream=None, ui_binds=None
):
    """What the proxy would expose, and why the role refuses it, if it does.

    ``upstream`` is proxy_upstream (host:port); ``ui_binds`` the addresses the web UI's
    port is bound to on the host now (None: not probed).

    Returns a dict:
      sources: the proxy_allow networks, normalised (10.0.0.5 -> 10.0.0.5/32), no duplicates
      public: true when anyone may connect (no source given, or a /0 among them)
      auth: the names of the basic-auth users (never their passwords)
      socat_range: the one network for socat's range= (None: no range, public)
      refusal: '' when the role may go on, else the message to fail with
    """
    if kind not in KINDS:
        raise ExposureError("proxy_kind must be one of %s, got %r" % (", ".join(KINDS), kind))
    if tls not in TLS:
        raise ExposureError("proxy_tls must be one of %s, got %r" % (", ".join(TLS), tls))
    sources = _sources(allow)
    names = _auth_names(auth_users)
    public = not sources or any(ipaddress.ip_network(s).prefixlen == 0 for s in sources)
    result = dict(sources=sources, public=public, auth=names, socat_range=None, refusal="")
    if kind == "none":
        return result

    problems = []
    if kind == "socat":
        if names:
            problems.append(
                "socat has no passwords, so proxy_auth_users would protect nothing: "
                "use proxy_kind: nginx for basic auth"
            )
        if tls != "none":
            problems.append("socat forwards plain TCP: use proxy_kind: nginx for proxy_tls: %s" % tls)
        if any(ipaddress.ip_network(s).version == 6 for s in sources):
            problems.append(
                "socat listens on IPv4 only (TCP4-LISTEN): an IPv6 network in proxy_allow "
                "would never match; use proxy_kind: nginx for IPv6 sources"
            )
        elif len(sources) > 1 and not public:
            problems.append(
                "socat takes a single range= (it silently uses the first one): give one "
                "network in proxy_allow (e.g. 192.168.1.0/24), or use proxy_kind: nginx for several"
            )
        elif len(sources) == 1:
            result["socat_range"] = sources[0]
    if kind == "nginx" and any(ipaddress.ip_network(s).version == 6 for s in sources):
        problems.append(
            "the nginx site listens on IPv4 only: an IPv6 network in proxy_allow would open the "
            "firewall for clients that can never connect; give IPv4 networks, or reach the UI "
            "through an SSH tunnel (playbook vramfree.webui.tunnel)"
        )
    upstream_port = _upstream_port(upstream)
    try:
        same_port = upstream_port == int(port)
    except (TypeError, ValueError):
        raise ExposureError("proxy_port must be a TCP port number, got %r" % (port,)) from None
    if same_port:
        problems.append(
            "proxy_port %s is the web UI's own port (proxy_upstream %s): the proxy could not listen "
            "there; give it another port, e.g. proxy_port: 7861" % (port, upstream)
        )
    exposed = _exposed_binds(ui_binds)
    if exposed:
        problems.append(
            "the web UI itself listens on %s, so everyone who reaches the host reaches it without "
            "the proxy, which would protect nothing: bind it to loopback (webui_listen: 127.0.0.1, "
            "and no listen in webui_flags), then run again" % ", ".join(exposed)
        )
    if public and not names and not allow_public:
        problems.append(
            "this would open the web UI on port %s to everyone (%s) without a password. "
            "Restrict it to the addresses that need it, e.g. proxy_allow: ['192.168.1.0/24'] "
            "(your LAN) or ['192.168.1.20/32'] (your laptop)%s; reach it through an SSH tunnel "
            "(playbook vramfree.webui.tunnel) with proxy_kind: none; or, if everyone is meant, "
            "set proxy_allow_public: true"
            % (
                port,
                "proxy_allow is empty"
                if not sources
                else "proxy_allow holds %s" % ", ".join(s for s in sources if s.endswith("/0")),
                ", or set proxy_auth_users with proxy_kind: nginx" if kind == "nginx" else "",
            )
        )
    if problems:
        result["refusal"] = "proxy_kind %s refused, nothing was changed: %s." % (kind, "; ".join(problems))
    return result


FIREWALLS = ("ufw", "firewalld")


def _rule(firewall, port, source) -> dict:
    return {"firewall": firewall, "port": int(port), "source": source}


def firewall_rules(remembered, exposure_, port, firewalls, running) -> dict:
    """The firewall rules the role opens now, and those it opened before that must go.

    ``remembered``: the rules an earlier run opened (the role's fact file), a list of
    ``{firewall, port, source}`` (``source`` is a CIDR, or ``any`` for everyone).
    ``exposure_``: what exposure() said of this run; ``firewalls``: those to open the port
    in now; ``running``: the firewalls running on the host now.

    Returns ``wanted`` (to open), ``stale`` (opened before, not wanted now, in a firewall
    that runs, so it can be closed) and ``remember`` (what the fact file says afterwards:
    the wanted rules, and stale ones in a firewall that no longer runs, to close once it
    runs again).
    """
    if remembered is None:
        remembered = []
    if not isinstance(remembered, list) or not all(
        isinstance(r, dict) and {"firewall", "port", "source"} <= set(r) for r in remembered
    ):
        raise ExposureError(
            "the remembered firewall rules are not a list of {firewall, port, source}: %r" % (remembered,)
        )
    for name, value in (("firewalls", firewalls), ("running", running)):
        if not isinstance(value, list) or set(value) - set(FIREWALLS):
            raise ExposureError("%s must be a list among %s, got %r" % (name, ", ".join(FIREWALLS), value))
    sources = ["any"] if exposure_.get("public") else list(exposure_.get("sources") or [])
    wanted = [_rule(fw, port, source) for fw in firewalls for source in sources]
    old = [_rule(r["firewall"], r["port"], r["source"]) for r in remembered]
    stale = [r for r in old if r not in wanted and r["firewall"] in running]
    kept = [r for r in old if r not in wanted and r["firewall"] not in running]
    return {"wanted": wanted, "stale": stale, "remember": wanted + [r for r in kept if r not in wanted]}
