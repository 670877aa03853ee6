# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Wait until the VRAM a stopped desktop held is released (docs: plugins/modules/vram_release.py).

The host only answers gpu_vram_facts; the loop and the judgement are
plugin_utils/_vram_release.py's, on the controller.
"""

from __future__ import annotations

import time

from ansible.plugins.action import ActionBase

from ansible_collections.vramfree.webui.plugins.plugin_utils import _remote, _vram_release, _webui_plan

ARGUMENT_SPEC = dict(
    ignore_units=dict(type='list', elements='str', default=[]),
    max_other_mib=dict(type='int', default=0),
    max_device_used_mib=dict(type='int', default=128),
    timeout=dict(type='int', default=60),
    delay=dict(type='float', default=2.0),
    gpu_vram=dict(type='dict'),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        result['changed'] = False

        def measure():
            answer = _remote.execute_module(self, 'vramfree.webui.gpu_vram_facts', {}, task_vars)
            if answer.get('failed') or 'gpu_vram' not in answer.get('ansible_facts', {}):
                return None, answer.get('msg', 'gpu_vram_facts failed')
            return answer['ansible_facts']['gpu_vram'], None

        def judge(gpu_vram):
            return _vram_release.release_problems(
                _webui_plan.without_units(gpu_vram, args['ignore_units']),
                args['max_other_mib'],
                args['max_device_used_mib'],
            )

        try:
            waited = _vram_release.wait_for_release(
                measure,
                judge,
                args['timeout'],
                args['delay'],
                time.monotonic,
                time.sleep,
                earlier=args['gpu_vram'],
            )
        except (_webui_plan.PlanError, TypeError, ValueError) as exc:
            result.update(failed=True, msg='vram_release: %s' % exc)
            return result
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if waited['measured'] and waited['gpu_vram'] is not None:
            # As the module itself would: the fact other plays and roles read.
            result['ansible_facts'] = {'gpu_vram': waited['gpu_vram']}
        result.update(
            gpu_vram=waited['gpu_vram'],
            measured=waited['measured'],
            attempts=waited['attempts'],
            problems=waited['problems'],
        )
        if waited['msg']:
            result.update(failed=True, msg=waited['msg'])
        return result
