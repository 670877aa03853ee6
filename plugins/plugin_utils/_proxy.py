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


class ExposureError(ValueError):
    """A request the role cannot even read (bad CIDR, unknown kind): not a refusal."""


def _sources(allow):
    if allow is None:
        return []
    if isinstance(allow, str) or not isinstance(allow, (list, tuple)):
        raise ExposureError("proxy_allow must be a list of CIDRs, got %r" % (allow,))
    sources = []
    for item in allow:
        try:
            network = ipaddress.ip_network(str(item).strip(), strict=False)
        except ValueError:
            raise ExposureError(
                "proxy_allow: %r is not an address or a network in CIDR form (e.g. 192.168.1.0/24, 10.0.0.5)" % (item,)
            ) from None
        if str(network) not in sources:
            sources.append(str(network))
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
        if ":" in name or any(c.isspace() for c in name):
            raise ExposureError("proxy_auth_users: the name %r may hold neither ':' nor blanks" % name)
        if name in names:
            raise ExposureError("proxy_auth_users: %r is listed twice" % name)
        names.append(name)
    return names


def exposure(allow, auth_users=None, allow_public=False, kind="socat", port=7861, tls="none"):
    """What the proxy would expose, and why the role refuses it, if it does.

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
