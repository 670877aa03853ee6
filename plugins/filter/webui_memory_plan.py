# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _webui_plan


def webui_memory_plan(
    gpu_vram, gpu_index, ui='a1111', model='sd15', requested='auto', thresholds=None, service_active=False, tuned=None
):
    """The memory mode for webui_flags, and why."""
    try:
        return _webui_plan.memory_plan(
            gpu_vram,
            gpu_index,
            ui=ui,
            model=model,
            requested=requested,
            thresholds=thresholds,
            service_active=service_active,
            tuned=tuned,
        )
    except _webui_plan.PlanError as exc:
        raise AnsibleFilterError('webui_memory_plan: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'webui_memory_plan': webui_memory_plan}
