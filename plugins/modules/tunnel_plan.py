# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: tunnel_plan
short_description: SSH config entries that tunnel a local port to each host's web UI
version_added: 0.2.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - One C(Host <name>-webui) entry per host with its address, user, port and key, and a
    C(LocalForward) from a local port of its own (bound to the laptop's loopback) to the web UI's
    port on the host's loopback, with C(ExitOnForwardFailure yes).
  - Each host's entry comes from its inventory variables - C(ansible_host), C(ansible_user),
    C(ansible_port), C(ansible_ssh_private_key_file) (or C(ansible_private_key_file)),
    C(tunnel_local_port), C(webui_port) and C(webui_listen).
  - Local ports are given in order from O(first_port), skipping those set explicitly per host
    (C(tunnel_local_port)); two hosts with the same explicit port are refused.
  - An inventory name that ssh_config would read as a pattern, a comment or a line of its own
    (blanks, control characters, C(*?!,#), quotes, backslashes) is refused, as is a value with a
    line break or a double quote.
  - Runs on the controller and writes nothing; write the plan's RV(block) with
    M(ansible.builtin.blockinfile), as the C(vramfree.webui.tunnel) playbook does.
options:
  hosts:
    description:
      - The inventory names of the hosts, in the order of their entries. C(localhost), the laptop
        the tunnels start from, is left out.
    type: list
    elements: str
    required: true
  first_port:
    description: The first local port to give out.
    type: int
    default: 7860
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - vramfree.webui.action_plugin
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Plan one tunnel per GPU host
  vramfree.webui.tunnel_plan:
    hosts: "{{ query('ansible.builtin.inventory_hostnames', 'gpu_boxes') }}"
    first_port: 17860
  register: tunnels

- name: Write them into the ssh config
  ansible.builtin.blockinfile:
    path: ~/.ssh/config
    block: "{{ tunnels.block }}"
    marker: "# {mark} web UI tunnels"
    create: true
    mode: "0600"
"""

RETURN = r"""
block:
  description: The ssh_config text, without markers.
  returned: success
  type: str
  sample: "Host sd-970-webui\n    HostName 10.0.0.5\n    LocalForward 127.0.0.1:7860 127.0.0.1:7860\n    ExitOnForwardFailure yes"
hosts:
  description: Per host C(name), C(alias), C(local_port), C(target), C(url) and C(command).
  returned: success
  type: list
  elements: dict
lines:
  description: Per host, the command that opens its tunnel and the URL the web UI then answers on.
  returned: success
  type: list
  elements: str
  sample: ["ssh -N sd-970-webui   ->  http://127.0.0.1:7860/"]
"""
