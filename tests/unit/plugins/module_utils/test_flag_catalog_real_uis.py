# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The catalogs against what the web UIs' own argument definitions say, one fact per test.

Each fact was read in the UI's source at the version the catalog names (VERSIONS); a
test here fails when the catalog drifts back to a flag the UI does not have.
"""

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog

DOCS = pathlib.Path(__file__).resolve().parents[4] / 'docs' / 'webui_flags.md'


def test_each_catalog_names_the_version_it_matches_and_the_docs_show_it():
    assert catalog.VERSIONS['a1111'] == 'v1.10.1'
    assert set(catalog.VERSIONS) == set(catalog.UIS)
    text = DOCS.read_text()
    for ui, version in catalog.VERSIONS.items():
        assert '| `%s` | %s |' % (ui, version) in text, ui


def test_a1111_v1_10_1_has_no_tests_flag_only_test_server():
    # --tests (with a value) went in 2023; a value after it would be read as a stray word.
    assert catalog.arity('a1111', '--tests') is None
    assert catalog.arity('a1111', '--test-server') == catalog.SWITCH


@pytest.mark.parametrize(
    'flag',
    [
        '--ldsr-models-path',  # Forge removed the LDSR extension
        '--tests',
    ],
)
def test_forge_does_not_have(flag):
    assert catalog.arity('forge', flag) is None


def test_forge_references_an_a1111_home_only():
    # --forge-ref-comfy-home is Forge Neo's (a fork), not Forge's.
    assert catalog.arity('forge', '--forge-ref-a1111-home') == catalog.ONE
    assert catalog.arity('forge', '--forge-ref-comfy-home') is None


def test_forge_always_normal_vram_is_not_a_mode_but_still_part_of_the_memory_group():
    # backend/args.py defines it; backend/memory_management.py never reads it.
    assert 'always-normal-vram' not in catalog.memory_modes('forge')
    assert '--always-normal-vram' in catalog.memory_group('forge')
    assert '--always-normal-vram' in catalog.CATALOG['forge']['ignored_memory_flags']


@pytest.mark.parametrize('flag', ['--ngrok', '--ngrok-options', '--no-download'])
def test_sdnext_does_not_have(flag):
    assert catalog.arity('sdnext', flag) is None


def test_sdnext_api_only_takes_a_value():
    assert catalog.arity('sdnext', '--api-only') == catalog.ONE


def test_sdnext_switches_that_are_on_without_the_flag():
    assert catalog.CATALOG['sdnext']['default_on'] == {
        '--api': None,
        '--api-log': 'SD_NOAPILOG',
        '--debug': 'SD_NODEBUG',
        '--docs': 'SD_NODOCS',
    }
    assert catalog.CATALOG['a1111']['default_on'] == {}


def test_sdnext_memory_flags_default_from_its_environment():
    assert catalog.CATALOG['sdnext']['environment_defaults'] == {'--medvram': 'SD_MEDVRAM', '--lowvram': 'SD_LOWVRAM'}
    assert catalog.CATALOG['a1111']['environment_defaults'] == {}


@pytest.mark.parametrize(
    'ui, flags',
    [
        (
            'a1111',
            {
                '--ldsr-models-path': catalog.ONE,
                '--lora-dir': catalog.ONE,
                '--lyco-dir-backcompat': catalog.ONE,
                '--scunet-models-path': catalog.ONE,
                '--swinir-models-path': catalog.ONE,
            },
        ),
        (
            'forge',
            {
                '--lora-dir': catalog.ONE,
                '--lyco-dir-backcompat': catalog.ONE,
                '--scunet-models-path': catalog.ONE,
                '--swinir-models-path': catalog.ONE,
                '--controlnet-loglevel': catalog.ONE,
                '--controlnet-tracemalloc': catalog.SWITCH,
            },
        ),
    ],
)
def test_built_in_extensions_flags(ui, flags):
    assert catalog.BUILTIN_EXTENSION_FLAGS[ui] == set(flags)
    for flag, arity in flags.items():
        assert catalog.arity(ui, flag) == arity, flag
