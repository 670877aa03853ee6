# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""benchmark.json, benchmark.md and the printed table from what each host recorded (see
plugins/modules/benchmark_report.py). Runs on the controller alone."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark

SPEC = {
    'records': {'type': 'dict', 'required': True},
    'request': {'type': 'dict', 'default': {}},
    'llm_request': {'type': 'dict', 'default': {}},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        _spec, args = self.validate_argument_spec(argument_spec=SPEC)
        try:
            report = _benchmark.build(args['records'], args['request'], args['llm_request'])
            return {
                'changed': False,
                'report': report,
                'markdown': _benchmark.markdown(report),
                'table': _benchmark.table(report),
            }
        except (_benchmark.BenchmarkError, TypeError, KeyError, ValueError) as exc:
            raise AnsibleActionFail('benchmark_report: %s' % exc) from exc
