# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _fleet_report


def by_host(hostvars, hosts, key):
    """``{host: hostvars[host][key]}`` for each of ``hosts``; None where unset."""
    try:
        return _fleet_report.by_host(hostvars, hosts, key)
    except _fleet_report.ReportError as exc:
        raise AnsibleFilterError('by_host: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'by_host': by_host}
