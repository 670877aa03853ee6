# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _webui_plan


def webui_launch_flags(flags=None, ui='a1111', listen='127.0.0.1', port=7860):
    """webui_flags' flags: bind address and port in the UI's terms, the user's flags on top."""
    try:
        return _webui_plan.launch_flags(ui=ui, listen=listen, port=port, flags=flags)
    except _webui_plan.PlanError as exc:
        raise AnsibleFilterError('webui_launch_flags: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'webui_launch_flags': webui_launch_flags}
