# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _memory_mode


def memory_mode(gpu_vram, ui='a1111', model='sd15', gpu=0, thresholds=None):
    """The fastest memory mode of ``ui`` that fits the GPU's free VRAM."""
    try:
        return _memory_mode.memory_mode(gpu_vram, ui=ui, model=model, gpu=gpu, thresholds=thresholds)
    except _memory_mode.MemoryModeError as exc:
        raise AnsibleFilterError('memory_mode: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'memory_mode': memory_mode}
