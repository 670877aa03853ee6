# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _fleet_report


def fleet_report_failures(report):
    """One line per failed host of the fleet report, with why."""
    try:
        return _fleet_report.failure_lines(report)
    except _fleet_report.ReportError as exc:
        raise AnsibleFilterError('fleet_report_failures: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'fleet_report_failures': fleet_report_failures}
