# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vramfree.webui.plugins.plugin_utils import _tunnel


class ActionModule(ActionBase):
    """The ssh config entries of the tunnels to the web UIs of the inventory's hosts; the
    work is _tunnel's, this reads the task and the hosts' variables."""

    TRANSFERS_FILES = False
    # It reads the inventory on the controller and writes nothing.
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        args = self.validate_argument_spec(
            argument_spec=dict(
                hosts=dict(type='list', elements='str', required=True),
                # Checked as a port by _tunnel, which names the variable it comes from.
                first_port=dict(type='raw', default=7860),
            )
        )[1]
        result = super().run(tmp, task_vars)
        try:
            plan = _tunnel.fleet_plan((task_vars or {}).get('hostvars', {}), args['hosts'], args['first_port'])
        except (_tunnel.TunnelError, AttributeError) as exc:
            raise AnsibleActionFail('tunnel_plan: %s' % exc) from exc
        result.update(changed=False, **plan)
        return result
