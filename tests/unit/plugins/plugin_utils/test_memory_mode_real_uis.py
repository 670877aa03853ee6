# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The memory-mode table against what the web UIs do with the flags it writes."""

from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils import _memory_mode


def facts(total, free):
    return {
        'backend': 'nvml',
        'gpus': [{'index': 0, 'memory_total_mib': total, 'memory_free_mib': free}],
    }


# (GPU total MiB, free MiB, model) -> mode written for SD.Next.
SDNEXT_CASES = [
    # SD.Next turns --medvram on by itself up to 12 GiB: "none" would run as medvram.
    (12288, 12000, 'sd15', 'medvram'),
    (12288, 12000, 'sdxl', 'medvram'),
    (8192, 8000, 'sd15', 'medvram'),
    # Up to 4 GiB it would turn --lowvram on; --medvram, written out, fits and is faster.
    (4096, 4035, 'sd15', 'medvram'),
    # Too little free for medvram: the table's lowvram, as before.
    (8192, 1900, 'sd15', 'lowvram'),
    # Above 12 GiB SD.Next leaves the choice to the flags.
    (16384, 16000, 'sd15', 'none'),
    (24576, 11000, 'sdxl', 'none'),
]


def test_sdnext_no_flag_is_only_chosen_where_sdnext_keeps_it():
    got = [
        (total, free, model, _memory_mode.memory_mode(facts(total, free), ui='sdnext', model=model))
        for total, free, model, _mode in SDNEXT_CASES
    ]
    assert got == SDNEXT_CASES


@pytest.mark.parametrize('total, own', [(2048, 'lowvram'), (4096, 'lowvram'), (6144, 'medvram'), (12288, 'medvram')])
def test_what_sdnext_runs_with_no_flag(total, own):
    assert _memory_mode.own_mode('sdnext', total) == own
    assert _memory_mode.own_mode('a1111', total) is None


def test_sdnext_own_mode_unknown_without_a_total():
    assert _memory_mode.own_mode('sdnext', None) is None
    assert _memory_mode.choose(4035, ui='sdnext', model='sd15') == 'none'


def test_forge_always_normal_vram_threshold_is_refused_naming_none():
    with pytest.raises(_memory_mode.MemoryModeError) as caught:
        _memory_mode.table('forge', 'sd15', {'always-normal-vram': 4000})
    assert str(caught.value) == (
        "thresholds: forge never reads --always-normal-vram, so it runs as with no memory flag: "
        "give that threshold to 'none'"
    )
