# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""llama-server's --n-gpu-layers and Ollama's environment from the free VRAM: the
estimate's arithmetic at its boundaries, every row of the Ollama table and the overrides."""

from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils import _llm_plan
from ansible_collections.vramfree.webui.plugins.plugin_utils._llm_plan import (
    LlmPlanError,
    gpu_layers,
    ollama_settings,
)

# A model whose numbers come out whole: 32 blocks + the output layer = 33 layers of
# 100 MiB; KV per layer at 4096 tokens = 4096 * 2 * (3072 / 24 * 8) * 2 B = 16 MiB; the
# compute graph (24 / 8) * 512 / 6 = 256 MiB.
MODEL = dict(
    architecture="llama",
    block_count=32,
    embedding_length=3072,
    head_count=24,
    head_count_kv=8,
    context_length=131072,
    file_size_mib=3300,
    file_type=15,
    name="test",
    version=3,
)
GRAPH = 256
WHOLE = 400 + GRAPH + 3300 + 32 * 16  # 4468 MiB


def test_the_numbers_of_the_estimate():
    plan = gpu_layers(8000, MODEL)
    assert plan == {
        "n_gpu_layers": 33,
        "layers_total": 33,
        "offload": 1.0,
        "per_layer_mib": 100.0,
        "kv_mib": 512.0,
        "graph_mib": 256.0,
        "reserve_mib": 400,
        "reason": plan["reason"],
    }
    assert "whole model fits" in plan["reason"]


def test_the_whole_model_exactly_fits():
    assert gpu_layers(WHOLE, MODEL)["n_gpu_layers"] == 33


def test_one_mib_short_of_the_whole_leaves_one_repeating_layer_off():
    # The output layer goes first and holds no KV cache: 32 layers are the output layer and
    # 31 repeating ones, 400 + 256 + 32 * 100 + 31 * 16 = 4352 MiB.
    plan = gpu_layers(WHOLE - 1, MODEL)
    assert plan["n_gpu_layers"] == 32 and plan["offload"] == round(32 / 33, 3)
    assert "32 of 33 layers" in plan["reason"]
    assert gpu_layers(4352, MODEL)["n_gpu_layers"] == 32
    assert gpu_layers(4351, MODEL)["n_gpu_layers"] == 31


def test_a_repeating_layer_costs_its_weights_and_its_kv_cache():
    # 10 layers: 400 + 256 + 10 * 100 + 9 * 16 = 1800 MiB.
    assert gpu_layers(1800, MODEL)["n_gpu_layers"] == 10
    assert gpu_layers(1799, MODEL)["n_gpu_layers"] == 9


def test_nothing_fits_under_the_reserve_and_the_output_layer_goes_first():
    assert gpu_layers(0, MODEL)["n_gpu_layers"] == 0
    plan = gpu_layers(399, MODEL)
    assert plan["n_gpu_layers"] == 0 and plan["offload"] == 0.0 and "under the 400 MiB reserve" in plan["reason"]
    # The output layer alone: its weights and the compute graph, no KV cache.
    assert gpu_layers(755, MODEL)["n_gpu_layers"] == 0
    assert gpu_layers(756, MODEL)["n_gpu_layers"] == 1
    # The first repeating layer brings its KV cache.
    assert gpu_layers(871, MODEL)["n_gpu_layers"] == 1
    assert gpu_layers(872, MODEL)["n_gpu_layers"] == 2


def test_the_context_size_scales_the_kv_cache():
    plan = gpu_layers(10000, MODEL, ctx_size=32768)
    assert plan["kv_mib"] == 4096.0
    assert plan["graph_mib"] == 2048.0
    # 400 + 2048 + 3300 + 4096 = 9844: still whole; 9843 is not.
    assert plan["n_gpu_layers"] == 33
    assert gpu_layers(9844, MODEL, ctx_size=32768)["n_gpu_layers"] == 33
    assert gpu_layers(9843, MODEL, ctx_size=32768)["n_gpu_layers"] == 32


def test_a_model_without_gqa_has_a_kv_cache_four_times_larger():
    plan = gpu_layers(8000, dict(MODEL, head_count_kv=24))
    assert plan["kv_mib"] == 1536.0
    # Without grouped-query attention the graph is a sixth of the cache.
    assert plan["graph_mib"] == 256.0


def test_the_reserve_can_be_given():
    assert gpu_layers(WHOLE - 400, MODEL, reserve_mib=0)["n_gpu_layers"] == 33
    assert gpu_layers(WHOLE - 401, MODEL, reserve_mib=0)["n_gpu_layers"] == 32
    plan = gpu_layers(WHOLE, MODEL, reserve_mib=401)
    assert plan["n_gpu_layers"] == 32 and plan["reserve_mib"] == 401


def test_fractional_layers_are_exact_at_the_boundary():
    # 4693 MiB over 33 layers is 142.21... MiB: the boundary is computed without rounding.
    model = dict(MODEL, file_size_mib=4693)
    exact = 400 + GRAPH + 4693 + 512
    assert gpu_layers(exact, model)["n_gpu_layers"] == 33
    assert gpu_layers(exact - 1, model)["n_gpu_layers"] == 32
    assert gpu_layers(8000, model)["per_layer_mib"] == 142.2


