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
import re

# What each kind can honour; the role's _proxy_kinds entries carry the same attributes
# beside the files, units and tasks of their own. Decisions below read the attributes,
# never the names.
KINDS = {
    "none": dict(
        listens=False, passwords=False, tokens=False, tls=False, ipv6=False, max_sources=None, single_source=False
    ),
    "socat": dict(
        listens=True, passwords=False, tokens=False, tls=False, ipv6=False, max_sources=1, single_source=True
    ),
    "nginx": dict(
        listens=True, passwords=True, tokens=True, tls=True, ipv6=False, max_sources=None, single_source=False
    ),
}
TLS = ("none", "selfsigned", "files")
MAX_PASSWORD_BYTES = 256
# A Bearer token as RFC 6750 (section 2.1) writes it, b64token: letters, digits and
# - . _ ~ + /, then = padding. Nothing in it can end a string, a directive or a block
# of nginx's configuration, start a variable, or be a regex character that the role's
# tokens file (templates/nginx-tokens.j2: . and + in brackets) leaves unescaped.
_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")
# Shorter than this a token is guessable: it lets a request in without a password.
MIN_TOKEN_CHARS = 16
# nginx reads a request's header lines into buffers of 8k (large_client_header_buffers).
MAX_TOKEN_CHARS = 4096


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


def _token_count(tokens):
    """How many API tokens there are, after checking each can be written into nginx's
    configuration as it is. Messages name a token by its place, never by its text."""
    if tokens is None:
        return 0
    if isinstance(tokens, str) or not isinstance(tokens, (list, tuple)):
        raise ExposureError("proxy_api_tokens must be a list of strings")
    seen = set()
    for number, token in enumerate(tokens, 1):
        if not isinstance(token, str):
            raise ExposureError(
                "proxy_api_tokens: token %d is not a string (quote it, or take it from the vault as text)" % number
            )
        if not _TOKEN.fullmatch(token):
            raise ExposureError(
                "proxy_api_tokens: token %d may hold only letters, digits and - . _ ~ + / (then = at its end), as "
                "RFC 6750 writes a Bearer token; it holds something else (a blank, a quote, $, ;, { or } would "
                "break nginx's configuration). Make one with: openssl rand -hex 32" % number
            )
        if not MIN_TOKEN_CHARS <= len(token) <= MAX_TOKEN_CHARS:
            raise ExposureError(
                "proxy_api_tokens: token %d has %d characters; a token lets a request in without a password, so it "
                "needs %d to %d (openssl rand -hex 32 makes 64)"
                % (number, len(token), MIN_TOKEN_CHARS, MAX_TOKEN_CHARS)
            )
        if token in seen:
            raise ExposureError("proxy_api_tokens: token %d is listed twice" % number)
        seen.add(token)
    return len(tokens)


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


def _with(kinds, attribute):
    """'proxy_kind: a' (or 'a or b') of the kinds that have ``attribute``, for a way out."""
    names = [name for name, entry in kinds.items() if entry.get(attribute)]
    return "proxy_kind: %s" % " or ".join(names) if names else ""


def _credentials_way_out(kind, entry):
    """', or set proxy_auth_users ... with proxy_kind: <kind>' for what the kind can check."""
    names = [
        name for name, key in (("proxy_auth_users", "passwords"), ("proxy_api_tokens", "tokens")) if entry.get(key)
    ]
    return ", or set %s with proxy_kind: %s" % (" or ".join(names), kind) if names else ""


