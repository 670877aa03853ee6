# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's public VRAM filters, one file as community.general groups related
filters: the memory mode the free VRAM allows, a GPU snapshot with a unit's own VRAM
counted free, and the fleet's VRAM table (with by_host to collect it from hostvars).
Each is documented in the .yml of its name beside this file."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import (
    _fleet_report,
    _memory_mode,
    _vram_report,
    _webui_plan,
)


def memory_mode(gpu_vram, ui='a1111', model='sd15', gpu=0, thresholds=None):
    """The fastest memory mode of ``ui`` that fits the GPU's free VRAM."""
    try:
        return _memory_mode.memory_mode(gpu_vram, ui=ui, model=model, gpu=gpu, thresholds=thresholds)
    except _memory_mode.MemoryModeError as exc:
        raise AnsibleFilterError('memory_mode: %s' % exc) from exc


def vram_without_units(gpu_vram, units):
    """The gpu_vram fact as if the processes of ``units`` held no VRAM."""
    try:
        return _webui_plan.without_units(gpu_vram, units)
    except _webui_plan.PlanError as exc:
        raise AnsibleFilterError('vram_without_units: %s' % exc) from exc


def vram_table(fleet, top=3):
    """One table of the fleet's GPUs, the top holders of each."""
    try:
        return _vram_report.vram_table(fleet, top)
    except (TypeError, ValueError, KeyError) as exc:
        raise AnsibleFilterError('vram_table: %s' % exc) from exc


def by_host(hostvars, hosts, key):
    """``{host: hostvars[host][key]}`` for each of ``hosts``; None where unset."""
    try:
        return _fleet_report.by_host(hostvars, hosts, key)
    except _fleet_report.ReportError as exc:
        raise AnsibleFilterError('by_host: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {
            'memory_mode': memory_mode,
            'vram_without_units': vram_without_units,
            'vram_table': vram_table,
            'by_host': by_host,
        }