@pytest.mark.parametrize(
    "free, message",
    [
        ("8000", "free_mib must be a whole number"),
        (8000.0, "whole number"),
        (True, "whole number"),
        (None, "whole"),
        (-1, "free_mib must be 0 or more"),
    ],
)
def test_bad_free_memory_is_refused(free, message):
    with pytest.raises(LlmPlanError, match=message):
        gpu_layers(free, MODEL)


@pytest.mark.parametrize(
    "model, message",
    [
        (None, "model must be the dict"),
        ({}, "model lacks block_count, embedding_length, head_count, head_count_kv, file_size_mib"),
        ({k: v for k, v in MODEL.items() if k != "head_count_kv"}, "lacks head_count_kv"),
        (dict(MODEL, block_count=None), "lacks block_count"),
        (dict(MODEL, block_count=0), "block_count must be 1 or more"),
        (dict(MODEL, head_count="32"), "head_count must be a whole number"),
        (dict(MODEL, head_count=0), "head_count must be 1 or more"),
        (dict(MODEL, file_size_mib=-5), "file_size_mib must be a number"),
        (dict(MODEL, file_size_mib="big"), "file_size_mib must be a number"),
    ],
)
def test_a_bad_model_is_refused(model, message):
    with pytest.raises(LlmPlanError, match=message):
        gpu_layers(8000, model)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(ctx_size=0), "ctx_size must be between 1"),
        (dict(ctx_size=1 << 30), "ctx_size must be between"),
        (dict(reserve_mib=-1), "reserve_mib must be 0 or more"),
        (dict(reserve_mib="400"), "reserve_mib must be a whole number"),
    ],
)
def test_bad_sizes_are_refused(kwargs, message):
    with pytest.raises(LlmPlanError, match=message):
        gpu_layers(8000, MODEL, **kwargs)


def test_the_error_is_a_value_error():
    assert issubclass(LlmPlanError, ValueError)


# Ollama


def env(free, **kwargs):
    return ollama_settings(free, **kwargs)["env"]


@pytest.mark.parametrize(
    "free, mode, flash, kv, ctx",
    [
        (100000, "roomy", "1", "f16", "32768"),
        (20480, "roomy", "1", "f16", "32768"),
        (20479, "balanced", "1", "q8_0", "16384"),
        (12288, "balanced", "1", "q8_0", "16384"),
        (12287, "lean", "1", "q8_0", "8192"),
        (6144, "lean", "1", "q8_0", "8192"),
        (6143, "minimal", "1", "q4_0", "4096"),
        (0, "minimal", "1", "q4_0", "4096"),
    ],
)
def test_every_row_boundary_of_the_table(free, mode, flash, kv, ctx):
    settings = ollama_settings(free)
    assert settings["mode"] == mode
    assert settings["env"] == {
        "OLLAMA_FLASH_ATTENTION": flash,
        "OLLAMA_KV_CACHE_TYPE": kv,
        "OLLAMA_CONTEXT_LENGTH": ctx,
        "OLLAMA_GPU_OVERHEAD": "0",
    }
    assert mode in settings["reason"] and str(free) in settings["reason"]


def test_the_table_is_ordered_and_every_quantised_cache_has_flash_attention():
    minima = [row[0] for row in _llm_plan.OLLAMA_TABLE]
    assert minima == sorted(minima, reverse=True) and minima[-1] == 0
    for _least, _mode, flash, kv, _ctx in _llm_plan.OLLAMA_TABLE:
        assert kv in _llm_plan.KV_CACHE_TYPES and (flash or kv == "f16")


def test_a_display_on_the_gpu_keeps_overhead_back_and_lowers_the_row():
    settings = ollama_settings(12288, display_on_gpu=True)
    assert settings["env"]["OLLAMA_GPU_OVERHEAD"] == str(512 * 1024 * 1024)
    # 12288 - 512 is under the balanced row's 12288.
    assert settings["mode"] == "lean" and "512 MiB kept back" in settings["reason"]
    assert ollama_settings(12288 + 512, display_on_gpu=True)["mode"] == "balanced"
    assert ollama_settings(100, display_on_gpu=True)["mode"] == "minimal"


def test_all_env_values_are_strings():
    for free in (0, 7000, 13000, 30000):
        for display in (False, True):
            assert all(isinstance(value, str) for value in env(free, display_on_gpu=display).values())


def test_total_memory_is_checked_against_free():
    assert ollama_settings(8000, total_mib=8192)["mode"] == "lean"
    with pytest.raises(LlmPlanError, match="free_mib 9000 is more than total_mib 8192"):
        ollama_settings(9000, total_mib=8192)
    with pytest.raises(LlmPlanError, match="total_mib must be 1 or more"):
        ollama_settings(0, total_mib=0)


