# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _fleet_report


def site_records(hostvars, hosts, reached=None):
    """What site recorded on each of ``hosts``, from ``hostvars``; a host missing from
    ``reached`` gets a failure saying it became unreachable."""
    try:
        return _fleet_report.site_records(hostvars, hosts, reached)
    except _fleet_report.ReportError as exc:
        raise AnsibleFilterError('site_records: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'site_records': site_records}
