# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _tunnel


def tunnel_plan(hosts, first_port=7860):
    """ssh_config Host entries with a LocalForward each, and the commands to open them."""
    try:
        return _tunnel.tunnel_plan(hosts, first_port)
    except _tunnel.TunnelError as exc:
        raise AnsibleFilterError('tunnel_plan: %s' % exc) from exc


def tunnel_host_entry(hostvars):
    """The address, user, port, key and ports of one host, from its inventory variables."""
    try:
        return _tunnel.host_entry(hostvars)
    except AttributeError:
        raise AnsibleFilterError('tunnel_host_entry: expected the variables of one host (hostvars[name])') from None


class FilterModule:
    def filters(self):
        return {'tunnel_plan': tunnel_plan, 'tunnel_host_entry': tunnel_host_entry}
