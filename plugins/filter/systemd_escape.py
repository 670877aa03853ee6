# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils._systemd_unit import UnitValueError, escape


def systemd_escape(value, kind, name="value"):
    try:
        return escape(value, kind, name)
    except UnitValueError as exc:
        raise AnsibleFilterError("systemd_escape: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"systemd_escape": systemd_escape}
