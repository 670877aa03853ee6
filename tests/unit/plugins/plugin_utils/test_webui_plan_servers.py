# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan for the LLM servers: the same GPU decision as the image UIs, then Ollama's
settings or llama-server's GPU layers, and what each is started with."""

from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _profiles
from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark as bm
from ansible_collections.vramfree.webui.plugins.plugin_utils import _webui_plan as plan

# A 7B model at Q4_K_M as its GGUF header says it (Llama 2 7B: 32 blocks, 4096 wide,
# 32 heads, no grouped-query attention), 3891 MiB on disk.
LLAMA7B = {
    'architecture': 'llama',
    'name': 'llama-2-7b',
    'block_count': 32,
    'context_length': 4096,
    'embedding_length': 4096,
    'head_count': 32,
    'head_count_kv': 32,
    'file_type': 15,
    'file_size_mib': 3891,
    'version': 3,
}


def gpu(index=0, free=7800, total=8192, display=False, uuid=None):
    return {
        'index': index,
        'uuid': uuid or 'GPU-%d' % index,
        'memory_total_mib': total,
        'memory_used_mib': total - free,
        'memory_free_mib': free,
        'display_active': display,
        'processes_supported': True,
        'processes': [],
    }


def vram(*gpus):
    return {'backend': 'nvml', 'gpus': list(gpus)}


def test_every_profile_has_a_kind_and_the_servers_are_llm():
    assert _profiles.names() == list(_profiles.PROFILES) + ['ollama', 'llamacpp']
    assert {_profiles.kind(ui) for ui in _profiles.PROFILES} == {'image'}
    assert _profiles.kind('ollama') == _profiles.kind('llamacpp') == 'llm'
    # The play view has every attribute for every kind, so tasks branch without defaults.
    assert set(_profiles.play_view('a1111')) == set(_profiles.play_view('ollama'))
    assert _profiles.play_view('a1111')['unit'] == 'webui.service'
    # The one derivation of webui_service_name's default, for the role, site and the benchmark.
    assert [_profiles.play_view(ui)['service_name'] for ui in ('a1111', 'ollama', 'llamacpp')] == [
        'webui',
        'ollama',
        'llamacpp',
    ]
    assert _profiles.play_view('llamacpp')['launch_file'] is None


def test_ollama_is_bound_by_its_environment_and_gets_settings_from_the_free_vram():
    planned = plan.plan(vram(gpu(free=7900)), ui='ollama', listen='127.0.0.1', port=11434)
    assert planned['flags'] is None
    env = planned['server']['environment']
    assert env['OLLAMA_HOST'] == '127.0.0.1:11434'
    assert planned['server']['args'] == []
    for name in ('OLLAMA_FLASH_ATTENTION', 'OLLAMA_KV_CACHE_TYPE', 'OLLAMA_CONTEXT_LENGTH', 'OLLAMA_GPU_OVERHEAD'):
        assert isinstance(env[name], str), name
    assert planned['memory']['source'] == 'table'
    assert planned['memory']['free_mib'] == 7900
    assert 'OLLAMA_HOST=127.0.0.1:11434' in planned['server']['shown']


def test_less_free_vram_never_gets_ollama_more_generous_settings():
    roomy = plan.plan(vram(gpu(free=7900)), ui='ollama')['server']['environment']
    tight = plan.plan(vram(gpu(free=2000)), ui='ollama')['server']['environment']
    assert int(tight['OLLAMA_CONTEXT_LENGTH']) <= int(roomy['OLLAMA_CONTEXT_LENGTH'])
    assert (tight['OLLAMA_KV_CACHE_TYPE'], roomy['OLLAMA_KV_CACHE_TYPE']) != ('f16', 'q4_0')


def test_an_ipv6_address_is_bracketed_in_ollama_host():
    env = plan.plan(vram(gpu()), ui='ollama', listen='::1', port=11500)['server']['environment']
    assert env['OLLAMA_HOST'] == '[::1]:11500'


