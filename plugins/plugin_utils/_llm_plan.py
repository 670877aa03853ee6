# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How an LLM server is set for the VRAM a GPU has free.

- ``gpu_layers``: llama.cpp's ``llama-server --n-gpu-layers N`` from a model's GGUF
  header (``vramfree.webui.gguf_facts``) and the free VRAM;
- ``ollama_settings``: Ollama's ``OLLAMA_*`` environment from the free VRAM, by a table.

docs/llm-memory.md gives the source or the reasoning of every number here, and says
which are estimates.
"""

from __future__ import annotations

from fractions import Fraction

MIB = 1 << 20

# Compute buffers (llama.cpp sizes them for one micro-batch, 512 tokens by default) and
# the CUDA context, which the server's process holds on the GPU besides the weights and
# the KV cache. See docs/llm-memory.md.
DEFAULT_RESERVE_MIB = 400
DEFAULT_CTX_SIZE = 4096
# Bytes per KV cache element: llama-server's default cache type is f16.
KV_BYTES = 2
MAX_CTX_SIZE = 1 << 22

MODEL_KEYS = ('block_count', 'embedding_length', 'head_count', 'head_count_kv', 'file_size_mib')

KV_CACHE_TYPES = ('f16', 'q8_0', 'q4_0')
# The Ollama table, fastest first: (least free MiB, mode, flash attention, KV cache type,
# context length). The free MiB is what is left once OLLAMA_GPU_OVERHEAD is taken off, as
# Ollama takes it off itself. The last row's 0 makes it the floor.
OLLAMA_TABLE = (
    (20480, 'roomy', True, 'f16', 32768),
    (12288, 'balanced', True, 'q8_0', 16384),
    (6144, 'lean', True, 'q8_0', 8192),
    (0, 'minimal', True, 'q4_0', 4096),
)
# Kept for a desktop that still draws on the GPU: its VRAM use grows after Ollama has
# measured the free memory (a browser, a video). In bytes, as OLLAMA_GPU_OVERHEAD takes it.
DISPLAY_OVERHEAD_MIB = 512
ROW_KEYS = ('min_free_mib', 'mode', 'flash_attention', 'kv_cache_type', 'context_length')
FIXED_KEYS = ('flash_attention', 'kv_cache_type', 'context_length', 'gpu_overhead_mib')
MIN_CONTEXT = 256


class LlmPlanError(ValueError):
    pass


def _count(value, what, low=0, high=None):
    """An int (never a bool, a float or a string) between ``low`` and ``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise LlmPlanError('%s must be a whole number, got %r' % (what, value))
    if value < low or (high is not None and value > high):
        if high is None:
            raise LlmPlanError('%s must be %d or more, got %d' % (what, low, value))
        raise LlmPlanError('%s must be between %d and %d, got %d' % (what, low, high, value))
    return value


def _model(model):
    if not isinstance(model, dict):
        raise LlmPlanError('model must be the dict gguf_facts returns, got %s' % type(model).__name__)
    missing = [key for key in MODEL_KEYS if model.get(key) is None]
    if missing:
        raise LlmPlanError('model lacks %s (give the model dict gguf_facts returns)' % ', '.join(missing))
    file_size = model['file_size_mib']
    if isinstance(file_size, bool) or not isinstance(file_size, (int, float)) or file_size < 0:
        raise LlmPlanError('model file_size_mib must be a number of MiB, got %r' % (file_size,))
    block_count = _count(model['block_count'], 'model block_count', 1)
    embedding = _count(model['embedding_length'], 'model embedding_length', 1)
    heads = _count(model['head_count'], 'model head_count', 1)
    heads_kv = _count(model['head_count_kv'], 'model head_count_kv', 1)
    return block_count, embedding, heads, heads_kv, Fraction(file_size)


def _mib(value):
    return round(float(value), 1)


