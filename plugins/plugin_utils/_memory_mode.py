# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Choose a web UI's memory mode from the VRAM a GPU has free.

The table (each UI profile's ``thresholds``) says, per UI and model family, the least
free VRAM (MiB) each mode needs; the fastest mode that fits wins. docs/memory-modes.md gives the source of every number.
A UI that picks a memory mode by itself when given none (SD.Next) never gets ``none``
on a GPU where it would: the mode it would run, or a faster one that fits, is written
out instead, so the launch file and the report say what runs.
"""

from __future__ import annotations

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.module_utils._profiles import PROFILES

MODELS = ('sd15', 'sdxl')

# The tables are read from PROFILES at each call, so a profile added or changed there is
# all it takes. Per UI and model family, the least free MiB per mode: the slowest mode
# listed is the floor, returned when nothing faster fits, and modes of the UI that are not
# listed are never chosen unless a thresholds override adds them. ``own_modes``: what the
# UI runs with no memory flag, by the GPU's total memory in whole GiB, the first row whose
# limit the total does not exceed.


class MemoryModeError(ValueError):
    pass


def _sort_index(gpu):
    """Sort key of a GPU entry by index: unreadable indexes last, never a type error."""
    index = gpu_index(gpu.get('index', 0))
    return (index is None, index if index is not None else 0)


def own_mode(ui, total_mib):
    """The mode ``ui`` runs by itself with no memory flag on a GPU of ``total_mib``, or
    None where no flag means no memory mode (or the total is unknown)."""
    if isinstance(total_mib, bool) or not isinstance(total_mib, int) or total_mib <= 0:
        return None
    # round() as SD.Next rounds (half to even), so 12.5 GiB counts as 12 there and here.
    gib = round(total_mib / 1024)
    for limit, mode in PROFILES.get(ui, {}).get('own_modes', ()):
        if gib <= limit:
            return mode
    return None


def select_gpu(gpu_vram, gpu=0):
    """The GPU entry of a ``gpu_vram`` fact: by its ``index``, or ``'auto'`` for the one
    with the most free VRAM (lowest index on a tie)."""
    if not isinstance(gpu_vram, dict) or not isinstance(gpu_vram.get('gpus'), list):
        raise MemoryModeError(
            'expected the gpu_vram fact (a dict with a "gpus" list), got %s' % type(gpu_vram).__name__
        )
    gpus = gpu_vram['gpus']
    if not gpus:
        raise MemoryModeError('gpu_vram lists no GPUs (backend: %s)' % gpu_vram.get('backend'))
    for position, entry in enumerate(gpus):
        if not isinstance(entry, dict):
            raise MemoryModeError(
                'gpu_vram.gpus[%d] is a %s (%r), not a GPU entry' % (position, type(entry).__name__, entry)
            )
    if gpu == 'auto':
        usable = [g for g in gpus if not g.get('error') and isinstance(g.get('memory_free_mib'), int)]
        if not usable:
            raise MemoryModeError(
                'no GPU in gpu_vram reports its free memory: %s'
                % '; '.join('GPU %s: %s' % (g.get('index'), g.get('error') or 'no memory_free_mib') for g in gpus)
            )
        return sorted(usable, key=lambda g: (-g['memory_free_mib'], _sort_index(g)))[0]
    index = gpu_index(gpu)
    if index is None:
        raise MemoryModeError("gpu must be a GPU index (a whole number) or 'auto', got %r" % (gpu,))
    for entry in gpus:
        if gpu_index(entry.get('index')) == index:
            if entry.get('error'):
                raise MemoryModeError('GPU %d could not be read: %s' % (index, entry['error']))
            if not isinstance(entry.get('memory_free_mib'), int):
                raise MemoryModeError('GPU %d has no memory_free_mib' % index)
            return entry
    raise MemoryModeError(
        'no GPU with index %d in gpu_vram; indexes: %s' % (index, ', '.join(str(g.get('index')) for g in gpus))
    )


def gpu_index(value):
    """A GPU index as int: ints and whole-number strings (``"0"``, as facts that went
    through a template may hold); None for anything else (1.7, True, "first").

    The one reading of an index, for the index asked for and for each GPU entry's: the
    memory-mode table, the webui role's plan and the benchmark all compare and sort with
    it, so ``"0"`` and ``0`` are the same GPU everywhere."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def table(ui, model, thresholds=None):
    """The thresholds for ``ui`` and ``model`` with ``thresholds`` applied, fastest first.

    ``thresholds`` is either ``{mode: MiB}`` for the UI and model asked, or the nested
    ``{ui: {model: {mode: MiB}}}`` shape of the profiles' tables. ``None`` as a value drops a mode.
    """
    if ui not in PROFILES:
        raise MemoryModeError('unknown ui %r; one of %s' % (ui, ', '.join(sorted(PROFILES))))
    if model not in MODELS:
        raise MemoryModeError('unknown model family %r; one of %s' % (model, ', '.join(MODELS)))
    merged = dict(PROFILES[ui]['thresholds'][model])
    modes = catalog.memory_modes(ui)
    override = thresholds or {}
    if not isinstance(override, dict):
        raise MemoryModeError('thresholds must be a dict, got %s' % type(override).__name__)
    if override and all(key in PROFILES for key in override):
        override = (override.get(ui) or {}).get(model) or {}
    for mode, mib in override.items():
        if mode not in modes and catalog.ignored_memory_mode(ui, mode):
            raise MemoryModeError(
                "thresholds: %s never reads --%s, so it runs as with no memory flag: give that threshold to 'none'"
                % (ui, mode)
            )
        if mode not in modes:
            raise MemoryModeError('thresholds: %s has no memory mode %r; its modes: %s' % (ui, mode, ', '.join(modes)))
        if mib is None:
            merged.pop(mode, None)
        elif isinstance(mib, bool) or not isinstance(mib, int) or mib < 0:
            raise MemoryModeError('thresholds: %s needs a whole number of MiB >= 0, got %r' % (mode, mib))
        else:
            merged[mode] = mib
    if not merged:
        raise MemoryModeError('thresholds leave no memory mode for %s/%s' % (ui, model))
    return [(mode, merged[mode]) for mode in modes if mode in merged]


def choose(free_mib, ui='a1111', model='sd15', thresholds=None, total_mib=None):
    """The fastest mode whose threshold ``free_mib`` meets; the slowest listed otherwise.

    ``total_mib``, the GPU's total memory, matters for a UI with its own choice
    (:func:`own_mode`): where it would replace "no flag" by a mode of its own, ``none`` is
    not on offer, and if the table leaves nothing else, its own mode is the answer.
    """
    ordered = table(ui, model, thresholds)
    own = own_mode(ui, total_mib)
    if own:
        ordered = [(mode, least) for mode, least in ordered if mode != 'none'] or [(own, 0)]
    for mode, least in ordered:
        if free_mib >= least:
            return mode
    return ordered[-1][0]


def memory_mode(gpu_vram, ui='a1111', model='sd15', gpu=0, thresholds=None):
    """Memory mode for the GPU ``gpu`` of a ``gpu_vram`` fact, from its free VRAM."""
    entry = select_gpu(gpu_vram, gpu)
    return choose(entry['memory_free_mib'], ui, model, thresholds, total_mib=entry.get('memory_total_mib'))
