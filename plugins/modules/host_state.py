#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_state
short_description: Read the systemd units, default target, remembered state, leftovers and firewalls of a host in one call
version_added: 0.3.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Answers, in one round trip, what the C(vramfree.webui.headless) and C(vramfree.webui.proxy) roles
    must know before they act; each part is read only when asked for.
  - O(units) through C(systemctl show) (C(Id), C(LoadState), C(ActiveState), C(UnitFileState),
    C(FragmentPath)); a unit systemd does not know comes back with C(LoadState=not-found).
  - With O(remembered), what the roles remember on the host (the state file M(vramfree.webui.state_file) writes,
    earlier releases' files folded in).
  - Which of O(paths) exist (not followed when they are symbolic links).
  - With O(firewalls), the firewalls that run (C(ufw status) active, C(firewall-cmd --state)).
  - With O(port), the local addresses of the TCP sockets listening on that port (C(ss -Hltn)).
  - Commands run with C(LC_ALL=C) and are killed after O(command_timeout) seconds.
options:
  units:
    description: Systemd units to describe.
    type: list
    elements: str
    default: []
  default_target:
    description: Also read the default target (C(systemctl get-default)).
    type: bool
    default: false
  remembered:
    description: Also read what the roles remember on the host.
    type: bool
    default: false
  state_file:
    description: The state file M(vramfree.webui.state_file) writes; leave the default.
    type: path
    default: /etc/ansible/facts.d/vramfree.fact
  paths:
    description: Paths whose existence to report.
    type: list
    elements: path
    default: []
  firewalls:
    description: Also say which of ufw and firewalld run.
    type: bool
    default: false
  port:
    description: A TCP port whose listening sockets to report.
    type: int
  command_timeout:
    description: Seconds each command may take before it is killed and the module fails.
    type: int
    default: 30
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: It only reads; it does the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Run it as root (C(become)) where O(firewalls) is set, since C(ufw status) needs root.
"""

EXAMPLES = r"""
- name: Read what the display manager is and the default target
  vramfree.webui.host_state:
    units: [display-manager.service, multi-user.target]
    default_target: true
    remembered: true
  register: state

- name: Say which display manager runs
  ansible.builtin.debug:
    msg: "{{ state.units['display-manager.service'].Id }} is {{ state.units['display-manager.service'].ActiveState }}"
"""

RETURN = r"""
units:
  description: Per unit asked, its C(Id), C(LoadState), C(ActiveState), C(UnitFileState) and C(FragmentPath) (empty strings where systemd has none).
  returned: always
  type: dict
  sample: {"display-manager.service": {"Id": "gdm.service", "LoadState": "loaded", "ActiveState": "active",
           "UnitFileState": "enabled", "FragmentPath": "/usr/lib/systemd/system/gdm.service"}}
known:
  description: The units of O(units) that systemd knows (C(LoadState) other than C(not-found)), in the order asked.
  returned: always
  type: list
  elements: str
  sample: [display-manager.service, multi-user.target]
default_target:
  description: The default target, null unless O(default_target).
  returned: always
  type: str
  sample: graphical.target
remembered:
  description: What the roles remember, by section (see M(vramfree.webui.state_file)); null unless O(remembered).
  returned: always
  type: dict
  sample: {"headless": {"previous_default_target": "graphical.target"}}
exists:
  description: The paths of O(paths) that exist, in the order asked.
  returned: always
  type: list
  elements: str
firewalls:
  description: The firewalls that run, among V(ufw) and V(firewalld); null unless O(firewalls).
  returned: always
  type: list
  elements: str
listening:
  description: The local addresses listening on O(port) (C(0.0.0.0:7860), C([::1]:7860)); null without O(port).
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vramfree.webui.plugins.module_utils import _command, _host_state, _state_file, _systemctl


def main():
    module = AnsibleModule(
        argument_spec=dict(
            units=dict(type="list", elements="str", default=[]),
            default_target=dict(type="bool", default=False),
            remembered=dict(type="bool", default=False),
            state_file=dict(type="path", default=_state_file.PATH),
            paths=dict(type="list", elements="path", default=[]),
            firewalls=dict(type="bool", default=False),
            port=dict(type="int"),
            command_timeout=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    params = module.params

    run = _command.module_runner(module, params["command_timeout"])

    try:
        state = _host_state.gather(
            run,
            _state_file.read_text,
            os.path.lexists,
            module.get_bin_path,
            units=params["units"],
            default_target=params["default_target"],
            remembered=params["state_file"] if params["remembered"] else None,
            listdir=_state_file.listdir,
            paths=params["paths"],
            firewalls=params["firewalls"],
            port=params["port"],
        )
    except (_host_state.HostStateError, _systemctl.SystemctlError, _command.CommandTimeout) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
