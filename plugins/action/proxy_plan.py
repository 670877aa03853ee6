# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read the host once and plan the proxy (docs: plugins/modules/proxy_plan.py).

The host answers the host_state module; every decision is plugin_utils/_proxy.py's,
on the controller.
"""

from __future__ import annotations

from ansible_collections.vramfree.webui.plugins.module_utils import _state_file
from ansible_collections.vramfree.webui.plugins.plugin_utils import _proxy, _remote

ARGUMENT_SPEC = dict(
    kind=dict(type='str', required=True),
    kinds=dict(type='dict', required=True),
    allow=dict(type='raw', default=[]),
    auth_users=dict(type='raw', default=[], no_log=True),
    api_tokens=dict(type='raw', default=[], no_log=True),
    allow_public=dict(type='bool', default=False),
    port=dict(type='raw', default=7861),
    tls=dict(type='str', default='none'),
    tls_cert=dict(type='str', default=''),
    tls_key=dict(type='str', default=''),
    upstream=dict(type='str', required=True),
    firewall=dict(type='str', default='auto', choices=['auto', 'ufw', 'firewalld', 'none']),
    state_file=dict(type='path', default=_state_file.PATH),
)


class ActionModule(_remote.HostAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    NAME = 'proxy_plan'

    def act(self, result, args, task_vars):
        try:
            return self._plan(result, args, task_vars)
        except _proxy.ExposureError as exc:
            result.update(failed=True, msg='proxy_plan: %s' % exc)
            return result

    def _plan(self, result, args, task_vars):
        kinds = args['kinds']
        listens = (kinds.get(args['kind']) or {}).get('listens')
        tls_files = [args['tls_cert'], args['tls_key']] if args['tls'] == 'files' else []
        state = _remote.execute_module(
            self,
            'vramfree.webui.host_state',
            dict(
                paths=_proxy.every_path(kinds) + [path for path in tls_files if path],
                remembered=True,
                state_file=args['state_file'],
                firewalls=True,
                # Where the web UI listens now: a UI open beyond loopback is refused.
                port=_proxy.upstream_port(args['upstream']) if listens else None,
            ),
            task_vars,
        )
        if state.get('failed'):
            result.update(failed=True, msg='proxy_plan: reading the host failed: %s' % state.get('msg', state))
            return result
        request = {name: args[name] for name in ARGUMENT_SPEC if name not in ('kinds', 'state_file')}
        planned = _proxy.plan(request, kinds, state)
        result.update(planned)
        if planned['refusal']:
            result.update(failed=True, msg=planned['refusal'])
        return result
