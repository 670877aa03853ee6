# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""site's converged path (docs: plugins/modules/converged_facts.py).

The host measures its VRAM and reads its digests in one run of the converged_facts
module; the request's digest, the plans and the comparison are the controller's
(plugin_utils/_converged.py, _webui_plan.py).
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.vramfree.webui.plugins.plugin_utils import _converged, _remote, _webui_plan

MODULE = 'vramfree.webui.converged_facts'
ARGUMENT_SPEC = dict(
    gpu=dict(type='raw', default='auto'),
    ignore_units=dict(type='list', elements='str', default=[]),
    request=dict(type='dict'),
    request_digest=dict(type='str'),
    record=dict(type='bool', default=False),
    watch=dict(type='dict'),
    plan=dict(type='dict'),
    facts=dict(type='dict'),
    run_tags=dict(type='list', elements='str', default=['all']),
    skip_tags=dict(type='list', elements='str', default=[]),
    forget=dict(type='bool', default=False),
    path=dict(type='path', default='/var/lib/vramfree/converged.json'),
    state_file=dict(type='path', default='/etc/ansible/facts.d/vramfree.fact'),
    command_timeout=dict(type='int', default=30),
)
HOST_OPTIONS = ('path', 'state_file', 'command_timeout')


class ActionModule(_remote.HostAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    NAME = 'converged_facts'

    def act(self, result, args, task_vars):
        # What it writes is a record of what was checked, not a change to the host.
        if args['record'] or args['forget']:
            return self._record(result, args, task_vars)
        return self._check(result, args, task_vars)

    def _host(self, args, extra, task_vars):
        module_args = {key: args[key] for key in HOST_OPTIONS}
        module_args.update(extra)
        return self.module(MODULE, module_args, task_vars)

    def _record(self, result, args, task_vars):
        if args['forget']:
            answer = self._host(args, {'forget': True}, task_vars)
            result.update(recorded=False, forgot=answer.get('forgot', False))
            return result
        partial = _converged.partial_run(args['run_tags'], args['skip_tags'])
        if partial:
            result.update(recorded=False, msg='not recorded: %s' % partial)
            return result
        plan = args['plan'] or {}
        if not isinstance(plan.get('request'), dict) or not isinstance(plan.get('gpu_vram'), dict):
            raise AnsibleActionFail(
                "converged_facts: plan must be what the webui role's webui_plan returned (its request and gpu_vram)"
            )
        # What the next run compares its own plan with: the decision made from this VRAM.
        stored_plan = {
            'request': plan['request'],
            'decision': _converged.decision(plan),
            'holders': _converged.gpu_holders(plan['gpu_vram'], plan['request'].get('ignore_units') or []),
        }
        answer = self._host(
            args,
            {
                'record': True,
                'request_digest': args['request_digest'],
                'watch': args['watch'],
                'plan': stored_plan,
                'facts': args['facts'],
            },
            task_vars,
        )
        result.update(recorded=answer.get('recorded', False), observed=answer.get('observed'))
        return result

    def _request(self, task_vars):
        """The roles' options and site's, as set for this host, templated."""
        request = {}
        for name in _converged.request_names():
            if name not in task_vars:
                continue
            try:
                request[name] = self._templar.template(task_vars[name])
            except Exception:  # pylint: disable=broad-exception-caught
                # A value only a role this host does not run could template (an undefined
                # secret of another UI's) is compared as written: it must not fail the host.
                request[name] = {'untemplated': str(task_vars[name])}
        return request

    def _check(self, result, args, task_vars):
        request = args['request'] if args['request'] is not None else self._request(task_vars or {})
        digest = _converged.request_digest(request, _converged.code_digest())
        answer = self._host(args, {}, task_vars)
        gpu_vram = answer['gpu_vram']
        # As gpu_vram_facts would: the fact other plays and roles read.
        result['ansible_facts'] = {'gpu_vram': gpu_vram}
        result['warnings'] = answer.get('warnings', [])
        try:
            # site's GPU plan, as webui_plan with memory false makes it.
            site = _webui_plan.plan(gpu_vram, gpu=args['gpu'], ignore_units=args['ignore_units'], memory=False)
        except _webui_plan.PlanError as exc:
            result.update(failed=True, msg=str(exc), gpu_vram=gpu_vram, converged=False, reasons=[str(exc)])
            return result
        stored = answer.get('stored')
        observed = answer.get('observed')
        reasons = _converged.blocking(stored, digest)
        planned = None
        if not reasons:
            request_then = ((stored.get('plan') or {}).get('request')) or {}
            unit = (request_then.get('ignore_units') or [''])[0]
            try:
                planned = _webui_plan.plan_from_request(
                    request_then,
                    gpu_vram,
                    answer.get('remembered'),
                    service_active=_converged.unit_active(observed, unit),
                )
            except _webui_plan.PlanError as exc:
                reasons = ['the web UI cannot be planned from the VRAM free now (%s)' % exc]
            else:
                reasons = _converged.compare(
                    stored,
                    digest,
                    observed,
                    _converged.gpu_holders(gpu_vram, request_then.get('ignore_units') or []),
                    _converged.decision(planned),
                )
        converged = not reasons
        result.update(
            site,
            gpu_vram=gpu_vram,
            converged=converged,
            reasons=reasons,
            request_digest=digest,
            facts=_converged.facts(stored, planned) if converged else {},
            observed=observed,
            recorded=False,
            msg='converged: the roles have nothing to do' if converged else 'the roles run: %s' % '; '.join(reasons),
        )
        return result
