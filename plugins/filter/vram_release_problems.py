# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils._vram_release import release_problems


def vram_release_problems(gpu_vram, max_other_mib=0, max_device_used_mib=128):
    try:
        return release_problems(gpu_vram, max_other_mib, max_device_used_mib)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("vram_release_problems: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"vram_release_problems": vram_release_problems}