def gpu_layers(free_mib, model, ctx_size=DEFAULT_CTX_SIZE, reserve_mib=None):
    """The ``--n-gpu-layers`` of llama-server for a model on a GPU with ``free_mib`` free.

    An estimate: each of the ``block_count + 1`` layers (the output layer counts as one,
    as llama.cpp counts it) weighs the file's size over the layer count; each repeating
    layer on the GPU also holds its share of the f16 KV cache for ``ctx_size`` tokens;
    the compute graph grows with that cache: ``head_count / head_count_kv`` times the whole
    KV cache over 6, Ollama's estimate where a model's graph size is unknown
    (llm/memory.go, ``graphPartialOffload``); ``reserve_mib`` (DEFAULT_RESERVE_MIB when
    None) is kept for the CUDA context and the fixed buffers. llama.cpp offloads the layers from the last one down, and the
    output layer is the last (src/llama-model.cpp, load_tensors: ``i_gpu_start =
    n_layer + 1 - n_gpu_layers``): N layers on the GPU are the output layer, which has
    no KV cache, and N - 1 repeating layers.

    Returns ``{n_gpu_layers, layers_total, offload, per_layer_mib, kv_mib, graph_mib,
    reserve_mib, reason}``: ``offload`` is the share of layers on the GPU (0 to 1),
    ``kv_mib`` the KV cache of the whole model at ``ctx_size``, ``graph_mib`` the compute
    graph's estimate.
    """
    free_mib = _count(free_mib, 'free_mib')
    block_count, embedding, heads, heads_kv, file_size = _model(model)
    ctx_size = _count(ctx_size, 'ctx_size', 1, MAX_CTX_SIZE)
    reserve_mib = DEFAULT_RESERVE_MIB if reserve_mib is None else _count(reserve_mib, 'reserve_mib')

    layers_total = block_count + 1
    per_layer = file_size / layers_total
    # K and V, each head_count_kv heads of embedding_length / head_count values per token.
    kv_per_layer = Fraction(ctx_size * 2 * embedding * heads_kv * KV_BYTES, heads * MIB)
    kv_total = kv_per_layer * block_count
    graph = Fraction(heads, heads_kv) * kv_total / 6

    def need(layers):
        return reserve_mib + graph + layers * per_layer + max(layers - 1, 0) * kv_per_layer

    room = free_mib - reserve_mib
    if room < 0:
        layers = 0
        reason = 'free VRAM %d MiB is under the %d MiB reserve: nothing on the GPU' % (free_mib, reserve_mib)
    elif need(layers_total) <= free_mib:
        layers = layers_total
        reason = (
            'the whole model fits: %s MiB of weights, %s MiB of KV cache and %s MiB of compute graph '
            'plus the %d MiB reserve in %d MiB' % (_mib(file_size), _mib(kv_total), _mib(graph), reserve_mib, free_mib)
        )
    else:
        layers = 0
        # need() grows with each layer: the first layer that does not fit ends the search.
        while layers < layers_total and need(layers + 1) <= free_mib:
            layers += 1
        reason = (
            '%d of %d layers fit in %d MiB free (%s MiB weights and %s MiB KV cache a layer, '
            '%s MiB compute graph, %d MiB reserve)'
            % (layers, layers_total, free_mib, _mib(per_layer), _mib(kv_per_layer), _mib(graph), reserve_mib)
        )
    return {
        'n_gpu_layers': layers,
        'layers_total': layers_total,
        'offload': round(layers / layers_total, 3),
        'per_layer_mib': _mib(per_layer),
        'kv_mib': _mib(kv_total),
        'graph_mib': _mib(graph),
        'reserve_mib': reserve_mib,
        'reason': reason,
    }


def _check_setting(key, value, what):
    if key == 'flash_attention':
        if not isinstance(value, bool):
            raise LlmPlanError('%s flash_attention must be true or false, got %r' % (what, value))
    elif key == 'kv_cache_type':
        if value not in KV_CACHE_TYPES:
            raise LlmPlanError('%s kv_cache_type must be one of %s, got %r' % (what, ', '.join(KV_CACHE_TYPES), value))
    elif key == 'context_length':
        _count(value, '%s context_length' % what, MIN_CONTEXT, MAX_CTX_SIZE)
    elif key == 'gpu_overhead_mib':
        _count(value, '%s gpu_overhead_mib' % what)
    elif key == 'min_free_mib':
        _count(value, '%s min_free_mib' % what)
    elif key == 'mode':
        if not isinstance(value, str) or not value.strip():
            raise LlmPlanError('%s mode must be a name, got %r' % (what, value))
    return value


def _check_pair(flash_attention, kv_cache_type, what):
    if kv_cache_type != 'f16' and not flash_attention:
        raise LlmPlanError(
            '%s: a %s KV cache needs flash attention (Ollama keeps an f16 cache without it)' % (what, kv_cache_type)
        )