def test_fixed_settings_win_over_the_row():
    settings = ollama_settings(30000, overrides=dict(kv_cache_type="q8_0", context_length=65536, gpu_overhead_mib=1024))
    assert settings["env"] == {
        "OLLAMA_FLASH_ATTENTION": "1",
        "OLLAMA_KV_CACHE_TYPE": "q8_0",
        "OLLAMA_CONTEXT_LENGTH": "65536",
        "OLLAMA_GPU_OVERHEAD": str(1024 << 20),
    }
    assert "overridden" in settings["reason"] and "context_length=65536" in settings["reason"]
    # The fixed overhead is taken off before the row is chosen: 20480 + 1024 is needed for roomy.
    assert ollama_settings(21503, overrides=dict(gpu_overhead_mib=1024))["mode"] == "balanced"
    assert ollama_settings(21504, overrides=dict(gpu_overhead_mib=1024))["mode"] == "roomy"
    # A fixed 0 overhead wins over the display's reserve.
    assert env(8000, display_on_gpu=True, overrides=dict(gpu_overhead_mib=0))["OLLAMA_GPU_OVERHEAD"] == "0"


def test_flash_attention_off_with_an_f16_cache():
    assert env(30000, overrides=dict(flash_attention=False))["OLLAMA_FLASH_ATTENTION"] == "0"
    assert env(100, overrides=dict(flash_attention=False, kv_cache_type="f16")) == {
        "OLLAMA_FLASH_ATTENTION": "0",
        "OLLAMA_KV_CACHE_TYPE": "f16",
        "OLLAMA_CONTEXT_LENGTH": "4096",
        "OLLAMA_GPU_OVERHEAD": "0",
    }


def test_a_quantised_cache_without_flash_attention_is_refused():
    # The minimal row's q4_0 cache would silently stay f16 in Ollama without flash attention.
    with pytest.raises(LlmPlanError, match="q4_0 KV cache needs flash attention"):
        ollama_settings(100, overrides=dict(flash_attention=False))


def test_a_table_replaces_the_rows():
    table = [
        dict(min_free_mib=0, mode="small", flash_attention=False, kv_cache_type="f16", context_length=2048),
        dict(min_free_mib=8000, mode="big", flash_attention=True, kv_cache_type="q8_0", context_length=65536),
    ]
    assert ollama_settings(7999, overrides=dict(table=table))["mode"] == "small"
    big = ollama_settings(8000, overrides=dict(table=table))
    assert big["mode"] == "big" and big["env"]["OLLAMA_CONTEXT_LENGTH"] == "65536"
    # The defaults are untouched by an override.
    assert ollama_settings(8000)["mode"] == "lean"


ROW = dict(min_free_mib=0, mode="only", flash_attention=True, kv_cache_type="f16", context_length=4096)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ("fast", "overrides must be a dict"),
        (dict(kv_cache="q8_0"), "unknown keys kv_cache"),
        (dict(kv_cache_type="q5_1"), "kv_cache_type must be one of f16, q8_0, q4_0"),
        (dict(flash_attention="yes"), "flash_attention must be true or false"),
        (dict(flash_attention=1), "flash_attention must be true or false"),
        (dict(context_length=100), "context_length must be between 256"),
        (dict(context_length="8192"), "context_length must be a whole number"),
        (dict(gpu_overhead_mib=-1), "gpu_overhead_mib must be 0 or more"),
        (dict(table=[]), "non-empty list"),
        (dict(table=ROW), "non-empty list"),
        (dict(table=["row"]), "row 1 must be a dict"),
        (dict(table=[dict(ROW, speed=1)]), "row 1 has unknown keys speed"),
        (dict(table=[{k: v for k, v in ROW.items() if k != "mode"}]), "row 1 lacks mode"),
        (dict(table=[dict(ROW, min_free_mib=100)]), "needs a row with min_free_mib 0"),
        (dict(table=[ROW, dict(ROW, mode="twin")]), "two rows with the same min_free_mib"),
        (dict(table=[dict(ROW, mode="")]), "mode must be a name"),
        (dict(table=[dict(ROW, min_free_mib=-1)]), "row 1 min_free_mib must be 0 or more"),
        (dict(table=[ROW, dict(ROW, min_free_mib=9, kv_cache_type="q8")]), "row 2 kv_cache_type"),
        (dict(table=[dict(ROW, flash_attention=False, kv_cache_type="q8_0")]), "row 1: a q8_0 KV cache needs flash"),
        # Refused even where the free VRAM would choose another row.
        (
            dict(table=[ROW, dict(ROW, min_free_mib=99999, flash_attention=False, kv_cache_type="q4_0")]),
            "row 2: a q4_0",
        ),
    ],
)
def test_bad_overrides_are_refused(overrides, message):
    with pytest.raises(LlmPlanError, match=message):
        ollama_settings(30000, overrides=overrides)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(free_mib=-1), "free_mib must be 0 or more"),
        (dict(free_mib="8000"), "free_mib must be a whole number"),
        (dict(free_mib=8000, display_on_gpu="no"), "display_on_gpu must be true or false"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(LlmPlanError, match=message):
        ollama_settings(**kwargs)
