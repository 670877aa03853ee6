# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.filter.vram import FilterModule

memory_mode = FilterModule().filters()['memory_mode']


def gpu(index, total, free, **extra):
    entry = dict(
        index=index,
        vendor='nvidia',
        name='GPU %d' % index,
        uuid=None,
        pci_bus_id=None,
        memory_total_mib=total,
        memory_used_mib=None if free is None else total - free,
        memory_free_mib=free,
        memory_reserved_mib=None,
        display_active=False,
        persistence_mode=None,
        processes_supported=False,
        processes=[],
    )
    entry.update(extra)
    return entry


def facts(*gpus):
    return dict(backend='nvidia_smi', driver_version='470.256.02', gpus=list(gpus))


# GTX 970: 4096 MiB total. Desktop stopped: about 4035 MiB free; desktop running: ~700 MiB held.
@pytest.mark.parametrize(
    'free, ui, model, mode',
    [
        (4035, 'a1111', 'sd15', 'none'),
        (3335, 'a1111', 'sd15', 'medvram'),
        (3584, 'a1111', 'sd15', 'none'),
        (3583, 'a1111', 'sd15', 'medvram'),
        (1900, 'a1111', 'sd15', 'lowvram'),
        (11900, 'a1111', 'sdxl', 'none'),
        (7900, 'a1111', 'sdxl', 'medvram-sdxl'),
        (5800, 'a1111', 'sdxl', 'lowvram'),
        # SD.Next on a 4 GB card would turn --lowvram on by itself; --medvram fits and is faster.
        (4035, 'sdnext', 'sd15', 'medvram'),
        (7900, 'sdnext', 'sdxl', 'medvram'),
        (4035, 'comfyui', 'sd15', 'normalvram'),
        (7900, 'comfyui', 'sd15', 'highvram'),
        (900, 'comfyui', 'sd15', 'novram'),
        (5800, 'comfyui', 'sdxl', 'lowvram'),
        (4035, 'forge', 'sd15', 'none'),
        (2000, 'forge', 'sd15', 'always-low-vram'),
        (2000, 'forge', 'sdxl', 'always-no-vram'),
    ],
)
def test_fastest_mode_that_fits(free, ui, model, mode):
    assert memory_mode(facts(gpu(0, 4096, free)), ui=ui, model=model) == mode


def test_gpu_is_chosen_by_its_index_not_its_position():
    vram = facts(gpu(1, 4096, 1000), gpu(0, 8192, 8000))
    assert memory_mode(vram, gpu=1) == 'lowvram'
    assert memory_mode(vram, gpu='0') == 'none'


def test_auto_takes_the_gpu_with_most_free_vram_and_skips_unreadable_ones():
    vram = facts(gpu(0, 4096, 3000), gpu(1, 4096, 4000), gpu(2, 24576, 24000, error='NVML: Unknown Error'))
    assert memory_mode(vram, gpu='auto') == 'none'
    assert memory_mode(facts(gpu(0, 4096, 3000), gpu(1, 4096, 3000)), gpu='auto', ui='comfyui') == 'lowvram'


@pytest.mark.parametrize(
    'thresholds, mode',
    [
        ({'none': 3300}, 'none'),
        ({'a1111': {'sd15': {'none': 3300}}}, 'none'),
        ({'sdnext': {'sd15': {'none': 1}}}, 'medvram'),
        ({'medvram': None}, 'lowvram'),
        ({'medvram': 4000, 'lowvram': 3000}, 'lowvram'),
    ],
)
def test_thresholds_override_the_table(thresholds, mode):
    assert memory_mode(facts(gpu(0, 4096, 3335)), thresholds=thresholds) == mode


def test_a_mode_missing_from_the_table_can_be_added():
    assert memory_mode(facts(gpu(0, 24576, 23000)), ui='comfyui', thresholds={'gpu-only': 16384}) == 'gpu-only'


def test_slowest_listed_mode_is_the_floor():
    assert memory_mode(facts(gpu(0, 2048, 100)), thresholds={'lowvram': 512}) == 'lowvram'


