# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils._vram_report import vram_table as _vram_table


def vram_table(fleet, top=3):
    try:
        return _vram_table(fleet, top)
    except (TypeError, ValueError, KeyError) as exc:
        raise AnsibleFilterError("vram_table: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"vram_table": vram_table}
