# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.modules import webui_flags

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / 'fixtures' / 'launch'


def test_a1111_definitions_are_read_without_running_them():
    source = (FIXTURES / 'a1111_cmd_args.py.txt').read_text()
    assert catalog.defined_flags(source) == {
        '-f',
        '--data-dir',
        '--ckpt-dir',
        '--xformers',
        '--medvram',
        '--medvram-sdxl',
        '--lowvram',
        '--lowram',
        '--use-cpu',
        '--listen',
        '--port',
        '--api',
        '--gradio-auth',
        '--autolaunch',
        '--styles-file',
    }


def test_comfyui_definitions_include_mutually_exclusive_groups():
    flags = catalog.defined_flags((FIXTURES / 'comfyui_cli_args.py.txt').read_text())
    assert flags == {
        '--listen',
        '--port',
        '--extra-model-paths-config',
        '--gpu-only',
        '--highvram',
        '--normalvram',
        '--lowvram',
        '--novram',
        '--cpu',
        '--fast',
    }


def test_newer_syntax_falls_back_to_reading_the_calls_as_text():
    source = (
        'parser.add_argument("--port", type=int)\n'
        "group.add_argument('-v', '--verbose', action='store_true')\n"
        'match x:\n    case 1:\n        pass\n'
        'type Alias = int\n'
    )
    assert catalog.defined_flags(source) == {'--port', '-v', '--verbose'}


@pytest.mark.parametrize(
    'flags, unknown',
    [
        (['--port', '--lowvram'], []),
        (['--lowv', '--med'], ['--med']),  # --med is a prefix of --medvram and --medvram-sdxl
        (['--always-gpu', '--por', '--nope', '--nope'], ['--always-gpu', '--nope']),
    ],
)
def test_unknown_flags_follow_argparse_abbreviations(flags, unknown):
    accepted = {'--port', '--lowvram', '--medvram', '--medvram-sdxl', '-f'}
    assert catalog.unknown_flags(flags, accepted) == unknown


@pytest.mark.parametrize(
    'ui, group',
    [
        ('a1111', ('--medvram-sdxl', '--medvram', '--lowvram')),
        ('sdnext', ('--medvram', '--lowvram')),
        ('comfyui', ('--gpu-only', '--highvram', '--normalvram', '--lowvram', '--novram', '--cpu')),
        (
            'forge',
            (
                '--always-gpu',
                '--always-high-vram',
                '--always-low-vram',
                '--always-no-vram',
                '--always-cpu',
                '--lowvram',
                '--medvram',
                '--medvram-sdxl',
                '--always-normal-vram',
            ),
        ),
    ],
)
def test_memory_groups(ui, group):
    assert catalog.memory_group(ui) == group
    assert catalog.memory_flag(ui, 'none') is None


@pytest.mark.parametrize(
    'ui, flag, arity',
    [
        ('a1111', '--use-cpu', catalog.MANY),
        ('a1111', '--port', catalog.ONE),
        ('a1111', '--xformers', catalog.SWITCH),
        ('a1111', '--gradio-allowed-path', catalog.APPEND),
        ('a1111', '--not-a-flag', None),
        ('comfyui', '--listen', catalog.OPTIONAL),
        ('comfyui', '--fast', catalog.ANY),
        ('sdnext', '--auth', catalog.ONE),
        ('forge', '--always-low-vram', catalog.SWITCH),
    ],
)
def test_arity(ui, flag, arity):
    assert catalog.arity(ui, flag) == arity


def test_module_choices_are_every_memory_mode_of_every_ui():
    spec_choices = ['keep'] + catalog.all_memory_mode_names()
    ignored = {f[2:] for ui in catalog.UIS for f in catalog.CATALOG[ui]['ignored_memory_flags']}
    assert set(spec_choices) == {m for ui in catalog.UIS for m in catalog.memory_modes(ui)} | ignored | {'keep'}
    assert 'choices: [keep, %s,' % ', '.join(spec_choices[1:4]) in webui_flags.DOCUMENTATION


def test_threshold_table_only_uses_modes_the_catalog_knows():
    for ui, entry in catalog.CATALOG.items():
        for model, modes in entry['thresholds'].items():
            assert set(modes) <= set(catalog.memory_modes(ui)), (ui, model)
            assert min(modes.values()) == 0, (ui, model)


def test_secret_flags_cover_every_ui():
    assert {'--gradio-auth', '--api-auth', '--auth'} <= catalog.SECRET_FLAGS
    assert '--gradio-auth-path' not in catalog.SECRET_FLAGS
