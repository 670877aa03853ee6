# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The laptop's side of the SSH tunnels to the fleet's web UIs: one ssh_config Host
entry per GPU host, each forwarding its own local port to the UI's loopback port."""

from __future__ import annotations

ALIAS_SUFFIX = "-webui"
# Characters ssh_config reads as patterns, comments or separators in a Host line.
# Blanks and control characters are refused apart (_unfit_host_character): a line break
# in an inventory name would start a new ssh_config line of the inventory's choosing.
_HOST_SPECIAL = set("*?!,#\"'\\")


class TunnelError(ValueError):
    pass


def _port(value, what):
    try:
        if isinstance(value, bool):
            raise ValueError()
        port = int(str(value).strip())
    except (TypeError, ValueError):
        raise TunnelError("%s must be a TCP port number, got %r" % (what, value)) from None
    if not 1 <= port <= 65535:
        raise TunnelError("%s must be a TCP port number (1-65535), got %r" % (what, value))
    return port


def _word(value, what):
    """One ssh_config argument: quoted when it holds blanks; never a line break or a quote."""
    text = str(value)
    if not text or any(c in text for c in "\r\n\"\0"):
        raise TunnelError("%s %r cannot be written into an ssh config" % (what, text))
    return '"%s"' % text if any(c.isspace() for c in text) else text


def _unfit_host_character(name):
    """The first character of ``name`` that cannot stand in an ssh Host alias, or None."""
    for char in name:
        if char in _HOST_SPECIAL or char.isspace() or not char.isprintable():
            return char
    return None


def _loopback_target(listen):
    # The UI bound to every address (or not told) is reached on the host's own loopback.
    if listen in (None, "", "0.0.0.0", "::", "[::]", "localhost"):
        return "127.0.0.1"
    return listen.strip("[]")


def tunnel_plan(hosts, first_port=7860):
    """hosts: a list of dicts, in inventory order, with the keys name (inventory_hostname),
    address, user, port, key (all but name may be None), local_port (None: the next free
    one from first_port), remote_port (the UI's port), listen (the UI's bind address).

    Returns {'hosts': [{name, alias, local_port, target, url, command}], 'block': str}.
    """
    first = _port(first_port, "tunnel_first_port")
    if not isinstance(hosts, (list, tuple)):
        raise TunnelError("expected a list of hosts, got %s" % type(hosts).__name__)
    taken = {}
    for host in hosts:
        if host.get("local_port") is not None:
            port = _port(host["local_port"], "tunnel_local_port of %s" % host.get("name"))
            if port in taken:
                raise TunnelError(
                    "tunnel_local_port %d is given to both %s and %s: each host needs its own"
                    % (port, taken[port], host.get("name"))
                )
            taken[port] = host.get("name")

    planned, lines, next_port = [], [], first
    for host in hosts:
        name = str(host.get("name") or "")
        if not name:
            raise TunnelError("a host without an inventory name cannot be an ssh Host alias")
        bad = _unfit_host_character(name)
        if bad is not None:
            raise TunnelError(
                "the inventory name %r cannot be an ssh Host alias: it holds %s; rename the host "
                "(ssh_config would read the rest as patterns or as lines of its own)"
                % (
                    name,
                    "a blank or control character %r" % bad if bad.isspace() or not bad.isprintable() else repr(bad),
                )
            )
        if host.get("local_port") is not None:
            local = _port(host["local_port"], "tunnel_local_port of %s" % name)
        else:
            while next_port in taken:
                next_port += 1
            if next_port > 65535:
                raise TunnelError("no local port left above %d" % first)
            local = next_port
            taken[local] = name
        remote = _port(host.get("remote_port") or 7860, "webui_port of %s" % name)
        target = _loopback_target(host.get("listen"))
        alias = name + ALIAS_SUFFIX
        lines.append("Host %s" % alias)
        lines.append("    HostName %s" % _word(host.get("address") or name, "the address of %s" % name))
        if host.get("user"):
            lines.append("    User %s" % _word(host["user"], "the user of %s" % name))
        if host.get("port") is not None:
            lines.append("    Port %d" % _port(host["port"], "the SSH port of %s" % name))
        if host.get("key"):
            lines.append("    IdentityFile %s" % _word(host["key"], "the key of %s" % name))
        # Bound to the laptop's loopback: nobody else on the laptop's network gets in.
        lines.append(
            "    LocalForward 127.0.0.1:%d %s:%d" % (local, "[%s]" % target if ":" in target else target, remote)
        )
        # A local port already in use fails the ssh command instead of leaving a dead tunnel.
        lines.append("    ExitOnForwardFailure yes")
        planned.append(
            dict(
                name=name,
                alias=alias,
                local_port=local,
                target="%s:%d" % (target, remote),
                url="http://127.0.0.1:%d/" % local,
                command="ssh -N %s" % alias,
            )
        )
    return dict(hosts=planned, block="\n".join(lines))


def host_entry(hostvars):
    """One host of tunnel_plan, from that host's inventory variables (hostvars[name])."""

    def get(*keys):
        for key in keys:
            value = hostvars.get(key)
            if value is not None and value != "":
                return value
        return None

    return dict(
        name=get("inventory_hostname"),
        address=get("ansible_host", "ansible_ssh_host"),
        user=get("ansible_user", "ansible_ssh_user"),
        port=get("ansible_port", "ansible_ssh_port"),
        key=get("ansible_ssh_private_key_file", "ansible_private_key_file"),
        local_port=get("tunnel_local_port"),
        remote_port=get("webui_port"),
        listen=get("webui_listen"),
    )


# The laptop the tunnels start from, never a host to tunnel to.
CONTROLLER = "localhost"


def fleet_plan(hostvars, names, first_port=7860):
    """tunnel_plan for the inventory hosts ``names``, in order, from their variables
    (``hostvars``); localhost is left out. Adds ``lines``: per host, the command that
    opens its tunnel and the URL it then answers on."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise TunnelError("expected a list of inventory host names, got %s" % type(names).__name__)
    entries = []
    for name in names:
        if name == CONTROLLER:
            continue
        if name not in hostvars:
            raise TunnelError("%s is not a host of the inventory" % name)
        entries.append(host_entry(hostvars[name]))
    plan = tunnel_plan(entries, first_port)
    plan["lines"] = ["%s   ->  %s" % (host["command"], host["url"]) for host in plan["hosts"]]
    return plan
