#!/usr/bin/python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: benchmark_trials
short_description: Probe a web UI's API, or benchmark its memory modes on one host
version_added: 0.2.0
description:
  - The benchmark playbook's work on one host, from its controller side; the decisions are
    plain functions of what it saw (C(plugins/plugin_utils/_benchmark.py)).
  - With O(state=probe), asks the web UI's C(/sdapi/v1/cmd-flags) whether it can be benchmarked
    (an API of A1111's shape, C(--api) on, the login right) and which memory mode it runs with.
  - With O(state=run), runs the trials in order. The measurement as the UI runs (C(current), or
    C(before) with O(compare)); with O(autotune), each mode of O(modes) (by default the memory-mode
    table's modes for O(ui) and O(model)) fastest first, the UI put on it (its launch file's
    memory flags edited as O(user) with M(vramfree.webui.webui_flags), the unit's start counter
    reset and the unit restarted, its API waited for), one warm-up request of O(warmup_steps)
    and the timed request. Autotune stops at the first mode that completes unless
    O(autotune_all), and does not try a mode that an earlier run proved runs out of memory
    with no more VRAM free than now (O(memory_before)). With O(compare) and no autotune, the
    mode site would choose (O(planned_mode)) is measured C(after).
  - Whatever happens in the trials, after autotune or an C(after) trial the UI is left on the
    fastest mode that completed, or on the one it had (RV(left_on)).
  - Every request runs C(playbooks/files/webui_api.py) (O(api_script)) with the host's Python
    and the order on its stdin, so that the login never shows in a process list. Every command
    is bounded by C(timeout).
  - The action does not fail when the UI did not come back or no mode completed; it returns
    RV(problem), so that the playbook can keep what the run proved (RV(memory)) first.
  - For an LLM server (O(api) V(ollama) or V(openai), its profile's), the trials are one greedy completion
    of O(llm_request) (after a warm-up of O(warmup_tokens)) and their figures tokens per second; Ollama's
    also the model's share in VRAM (C(/api/ps)). With O(autotune), llama-server's C(--n-gpu-layers) is tried
    from O(planned_layers), up while each count loads and completes, down while none does, then halved
    between, at most O(max_trials) trials (C(plugins/plugin_utils/_llm_bench.py)); each trial changes the
    number in the webui role's unit (O(unit_file)) and nothing else, reloads systemd and restarts the server.
    The most layers that loaded are left in the unit, running, and remembered (RV(memory)) for C(site).
    Ollama places its layers itself and is only measured.
author:
  - vramfree.webui contributors (@vramfree)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - vramfree.webui.action_plugin
attributes:
  check_mode:
    support: full
    details:
      - The probe and the requests only read the web UI and run under check mode too.
      - Under check mode O(autotune) and the C(after) trial are off, so no mode is changed and
        nothing restarts.
  diff_mode:
    support: partial
    details:
      - The task carries the API's login and must be C(no_log), which hides a diff; the launch
        file's changes are returned as RV(diffs) for the playbook to print under C(--diff).
notes:
  - O(auth), O(flags) and O(launch_args) can hold the web UI's secrets; run the task with
    C(no_log) and print RV(lines) afterwards. The journal lines are masked with the secrets of
    O(flags) before they reach a message or a trial.
  - Needs C(become); the launch file is edited as O(user), everything else as the task's
    become user (root).
options:
  state:
    description: V(probe) asks the API; V(run) runs the trials.
    type: str
    choices: [probe, run]
    default: run
  listen:
    description:
      - The address the web UI binds (C(webui_listen)). Its API is asked on the host itself, there,
        or on 127.0.0.1 where it binds every address, as the C(webui) role waits on it.
    type: str
    default: 127.0.0.1
  port:
    description: The web UI's port.
    type: int
    default: 7860
  auth:
    description: C(user:password) for C(--api-auth), or empty.
    type: str
    default: ''
  ui:
    description: The web UI.
    type: str
    default: a1111
  python:
    description: The host's Python, which runs O(api_script).
    type: str
    default: python3
  api_script:
    description: The text of C(playbooks/files/webui_api.py).
    type: str
    required: true
  unit:
    description: The web UI's systemd unit.
    type: str
    default: webui.service
  launch_file:
    description: The web UI's launch file (C(webui-user.sh)). Required with O(state=run).
    type: path
  user:
    description: The web UI's user, who owns O(launch_file).
    type: str
    default: sd
  flags:
    description: The web UI's launch flags (C(webui_flags)), for the secrets to mask in its log.
    type: dict
    default: {}
  model:
    description: The model family (C(sd15), C(sdxl), ...), for the default O(modes).
    type: str
    default: sd15
  modes:
    description: The memory modes autotune tries; put in the UI's fastest-first order. Empty for the table's.
    type: list
    elements: str
    default: []
  request:
    description: The txt2img payload of the timed request; the warm-up is the same with O(warmup_steps).
    type: dict
    default: {}
  warmup_steps:
    description: Steps of the warm-up request; V(0) for none.
    type: int
    default: 2
  timeout:
    description: Seconds a request may take.
    type: int
    default: 600
  start_timeout:
    description: Seconds the web UI may take to answer after a restart.
    type: int
    default: 600
  compare:
    description: Measure C(before), and C(after) the change.
    type: bool
    default: false
  autotune:
    description: Try the memory modes, fastest first.
    type: bool
    default: false
  autotune_all:
    description: Try every mode rather than stop at the first that completes.
    type: bool
    default: false
  mode_before:
    description: The memory mode the UI runs with (RV(mode) of O(state=probe)). Required with O(state=run).
    type: str
  planned_mode:
    description: The mode site would choose now, measured C(after) with O(compare) and no autotune.
    type: str
  gpus:
    description: The GPUs as C(gpu_vram_facts) read them, the web UI's own VRAM counted as free.
    type: list
    elements: dict
    default: []
  gpu_index:
    description: The index of the web UI's GPU; none when it has none.
    type: int
  launch_args:
    description: The launch file's arguments; the out-of-memory results are kept per their digest.
    type: list
    elements: str
    default: []
  memory_before:
    description:
      - What earlier runs proved for this web UI (its entry in the V(benchmark) section of the state file,
        M(vramfree.webui.state_file)), or none. One that is not what a run wrote counts as nothing.
    type: raw
  oom_margin_mib:
    description: An earlier out-of-memory holds while no more than this more MiB are free now.
    type: int
    default: 128
  api:
    description:
      - The API the UI or server speaks, its profile's C(api). V(ollama) and V(openai) (llama-server) are
        the LLM servers'; any other is an image UI's.
    type: str
    default: sdapi
  api_key:
    description: The LLM server's API key, sent as a bearer token (C(Authorization)) from the host script's stdin.
    type: str
    default: ''
  llm_model:
    description: For Ollama, the model to ask; at O(state=probe), the one wanted (empty, the only one pulled).
    type: str
    default: ''
  llm_request:
    description: The LLM servers' completion, C(prompt), C(tokens) and C(seed).
    type: dict
    default: {}
  warmup_tokens:
    description: Tokens of the warm-up completion before each timed one; V(0) for none.
    type: int
    default: 8
  planned_layers:
    description: For llama-server, the GPU layers C(site) would write now, where autotune starts and compare's C(after).
    type: int
  model_info:
    description: For llama-server, the model's GGUF header (M(vramfree.webui.gguf_facts)); its C(block_count) + 1 is the layer total.
    type: dict
  max_trials:
    description: The most layer counts autotune tries.
    type: int
    default: 8
  unit_file:
    description: For llama-server, the webui role's unit whose C(--n-gpu-layers) a trial changes; by default C(/etc/systemd/system/) + O(unit).
    type: path
"""

EXAMPLES = r"""
- name: Ask the API
  vramfree.webui.benchmark_trials:
    state: probe
    auth: "{{ api_auth }}"
    api_script: "{{ lookup('ansible.builtin.file', 'files/webui_api.py') }}"
  register: probe
  no_log: true

- name: Autotune
  vramfree.webui.benchmark_trials:
    auth: "{{ api_auth }}"
    api_script: "{{ lookup('ansible.builtin.file', 'files/webui_api.py') }}"
    launch_file: /home/sd/stable-diffusion-webui/webui-user.sh
    mode_before: "{{ probe.mode }}"
    request: {prompt: a lighthouse, steps: 20, width: 512, height: 512}
    autotune: true
  register: trials
  no_log: true

- name: How each trial went
  ansible.builtin.debug:
    msg: "{{ trials.lines }}"
"""

RETURN = r"""
benchmarkable:
  description: Whether the UI can be benchmarked (O(state=probe)).
  returned: state is probe
  type: bool
mode:
  description: The memory mode it runs with, or none (O(state=probe)).
  returned: state is probe
  type: str
reason:
  description: Why it is benchmarkable or not (O(state=probe)).
  returned: state is probe
  type: str
url:
  description: The web UI's URL on the host, where its API was asked (O(state=probe)).
  returned: state is probe
  type: str
  sample: http://127.0.0.1:7860/
modes:
  description: The modes autotune would try, fastest first.
  returned: state is run
  type: list
  elements: str
gpu:
  description: The web UI's GPU (index, name, uuid, memory_total_mib, memory_free_mib), or none.
  returned: state is run
  type: dict
trials:
  description:
    - Every trial (phase, mode, ok, oom, error, http_status, seconds_per_image, seconds_per_it, simulated, remembered).
    - An LLM server's has layers, tokens, tokens_per_second, prompt_tokens_per_second, vram_share, size_mib,
      size_vram_mib, load_seconds, total_seconds, elapsed_s and note instead of the seconds.
  returned: state is run
  type: list
  elements: dict
lines:
  description: One line per trial, and where the web UI was left.
  returned: state is run
  type: list
  elements: str
chosen:
  description: The fastest mode that completed in autotune, or the C(after) mode when it completed; else none.
  returned: state is run
  type: str
written_back:
  description: Whether RV(chosen) is another mode than the one the UI had.
  returned: state is run
  type: bool
left_on:
  description: Where the UI was left (mode, running, reason); none when nothing was changed.
  returned: state is run
  type: dict
diffs:
  description: The diffs of the launch file's changes, as M(vramfree.webui.webui_flags) returned them (its secrets masked).
  returned: state is run
  type: list
  elements: dict
up:
  description: Whether the UI answered after its last restart.
  returned: state is run
  type: bool
memory:
  description:
    - What to keep in the benchmark's memory file for the next run and for site, after autotune
      on a GPU that was read; else none.
  returned: state is run and the trials did not fail
  type: dict
problem:
  description: Why the host fails once RV(memory) is kept (the UI did not come back, no mode completed), or none.
  returned: state is run and the trials did not fail
  type: str
model:
  description: For Ollama, the model the benchmark asks (O(state=probe)).
  returned: state is probe and O(api) is an LLM server's
  type: str
mode_before:
  description: For llama-server, the GPU layers of its unit before the run; none for Ollama.
  returned: state is run and O(api) is an LLM server's
  type: str
layers_total:
  description: For llama-server, the model's layers as C(--n-gpu-layers) counts them, or none.
  returned: state is run and O(api) is an LLM server's
  type: int
"""
