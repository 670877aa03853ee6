# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _webui_plan


def vram_without_units(gpu_vram, units):
    """The gpu_vram fact as if the processes of ``units`` held no VRAM."""
    try:
        return _webui_plan.without_units(gpu_vram, units)
    except _webui_plan.PlanError as exc:
        raise AnsibleFilterError('vram_without_units: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'vram_without_units': vram_without_units}
