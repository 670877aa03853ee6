# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read what ``systemctl show`` says of units, the one place that parses it.

``systemctl show --property=A,B UNIT...`` prints ``A=value`` lines, one block per unit
in the order asked, blocks separated by an empty line. A unit systemd does not know is
still answered (``LoadState=not-found``), so every unit asked gets a block. Values are
taken from the first ``=`` on: an ``ExecStart`` or ``Environment`` value holds more.
"""

from __future__ import annotations

PROPERTIES = ('Id', 'LoadState', 'ActiveState', 'UnitFileState', 'FragmentPath')


class SystemctlError(ValueError):
    """systemctl answered something other than what was asked."""


def show_argv(units, properties=PROPERTIES) -> list:
    """The command line that asks systemd for ``properties`` of ``units``."""
    units = list(units)
    for unit in units:
        if not isinstance(unit, str) or not unit or unit.startswith('-') or any(c.isspace() for c in unit):
            raise SystemctlError('%r is not a unit name' % (unit,))
    return ['systemctl', 'show', '--property=%s' % ','.join(properties), '--'] + units


def parse_blocks(text: str) -> list:
    """Each unit's ``{property: value}``, in the order systemctl printed them."""
    blocks, current = [], {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current = {}
            continue
        name, sep, value = line.partition('=')
        if not sep:
            raise SystemctlError('not a property line of systemctl show: %r' % line)
        current[name] = value
    if current:
        blocks.append(current)
    return blocks


def parse_show(text: str, units, properties=PROPERTIES) -> dict:
    """``{unit: {property: value}}`` for the ``units`` asked, from ``systemctl show``'s output.

    Properties that a unit lacks (an empty ``FragmentPath`` of an unknown unit, which
    some systemd versions leave out) come back as empty strings, so that callers need
    not guess. ``Id`` and ``LoadState``, which are never empty, keep every block apart.
    """
    units = list(units)
    blocks = [dict(dict.fromkeys(properties, ''), **block) for block in parse_blocks(text)]
    if len(blocks) != len(units):
        raise SystemctlError(
            'systemctl show answered %d unit(s) for the %d asked (%s)' % (len(blocks), len(units), ', '.join(units))
        )
    return dict(zip(units, blocks))
