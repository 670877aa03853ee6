# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark playbook's decisions (plugin_utils/_benchmark.py) as filters."""

from __future__ import annotations

import functools

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark


def _filter(name):
    """Turn the helper's BenchmarkError into a filter error naming the filter."""
    def wrap(func):
        @functools.wraps(func)
        def call(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except (_benchmark.BenchmarkError, TypeError, KeyError) as exc:
                raise AnsibleFilterError('%s: %s' % (name, exc)) from exc
        return call
    return wrap


@_filter('benchmark_probe')
def benchmark_probe(status, url='', cmd_flags=None, ui='a1111'):
    return _benchmark.probe(status, url, cmd_flags, ui)


@_filter('benchmark_modes')
def benchmark_modes(ui, model='sd15', modes=None):
    return _benchmark.modes_to_try(ui, model, modes)


@_filter('benchmark_trial')
def benchmark_trial(answer, mode, phase='current', steps=20, journal=None):
    if journal is not None:
        return _benchmark.failed_start(mode, phase, journal)
    return _benchmark.trial(answer, mode, phase, steps)


@_filter('benchmark_conditions')
def benchmark_conditions(ui, model, gpu, width, height, args):
    return _benchmark.conditions(ui, model, gpu, width, height, args)


@_filter('benchmark_remembered')
def benchmark_remembered(memory, key, mode, free_mib, margin_mib=128):
    seen = _benchmark.remembered_oom(memory, key, mode, free_mib, margin_mib)
    return None if seen is None else _benchmark.remembered_trial(mode, seen)


@_filter('benchmark_memory')
def benchmark_memory(previous, key, trials, free_mib):
    return _benchmark.memory(previous, key, trials, free_mib)


@_filter('benchmark_choice')
def benchmark_choice(trials, modes):
    return _benchmark.choose(trials, modes)


@_filter('benchmark_report')
def benchmark_report(fleet, request=None):
    return _benchmark.build(fleet, request)


@_filter('benchmark_markdown')
def benchmark_markdown(report):
    return _benchmark.markdown(report)


@_filter('benchmark_table')
def benchmark_table(report):
    return _benchmark.table(report)


class FilterModule:

    def filters(self):
        return {
            'benchmark_probe': benchmark_probe,
            'benchmark_modes': benchmark_modes,
            'benchmark_trial': benchmark_trial,
            'benchmark_conditions': benchmark_conditions,
            'benchmark_remembered': benchmark_remembered,
            'benchmark_memory': benchmark_memory,
            'benchmark_choice': benchmark_choice,
            'benchmark_report': benchmark_report,
            'benchmark_markdown': benchmark_markdown,
            'benchmark_table': benchmark_table,
        }
