# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _webui_report


def webui_table(fleet):
    """One line per host: UI, GPU, memory mode, URL."""
    try:
        return _webui_report.webui_table(fleet)
    except TypeError as exc:
        raise AnsibleFilterError('webui_table: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'webui_table': webui_table}
