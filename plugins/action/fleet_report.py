# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vramfree.webui.plugins.plugin_utils import _fleet_report


class ActionModule(ActionBase):
    """Build site's fleet report from the play's hosts' variables and write it into the
    report folder on the controller; the work is _fleet_report's, this reads the task."""

    TRANSFERS_FILES = False
    # Everything happens on the controller: no host is contacted.
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        args = self.validate_argument_spec(
            argument_spec=dict(
                report_dir=dict(type='str', default=''),
                webui=dict(type='bool', default=True),
            )
        )[1]
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        hostvars = task_vars.get('hostvars', {})
        reached = task_vars.get('ansible_play_hosts', [])
        try:
            folder = _fleet_report.report_dir(args['report_dir'] or None)
        except OSError as exc:
            raise AnsibleActionFail('fleet_report: no working folder to take the report folder from: %s' % exc) from exc
        try:
            report = _fleet_report.play_report(
                hostvars,
                task_vars.get('ansible_play_hosts_all', reached),
                reached,
                _fleet_report.read_benchmark(folder),
            )
            written = _fleet_report.write_files(folder, _fleet_report.report_files(report), check=self._task.check_mode)
            lines = _fleet_report.summary_lines(hostvars, reached, report, webui=args['webui'])
        except (_fleet_report.ReportError, TypeError) as exc:
            raise AnsibleActionFail('fleet_report: %s' % exc) from exc
        except OSError as exc:
            raise AnsibleActionFail('fleet_report: cannot write the report into %s: %s' % (folder, exc)) from exc
        result.update(
            changed=bool(written['folders'] or written['files']),
            report_dir=folder,
            written=written['files'],
            report=report,
            lines=lines,
        )
        if self._task.diff:
            result['diff'] = written['diff']
        return result
