# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _proxy


def proxy_firewall_rules(remembered, exposure, port, firewalls, running):
    """The firewall rules to open now, those of earlier runs to close, and what to remember."""
    try:
        return _proxy.firewall_rules(remembered, exposure, port, firewalls, running)
    except _proxy.ExposureError as exc:
        raise AnsibleFilterError('proxy_firewall_rules: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'proxy_firewall_rules': proxy_firewall_rules}
