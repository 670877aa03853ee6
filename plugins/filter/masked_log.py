# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.module_utils import _launch_args


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
        return {'masked_log': masked_log}