def exposure(
    allow,
    auth_users=None,
    allow_public=False,
    kind="socat",
    port=7861,
    tls="none",
    upstream=None,
    ui_binds=None,
    kinds=None,
    api_tokens=None,
):
    """What the proxy would expose, and why the role refuses it, if it does.

    ``upstream`` is proxy_upstream (host:port); ``ui_binds`` the addresses the web UI's
    port is bound to on the host now (None: not probed); ``kinds`` the kinds' entries
    (default KINDS), whose attributes say what each can honour; ``api_tokens`` the
    proxy_api_tokens, which protect the proxy as passwords do.

    Returns a dict:
      sources: the proxy_allow networks, normalised (10.0.0.5 -> 10.0.0.5/32), no duplicates
      public: true when anyone may connect (no source given, or a /0 among them)
      auth: the names of the basic-auth users (never their passwords)
      tokens: how many API tokens let a request in (never the tokens)
      single_source: for a kind that takes one network (socat's range=), that network;
        None: no restriction, public, or a kind that takes a list
      refusal: '' when the role may go on, else the message to fail with
    """
    kinds = KINDS if kinds is None else kinds
    if kind not in kinds:
        raise ExposureError("proxy_kind must be one of %s, got %r" % (", ".join(kinds), kind))
    if tls not in TLS:
        raise ExposureError("proxy_tls must be one of %s, got %r" % (", ".join(TLS), tls))
    entry = kinds[kind]
    sources = _sources(allow)
    names = _auth_names(auth_users)
    tokens = _token_count(api_tokens)
    public = not sources or any(ipaddress.ip_network(s).prefixlen == 0 for s in sources)
    result = dict(sources=sources, public=public, auth=names, tokens=tokens, single_source=None, refusal="")
    if not entry.get("listens"):
        return result

    problems = []
    if names and not entry.get("passwords"):
        problems.append(
            "%s has no passwords, so proxy_auth_users would protect nothing: use %s for basic auth"
            % (kind, _with(kinds, "passwords"))
        )
    if tokens and not entry.get("tokens"):
        problems.append(
            "%s has no API tokens, so proxy_api_tokens would protect nothing: use %s for Bearer tokens"
            % (kind, _with(kinds, "tokens"))
        )
    if tls != "none" and not entry.get("tls"):
        problems.append("%s forwards plain TCP: use %s for proxy_tls: %s" % (kind, _with(kinds, "tls"), tls))
    ipv6 = any(ipaddress.ip_network(s).version == 6 for s in sources)
    if ipv6 and not entry.get("ipv6"):
        problems.append(
            "%s listens on IPv4 only: an IPv6 network in proxy_allow would never match, yet open the "
            "firewall for it; give IPv4 networks, or reach the UI through an SSH tunnel "
            "(playbook vramfree.webui.tunnel)" % kind
        )
    elif entry.get("max_sources") and len(sources) > entry["max_sources"] and not public:
        problems.append(
            "%s takes a single range= (it silently uses the first one): give one "
            "network in proxy_allow (e.g. 192.168.1.0/24), or use %s for several"
            % (
                kind,
                " or ".join(
                    "proxy_kind: %s" % n for n, e in kinds.items() if e.get("listens") and not e.get("max_sources")
                ),
            )
        )
    elif entry.get("single_source") and len(sources) == 1:
        result["single_source"] = sources[0]
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
    if public and not names and not tokens and not allow_public:
        problems.append(
            "this would open the web UI on port %s to everyone (%s) without a password or a token. "
            "Restrict it to the addresses that need it, e.g. proxy_allow: ['192.168.1.0/24'] "
            "(your LAN) or ['192.168.1.20/32'] (your laptop)%s; reach it through an SSH tunnel "
            "(playbook vramfree.webui.tunnel) with proxy_kind: none; or, if everyone is meant, "
            "set proxy_allow_public: true"
            % (
                port,
                "proxy_allow is empty"
                if not sources
                else "proxy_allow holds %s" % ", ".join(s for s in sources if s.endswith("/0")),
                _credentials_way_out(kind, entry),
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


def leftovers(kinds, kind, existing) -> dict:
    """What proxies of other kinds left on the host, to remove before this one starts.

    ``existing``: the paths of every kind that exist on the host. A kind's ``paths`` go
    when another kind is asked; its ``kept_paths`` (nginx's self-signed certificate,
    kept across kinds) only when no proxy is asked at all. Its ``units`` are stopped
    when any of its paths is left, and its ``reload`` services (their ``check`` command
    first) are reloaded so that they drop what was removed.
    """
    asked = kinds[kind]
    paths, units, reload = [], [], []
    for name, entry in kinds.items():
        if name == kind:
            continue
        gone = list(entry.get("paths") or []) + ([] if asked.get("listens") else list(entry.get("kept_paths") or []))
        found = [path for path in gone if path in existing]
        if not found:
            continue
        paths += [path for path in found if path not in paths]
        units += [unit for unit in entry.get("units") or [] if unit not in units]
        reload += [item for item in entry.get("reload") or [] if item not in reload]
    return dict(paths=paths, units=units, reload=reload)


def every_path(kinds) -> list:
    """The paths of every kind, whose existence the plan needs."""
    paths = []
    for entry in kinds.values():
        for path in list(entry.get("paths") or []) + list(entry.get("kept_paths") or []):
            if path not in paths:
                paths.append(path)
    return paths


def upstream_port(upstream):
    """proxy_upstream's port, where the web UI's listening addresses are looked for."""
    return _upstream_port(upstream)


def plan(request, kinds, state) -> dict:
    """Everything the proxy role decides before it changes anything.

    ``request``: the role's variables without the proxy_ prefix (kind, allow, auth_users,
    api_tokens, allow_public, port, tls, tls_cert, tls_key, upstream, firewall). ``state``: what the
    host_state module answered (exists, remembered, firewalls, listening); the firewall
    rules opened before are the ``firewall_rules`` of the state's ``proxy`` section.

    Returns the exposure (sources, public, auth, tokens, single_source), ``kind`` (the asked
    kind's entry), ``leftovers``, ``firewalls`` (to open the port in), ``rules`` (wanted,
    stale, remember, remember_changed) and ``refusal`` ('' when the role may go on).
    """
    kind = request["kind"]
    if kind not in kinds:
        raise ExposureError("proxy_kind must be one of %s, got %r" % (", ".join(kinds), kind))
    entry = kinds[kind]
    result = exposure(
        request.get("allow"),
        request.get("auth_users"),
        request.get("allow_public", False),
        kind,
        request.get("port", 7861),
        request.get("tls", "none"),
        upstream=request.get("upstream"),
        ui_binds=state.get("listening") if entry.get("listens") else None,
        kinds=kinds,
        api_tokens=request.get("api_tokens"),
    )
    refusals = [result["refusal"]] if result["refusal"] else []
    exists = state.get("exists") or []
    if entry.get("tls") and request.get("tls") == "files":
        cert, key = request.get("tls_cert") or "", request.get("tls_key") or ""
        if not cert or not key:
            refusals.append(
                "proxy_tls is files: set proxy_tls_cert and proxy_tls_key to the paths of the certificate "
                "and its key on the host."
            )
        elif cert not in exists or key not in exists:
            refusals.append("proxy_tls is files, but %s or %s is not a file on the host." % (cert, key))
    running = list(state.get("firewalls") or [])
    asked = request.get("firewall", "auto")
    if not entry.get("listens") or asked == "none":
        firewalls = []
    elif asked == "auto":
        firewalls = running
    else:
        firewalls = [asked]
        if asked not in running:
            refusals.append(
                "proxy_firewall is %s, but %s is not running on this host (the role does not turn a firewall on: "
                "that could cut off SSH). Start it, or use proxy_firewall: auto." % (asked, asked)
            )
    remembered = ((state.get("remembered") or {}).get("proxy") or {}).get("firewall_rules") or []
    rules = firewall_rules(remembered, result, request.get("port", 7861), firewalls, running)
    rules["remembered"] = remembered
    rules["remember_changed"] = rules["remember"] != remembered
    result.update(
        kind=entry,
        leftovers=leftovers(kinds, kind, exists),
        firewalls=firewalls,
        rules=rules,
        refusal=" ".join(refusals),
    )
    return result