def test_llama_server_gets_the_layers_that_fit_and_its_address_as_arguments():
    roomy = plan.plan(vram(gpu(free=7800)), ui='llamacpp', model_info=LLAMA7B, model_path='/srv/m.gguf', port=8080)
    tight = plan.plan(vram(gpu(free=2500)), ui='llamacpp', model_info=LLAMA7B, model_path='/srv/m.gguf', port=8080)
    args = roomy['server']['args']
    assert args[:8] == ['--model', '/srv/m.gguf', '--host', '127.0.0.1', '--port', '8080', '--ctx-size', '4096']
    layers = int(args[args.index('--n-gpu-layers') + 1])
    assert layers == int(roomy['memory']['mode']) == 33  # the whole model and its output layer fit
    few = int(tight['memory']['mode'])
    assert 0 < few < 33
    assert roomy['server']['environment'] == {}


def test_a_number_of_layers_asked_for_is_used_as_asked():
    planned = plan.plan(vram(gpu(free=1000)), ui='llamacpp', requested='20', model_info=LLAMA7B, model_path='/m.gguf')
    assert planned['memory']['mode'] == '20'
    assert planned['memory']['source'] == 'asked'
    with pytest.raises(plan.PlanError, match='number of GPU layers'):
        plan.plan(vram(gpu()), ui='llamacpp', requested='lowvram', model_info=LLAMA7B, model_path='/m.gguf')


def test_llama_server_without_a_model_is_refused_with_the_fix():
    with pytest.raises(plan.PlanError, match='webui_model is needed'):
        plan.plan(vram(gpu()), ui='llamacpp')


def test_an_api_key_in_the_flags_is_refused_for_it_would_show_in_ps():
    for name in ('api-key', '--api-key', 'OLLAMA_API_KEY'):
        with pytest.raises(plan.PlanError, match='webui_api_key'):
            plan.plan(vram(gpu()), ui='llamacpp', model_info=LLAMA7B, model_path='/m.gguf', flags={name: 'sk-secret'})


def test_the_users_flags_win_over_the_planned_arguments_and_false_drops_one():
    planned = plan.plan(
        vram(gpu()),
        ui='llamacpp',
        model_info=LLAMA7B,
        model_path='/m.gguf',
        flags={'--ctx-size': 8192, 'flash-attn': 'on', 'host': False, 'no-webui': True},
    )
    args = planned['server']['args']
    assert args[args.index('--ctx-size') + 1] == '8192'
    assert '--host' not in args
    assert args[-3:] == ['--flash-attn', 'on', '--no-webui']


def test_a_server_on_the_gpu_the_desktop_keeps_plans_with_its_display_in_mind():
    # Two GPUs, both driving displays: the desktop stops, the one with most free VRAM is taken.
    kept = plan.plan(vram(gpu(0, free=3000, display=True), gpu(1, free=7000, display=False)), ui='ollama')
    assert kept['gpu']['index'] == 1 and not kept['gpu']['stop_desktop']
    assert kept['server']['environment']['OLLAMA_GPU_OVERHEAD'] == '0'


def test_autotune_layers_are_kept_while_gpu_model_and_free_vram_hold():
    the_gpu = gpu(free=5000, uuid='GPU-abc')
    record = {
        'version': bm.MEMORY_VERSION,
        'tuned': {'layers': 25, 'gpu': bm.gpu_identity(the_gpu), 'model': bm.model_identity(LLAMA7B), 'free_mib': 5010},
    }
    kept = plan.plan(vram(the_gpu), ui='llamacpp', model_info=LLAMA7B, model_path='/m.gguf', tuned=record)
    assert kept['memory'] == {
        'mode': '25',
        'free_mib': 5000,
        'source': 'autotune',
        'reason': kept['memory']['reason'],
        'settings': {'n-gpu-layers': 25},
    }
    other_model = dict(LLAMA7B, file_size_mib=7000)
    again = plan.plan(vram(the_gpu), ui='llamacpp', model_info=other_model, model_path='/m.gguf', tuned=record)
    assert again['memory']['source'] == 'table'


def test_keep_leaves_the_servers_settings_alone():
    planned = plan.plan(vram(gpu()), ui='ollama', requested='keep')
    assert planned['memory']['mode'] == 'keep'
    assert planned['server']['environment'] == {'OLLAMA_HOST': '127.0.0.1:11434'}
