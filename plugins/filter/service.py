# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's public filters for what goes into a web UI's service and what comes
out of it: values written safely into a systemd unit, and log lines with the UI's
secrets hidden. Each is documented in the .yml of its name beside this file."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.module_utils import _launch_args
from ansible_collections.vramfree.webui.plugins.plugin_utils._systemd_unit import UnitValueError, escape


def systemd_escape(value, kind, name='value'):
    """``value`` written for a unit setting of ``kind``, or an error naming ``name``."""
    try:
        return escape(value, kind, name)
    except UnitValueError as exc:
        raise AnsibleFilterError('systemd_escape: %s' % exc) from exc


def masked_log(lines, flags=None):
    """Log lines with the web UI's secrets hidden, for messages and reports."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    if not isinstance(lines, (list, tuple)):
        raise AnsibleFilterError('masked_log: expected a list of lines, got %s' % type(lines).__name__)
    if flags is not None and not isinstance(flags, dict):
        raise AnsibleFilterError('masked_log: flags must be a dictionary, got %s' % type(flags).__name__)
    return _launch_args.mask_log([str(line) for line in lines], _launch_args.flag_secrets(flags))


class FilterModule:
    def filters(self):
        return {'systemd_escape': systemd_escape, 'masked_log': masked_log}