@pytest.mark.parametrize(
    'vram, kwargs, message',
    [
        (facts(), {}, 'memory_mode: gpu_vram lists no GPUs (backend: nvidia_smi)'),
        ([], {}, 'memory_mode: expected the gpu_vram fact (a dict with a "gpus" list), got list'),
        (
            facts(gpu(0, 4096, 4000)),
            {'ui': 'invoke'},
            "memory_mode: unknown ui 'invoke'; one of a1111, comfyui, forge, sdnext",
        ),
        (facts(gpu(0, 4096, 4000)), {'model': 'flux'}, "memory_mode: unknown model family 'flux'; one of sd15, sdxl"),
        (
            facts(gpu(0, 4096, 4000), gpu(2, 4096, 4000)),
            {'gpu': 1},
            'memory_mode: no GPU with index 1 in gpu_vram; indexes: 0, 2',
        ),
        (
            facts(gpu(0, 4096, 4000)),
            {'gpu': 'first'},
            "memory_mode: gpu must be a GPU index (a whole number) or 'auto', got 'first'",
        ),
        (
            facts(gpu(0, 4096, 4000)),
            {'gpu': True},
            "memory_mode: gpu must be a GPU index (a whole number) or 'auto', got True",
        ),
        (facts(gpu(0, 4096, 4000, error='GPU is lost')), {}, 'memory_mode: GPU 0 could not be read: GPU is lost'),
        (
            facts(gpu(0, 4096, 4000, error='GPU is lost')),
            {'gpu': 'auto'},
            'memory_mode: no GPU in gpu_vram reports its free memory: GPU 0: GPU is lost',
        ),
        (facts(gpu(0, 4096, None)), {}, 'memory_mode: GPU 0 has no memory_free_mib'),
        (
            facts(gpu(0, 4096, 4000)),
            {'thresholds': {'highvram': 1}},
            "memory_mode: thresholds: a1111 has no memory mode 'highvram'; its modes: none, medvram-sdxl, medvram, lowvram",
        ),
        (
            facts(gpu(0, 4096, 4000)),
            {'thresholds': {'none': -1}},
            'memory_mode: thresholds: none needs a whole number of MiB >= 0, got -1',
        ),
        (
            facts(gpu(0, 4096, 4000)),
            {'thresholds': {'none': None, 'medvram': None, 'lowvram': None}},
            'memory_mode: thresholds leave no memory mode for a1111/sd15',
        ),
        (facts(gpu(0, 4096, 4000)), {'thresholds': [1]}, 'memory_mode: thresholds must be a dict, got list'),
    ],
)
def test_clear_errors(vram, kwargs, message):
    with pytest.raises(AnsibleFilterError) as caught:
        memory_mode(vram, **kwargs)
    assert caught.value.message == message


# The "what a few cards get" table of docs/memory-modes.md.
@pytest.mark.parametrize(
    'total, free, a1111_sd15, a1111_sdxl, comfyui_sd15',
    [
        (4096, 4035, 'none', 'lowvram', 'normalvram'),
        (4096, 3335, 'medvram', 'lowvram', 'lowvram'),
        (6144, 6000, 'none', 'lowvram', 'normalvram'),
        (8192, 7950, 'none', 'medvram-sdxl', 'highvram'),
        (12288, 12000, 'none', 'none', 'highvram'),
    ],
)
def test_documented_cards(total, free, a1111_sd15, a1111_sdxl, comfyui_sd15):
    vram = facts(gpu(0, total, free))
    assert memory_mode(vram) == a1111_sd15
    assert memory_mode(vram, model='sdxl') == a1111_sdxl
    assert memory_mode(vram, ui='comfyui') == comfyui_sd15


@pytest.mark.parametrize(
    'vram, kwargs, message',
    [
        (
            facts(gpu(0, 4096, 4000), 'GPU 1'),
            {'gpu': 1},
            "memory_mode: gpu_vram.gpus[1] is a str ('GPU 1'), not a GPU entry",
        ),
        (
            facts(gpu(0, 4096, 4000), None),
            {'gpu': 'auto'},
            'memory_mode: gpu_vram.gpus[1] is a NoneType (None), not a GPU entry',
        ),
        (
            facts(gpu(0, 4096, 4000), gpu(1, 4096, 1000)),
            {'gpu': 1.7},
            "memory_mode: gpu must be a GPU index (a whole number) or 'auto', got 1.7",
        ),
    ],
)
def test_malformed_facts_and_fractional_gpu_are_clear_errors(vram, kwargs, message):
    with pytest.raises(AnsibleFilterError) as caught:
        memory_mode(vram, **kwargs)
    assert str(caught.value) == message


def test_index_as_a_string_is_the_same_gpu():
    vram = facts(dict(gpu(0, 4096, 4000), index='0'), dict(gpu(1, 4096, 1000), index='1'))
    assert memory_mode(vram, gpu=1) == 'lowvram'
    assert memory_mode(vram, gpu='0') == 'none'
