# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark


def benchmark_settle(trials, modes, mode_before):
    try:
        return _benchmark.settle(trials, modes, mode_before)
    except (_benchmark.BenchmarkError, TypeError, KeyError) as exc:
        raise AnsibleFilterError('benchmark_settle: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'benchmark_settle': benchmark_settle}