def _table(rows):
    if not isinstance(rows, (list, tuple)) or not rows:
        raise LlmPlanError('overrides table must be a non-empty list of rows')
    table = []
    for number, row in enumerate(rows, 1):
        what = 'overrides table row %d' % number
        if not isinstance(row, dict):
            raise LlmPlanError('%s must be a dict with %s' % (what, ', '.join(ROW_KEYS)))
        unknown = sorted(map(str, set(row) - set(ROW_KEYS)))
        if unknown:
            raise LlmPlanError('%s has unknown keys %s' % (what, ', '.join(unknown)))
        missing = [key for key in ROW_KEYS if key not in row]
        if missing:
            raise LlmPlanError('%s lacks %s' % (what, ', '.join(missing)))
        for key in ROW_KEYS:
            _check_setting(key, row[key], what)
        _check_pair(row['flash_attention'], row['kv_cache_type'], what)
        table.append(tuple(row[key] for key in ROW_KEYS))
    table.sort(key=lambda entry: entry[0], reverse=True)
    minima = [entry[0] for entry in table]
    if len(set(minima)) != len(minima):
        raise LlmPlanError('overrides table has two rows with the same min_free_mib')
    if minima[-1] != 0:
        raise LlmPlanError('overrides table needs a row with min_free_mib 0, the floor for any free VRAM')
    return tuple(table)


def _overrides(overrides):
    if overrides is None:
        return OLLAMA_TABLE, {}
    if not isinstance(overrides, dict):
        raise LlmPlanError('overrides must be a dict, got %s' % type(overrides).__name__)
    unknown = sorted(set(overrides) - set(FIXED_KEYS) - {'table'})
    if unknown:
        raise LlmPlanError(
            'overrides has unknown keys %s (known: table, %s)' % (', '.join(map(str, unknown)), ', '.join(FIXED_KEYS))
        )
    table = _table(overrides['table']) if 'table' in overrides else OLLAMA_TABLE
    fixed = {}
    for key in FIXED_KEYS:
        if key in overrides and overrides[key] is not None:
            fixed[key] = _check_setting(key, overrides[key], 'overrides')
    return table, fixed


def ollama_settings(free_mib, total_mib=None, display_on_gpu=False, overrides=None):
    """Ollama's environment for a GPU with ``free_mib`` free: the fastest row of the table
    (OLLAMA_TABLE, or ``overrides['table']``) whose least free MiB the free VRAM, less the
    GPU overhead, reaches; a setting given in ``overrides`` (``flash_attention``,
    ``kv_cache_type``, ``context_length``, ``gpu_overhead_mib``) wins over the row's.

    The GPU overhead is DISPLAY_OVERHEAD_MIB when ``display_on_gpu`` (the GPU still draws
    a desktop), 0 otherwise. Returns ``{mode, env, reason}``, ``env`` holding
    OLLAMA_FLASH_ATTENTION, OLLAMA_KV_CACHE_TYPE, OLLAMA_CONTEXT_LENGTH and
    OLLAMA_GPU_OVERHEAD (bytes) as strings, as systemd's Environment= takes them.
    """
    free_mib = _count(free_mib, 'free_mib')
    if total_mib is not None:
        _count(total_mib, 'total_mib', 1)
        if free_mib > total_mib:
            raise LlmPlanError('free_mib %d is more than total_mib %d' % (free_mib, total_mib))
    if not isinstance(display_on_gpu, bool):
        raise LlmPlanError('display_on_gpu must be true or false, got %r' % (display_on_gpu,))
    table, fixed = _overrides(overrides)

    overhead = fixed.get('gpu_overhead_mib', DISPLAY_OVERHEAD_MIB if display_on_gpu else 0)
    usable = max(free_mib - overhead, 0)
    least, mode, flash_attention, kv_cache_type, context_length = next(row for row in table if usable >= row[0])
    flash_attention = fixed.get('flash_attention', flash_attention)
    kv_cache_type = fixed.get('kv_cache_type', kv_cache_type)
    context_length = fixed.get('context_length', context_length)
    _check_pair(flash_attention, kv_cache_type, 'mode %s' % mode)

    reason = '%d MiB free%s: %s (%d MiB or more)' % (
        free_mib,
        ', %d MiB kept back' % overhead if overhead else '',
        mode,
        least,
    )
    if fixed:
        reason += ', overridden: %s' % ', '.join('%s=%s' % (key, fixed[key]) for key in FIXED_KEYS if key in fixed)
    return {
        'mode': mode,
        'env': {
            'OLLAMA_FLASH_ATTENTION': '1' if flash_attention else '0',
            'OLLAMA_KV_CACHE_TYPE': kv_cache_type,
            'OLLAMA_CONTEXT_LENGTH': str(context_length),
            'OLLAMA_GPU_OVERHEAD': str(overhead * MIB),
        },
        'reason': reason,
    }
