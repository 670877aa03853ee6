# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which systemd unit a process belongs to, read from its cgroup.

The GPU facts name each VRAM holder's unit so that a playbook can tell the web UI's
own VRAM from the desktop's or a stray job's: on a second run the web UI is one of the
holders, and neither the headless proof nor the memory-mode choice may count it
against itself.
"""

from __future__ import annotations

import os

UNIT_SUFFIXES = ('.service', '.scope')


def unit_from_cgroup(text: str) -> str | None:
    """The innermost ``.service`` or ``.scope`` in a ``/proc/PID/cgroup`` text.

    cgroup v2 has one line (``0::/system.slice/webui.service``); v1 has one per
    hierarchy, and the ``name=systemd`` one carries systemd's tree. A container may
    prefix the path with its own (``/docker/<id>/system.slice/...``), so the last unit
    component wins. Nested groups a service makes for itself (``webui.service/worker``)
    still belong to the service.
    """
    best = None
    for line in text.splitlines():
        parts = line.split(':', 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if not (hierarchy == '0' and controllers == '') and controllers != 'name=systemd':
            continue
        for component in reversed(path.split('/')):
            if component.endswith(UNIT_SUFFIXES):
                best = component
                break
        if controllers == 'name=systemd' and best:
            return best
    return best


def unit_of_pid(pid, proc_root: str = '/proc') -> str | None:
    """The unit of ``pid``, or None when the process is gone or not readable."""
    try:
        with open(os.path.join(proc_root, str(int(pid)), 'cgroup'), 'rb') as handle:
            text = handle.read().decode('utf-8', 'replace')
    except (OSError, TypeError, ValueError):
        return None
    return unit_from_cgroup(text)


def annotate_units(gpu_vram: dict, proc_root: str = '/proc') -> dict:
    """Add ``unit`` to every process of every GPU in a ``gpu_vram`` fact (in place)."""
    for gpu in gpu_vram.get('gpus') or []:
        for proc in gpu.get('processes') or []:
            proc['unit'] = unit_of_pid(proc.get('pid'), proc_root)
    return gpu_vram
