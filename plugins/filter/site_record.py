# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.vramfree.webui.plugins.plugin_utils import _fleet_report


def site_record(hostvars):
    """What site recorded on one host, from ``hostvars[host]``."""
    return _fleet_report.site_record(hostvars)


class FilterModule:

    def filters(self):
        return {'site_record': site_record}
