# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/extending.md's "add a web UI", done: a test-only profile is the one edit, and the
flag editor, the memory-mode table, the plan, the lookup and the service template all
take the new UI from it."""

from __future__ import annotations

import copy
import pathlib

import jinja2
import pytest
from ansible.plugins.filter.core import FilterModule as CoreFilters

from ansible_collections.vramfree.webui.plugins.filter.service import FilterModule
from ansible_collections.vramfree.webui.plugins.lookup.webui_profile import LookupModule
from ansible_collections.vramfree.webui.plugins.module_utils import _launch_args, _profiles
from ansible_collections.vramfree.webui.plugins.plugin_utils import _memory_mode, _webui_plan

ROOT = pathlib.Path(__file__).resolve().parents[2]

# A UI started by its Python, told its address ComfyUI's way, with two memory modes.
TESTUI = {
    'name': 'Test UI',
    'repo': 'https://example.invalid/testui.git',
    'version': 'v1.0.0',
    'dir_name': 'TestUI',
    'launch_file': 'testui-args.sh',
    'launch_format': 'sh',
    'entry': 'serve.py',
    'exec': 'python',
    'validate_with': ('testui/args.py',),
    'bind': 'listen',
    'api': None,
    'thresholds': {'sd15': {'none': 3000, 'lowvram': 0}, 'sdxl': {'none': 8000, 'lowvram': 0}},
    'own_modes': (),
    'catalog_version': 'v1.0.0',
    'values': {'--listen': _profiles.OPTIONAL, '--port': _profiles.ONE},
    'switches': frozenset(['--lowvram', '--api']),
    'memory_modes': (('none', None), ('lowvram', '--lowvram')),
    'ignored_memory_flags': (),
    'builtin_extension_flags': frozenset(),
    'default_on': {},
    'environment_defaults': {},
    'definitions': 'testui/args.py',
}


@pytest.fixture
def testui(monkeypatch):
    monkeypatch.setitem(_profiles.PROFILES, 'testui', copy.deepcopy(TESTUI))
    return 'testui'


def gpu_vram(free):
    return {
        'backend': 'nvml',
        'gpus': [
            {
                'index': 0,
                'uuid': 'GPU-1',
                'memory_total_mib': 4096,
                'memory_used_mib': 4096 - free,
                'memory_free_mib': free,
                'display_active': False,
                'processes_supported': True,
                'processes': [],
            }
        ],
    }


def test_the_new_ui_is_unknown_without_its_profile():
    # What the fixture's one edit changes: without it, every part refuses the name.
    with pytest.raises(_memory_mode.MemoryModeError, match="unknown ui 'testui'"):
        _memory_mode.memory_mode(gpu_vram(3500), ui='testui')
    with pytest.raises(_webui_plan.PlanError, match="unknown web UI 'testui'"):
        _webui_plan.launch_flags('testui')


def test_its_memory_mode_and_plan_come_from_its_profile(testui):
    assert _memory_mode.memory_mode(gpu_vram(3500), ui=testui) == 'none'
    assert _memory_mode.memory_mode(gpu_vram(2900), ui=testui) == 'lowvram'
    plan = _webui_plan.plan(gpu_vram(2900), testui, listen='10.0.0.7', port=9000)
    assert plan['memory']['mode'] == 'lowvram'
    assert plan['flags'] == {'listen': '10.0.0.7', 'port': 9000}


def test_its_launch_file_is_edited_with_its_flags(testui):
    text = 'export COMMANDLINE_ARGS="--api"\n'
    edited = _launch_args.edit_text(text, 'sh', ui=testui, flags={'listen': '10.0.0.7'}, memory_mode='lowvram')
    assert edited.text == 'export COMMANDLINE_ARGS="--api --listen 10.0.0.7 --lowvram"\n', edited.text


def test_the_role_sees_it_through_the_lookup_and_starts_it_by_its_python(testui):
    [view] = LookupModule().run([testui])
    assert (view['entry'], view['exec'], view['dir_name']) == ('serve.py', 'python', 'TestUI')
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(CoreFilters().filters())
    env.filters.update({'vramfree.webui.' + k: v for k, v in FilterModule().filters().items()})
    template = (ROOT / 'roles' / 'webui' / 'templates' / 'webui.service.j2').read_text()
    unit = env.from_string(template).render(
        ansible_managed='Ansible managed',
        webui_ui=testui,
        webui_dir='/home/sd/TestUI',
        webui_user='sd',
        webui_data_dirs=[],
        webui_python='/home/sd/TestUI/venv/bin/python',
        webui_conflicts_desktop=False,
        webui_start_timeout=600,
        _webui_nvidia_unit='vramfree-nvidia-uvm.service',
        _webui_gpu={'pinned': False, 'index': 0, 'uuid': 'GPU-1'},
        _webui_in_home=True,
        _webui_home='/home/sd',
        _webui_launch_file='/home/sd/TestUI/' + view['launch_file'],
        _webui_launcher='/usr/local/libexec/vramfree-webui/launch-with-args.py',
        _webui_profile=view,
        _webui_entry=view['entry'],
    )
    [exec_start] = [line for line in unit.splitlines() if line.startswith('ExecStart=')]
    assert exec_start.endswith('--argv -- "/home/sd/TestUI/venv/bin/python" "serve.py"'), exec_start
    assert '--from "/home/sd/TestUI/testui-args.sh"' in exec_start
