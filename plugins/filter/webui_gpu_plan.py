# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _webui_plan


def webui_gpu_plan(gpu_vram, gpu='auto'):
    """Which GPU the web UI gets and whether the desktop must stop for it."""
    try:
        return _webui_plan.gpu_plan(gpu_vram, gpu)
    except _webui_plan.PlanError as exc:
        raise AnsibleFilterError('webui_gpu_plan: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'webui_gpu_plan': webui_gpu_plan}
