# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the headless and proxy roles must know of a host before they act, in one round trip.

Every task is a round trip per host on every run, so the units, the default target,
the state the roles remembered, what a proxy left and the firewalls are read together.
Commands are handed in (``run(argv) -> (rc, out, err)``) so that the tests feed
recorded answers.
"""

from __future__ import annotations

from ansible_collections.vramfree.webui.plugins.module_utils import _state_file, _systemctl


class HostStateError(Exception):
    pass


def _units(run, units):
    if not units:
        return {}
    argv = _systemctl.show_argv(units)
    rc, out, err = run(argv)
    if rc != 0:
        raise HostStateError('%s failed (rc %s): %s' % (' '.join(argv), rc, err.strip() or out.strip()))
    return _systemctl.parse_show(out, units)


def _default_target(run):
    rc, out, err = run(['systemctl', 'get-default'])
    if rc != 0:
        raise HostStateError('systemctl get-default failed (rc %s): %s' % (rc, err.strip()))
    return out.strip()


def _remembered(read, listdir, path):
    """What the roles remember (see _state_file), earlier releases' files folded in."""
    try:
        return _state_file.read(read, listdir, path)[0]
    except _state_file.StateFileError as exc:
        raise HostStateError(str(exc)) from exc


def _firewalls(run, which):
    """The firewalls that run: an installed but inactive one filters nothing."""
    running = []
    if which('ufw'):
        rc, out, _err = run(['ufw', 'status'])
        if rc == 0 and out.startswith('Status: active'):
            running.append('ufw')
    if which('firewall-cmd'):
        rc, _out, _err = run(['firewall-cmd', '--state'])
        if rc == 0:
            running.append('firewalld')
    return running


def _listening(run, port):
    """The local addresses of the TCP sockets listening on ``port`` (``ss -Hltn``)."""
    rc, out, err = run(['ss', '-Hltn', 'sport = :%d' % int(port)])
    if rc != 0:
        raise HostStateError('ss failed (rc %s): %s' % (rc, err.strip()))
    return [line.split()[3] for line in out.splitlines() if line.startswith('LISTEN') and len(line.split()) > 3]


def gather(
    run,
    read,
    exists,
    which,
    units=(),
    default_target=False,
    remembered=None,
    paths=(),
    firewalls=False,
    port=None,
    listdir=None,
):
    """The host's state, as the module returns it (see plugins/modules/host_state.py).
    ``remembered``: the state file's path, or None not to read it."""
    described = _units(run, list(units))
    return dict(
        units=described,
        known=[unit for unit, props in described.items() if props['LoadState'] != 'not-found'],
        default_target=_default_target(run) if default_target else None,
        remembered=_remembered(read, listdir, remembered) if remembered else None,
        exists=[path for path in paths if exists(path)],
        firewalls=_firewalls(run, which) if firewalls else None,
        listening=_listening(run, port) if port is not None else None,
    )
