# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure the host's VRAM and plan the web UI on it (docs: plugins/modules/webui_plan.py).

The measurement and the autotune file are read on the host by modules; every decision
is plugin_utils/_webui_plan.py's, on the controller.
"""

from __future__ import annotations

from ansible_collections.vramfree.webui.plugins.module_utils import _profiles, _state_file
from ansible_collections.vramfree.webui.plugins.plugin_utils import _remote, _webui_plan

ARGUMENT_SPEC = dict(
    ui=dict(type='str', default='a1111', choices=_profiles.names()),
    gpu=dict(type='raw', default='auto'),
    ignore_units=dict(type='list', elements='str', default=[]),
    model=dict(type='str', default='sd15'),
    memory_mode=dict(type='str', default='auto'),
    thresholds=dict(type='dict', default={}),
    service_active=dict(type='bool', default=False),
    tuned_unit=dict(type='str'),
    state_file=dict(type='path', default=_state_file.PATH),
    listen=dict(type='str', default='127.0.0.1'),
    port=dict(type='raw'),
    flags=dict(type='dict', default={}),
    memory=dict(type='bool', default=True),
    host=dict(type='str', default=''),
    gpu_vram=dict(type='dict'),
    model_info=dict(type='dict'),
    model_path=dict(type='str'),
    context_size=dict(type='int', default=4096),
    settings=dict(type='dict', default={}),
)


class ActionModule(_remote.HostAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    NAME = 'webui_plan'

    def act(self, result, args, task_vars):
        gpu_vram = args['gpu_vram']
        if gpu_vram is None:
            measured = self.module('vramfree.webui.gpu_vram_facts', {}, task_vars)
            gpu_vram = measured['ansible_facts']['gpu_vram']
            # As the module itself would: the fact other plays and roles read.
            result['ansible_facts'] = measured['ansible_facts']
            result['warnings'] = measured.get('warnings', [])

        request = _webui_plan.plan_request(args)
        remembered = None
        if _webui_plan.tuned_for(request, {'benchmark': {args['tuned_unit']: True}}):
            remembered = self._remembered(args['state_file'], task_vars)
        try:
            planned = _webui_plan.plan_from_request(request, gpu_vram, remembered)
        except _webui_plan.PlanError as exc:
            result.update(failed=True, msg=str(exc), gpu_vram=gpu_vram)
            return result
        result.update(planned, gpu_vram=gpu_vram, request=request)
        return result

    def _remembered(self, state_file, task_vars):
        """The state file's sections (what the benchmark's autotune proved among them).
        Root's state file in a root folder: nothing of the web UI's user is read."""
        answer = self.module('vramfree.webui.host_state', {'remembered': True, 'state_file': state_file}, task_vars)
        return answer.get('remembered') or {}
