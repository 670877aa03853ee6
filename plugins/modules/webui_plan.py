#!/usr/bin/python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: webui_plan
short_description: Measure a host's VRAM and plan its web UI, GPU, memory mode and flags
version_added: 0.3.0
description:
  - Measures the host's VRAM with M(vramfree.webui.gpu_vram_facts) (or takes a measurement
    given in O(gpu_vram)) and decides, as C(site), the webui role and the benchmark all do,
    which GPU the web UI gets and whether the desktop must stop for it, the memory mode the
    free VRAM allows, and the flags that bind the UI to the address and port asked.
  - The processes of O(ignore_units) (the web UI's own unit) count as free VRAM, since a running
    web UI is neither the leftover of the desktop nor less room for itself.
  - The memory mode comes from the mode asked (O(memory_mode)), else from the mode the
    benchmark playbook's autotune measured for O(tuned_unit) while the UI, model family, GPU
    and its free VRAM are those it was measured with, else from the memory-mode table of
    the UI's profile (docs/memory-modes.md).
  - Runs as an action plugin. The host only answers the measurement and the read of
    its state file; every decision is made on the controller.
author:
  - vramfree.webui contributors (@vramfree)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - vramfree.webui.action_plugin
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
    details: It only reads; it does the same in check mode.
  diff_mode:
    support: none
  facts:
    support: full
    details: Sets the C(gpu_vram) fact of its measurement, as M(vramfree.webui.gpu_vram_facts) does.
options:
  ui:
    description:
      - The web UI or LLM server, one of the profiles (docs/extending.md).
      - V(ollama) and V(llamacpp) are LLM servers, planned with RV(server) instead of RV(flags).
    type: str
    choices: [a1111, forge, sdnext, comfyui, ollama, llamacpp]
    default: a1111
  gpu:
    description: V(auto), or the index of the GPU the web UI runs on.
    type: raw
    default: auto
  ignore_units:
    description: Systemd units whose processes' VRAM counts as free (the web UI's own).
    type: list
    elements: str
    default: []
  model:
    description: The model family the memory mode is chosen for, V(sd15) or V(sdxl).
    type: str
    default: sd15
  memory_mode:
    description: V(auto) to choose the mode, V(keep) to leave the launch file's, or a mode of the UI.
    type: str
    default: auto
  thresholds:
    description: Overrides of the memory-mode table, as the P(vramfree.webui.memory_mode#filter) filter takes them.
    type: dict
    default: {}
  service_active:
    description:
      - Whether the web UI runs now. On a GPU that cannot list its processes, its VRAM cannot
        be told from the free VRAM, so the launch file's mode is kept.
    type: bool
    default: false
  tuned_unit:
    description:
      - The web UI's unit, whose autotune result (the V(benchmark) section of the state file
        M(vramfree.webui.state_file) writes) is kept. Read only when O(memory_mode=auto); none is no autotune.
    type: str
  state_file:
    description: Where the roles remember what they did (root's file in a root folder); leave the default.
    type: path
    default: /etc/ansible/facts.d/vramfree.fact
  listen:
    description: The address the web UI binds.
    type: str
    default: 127.0.0.1
  port:
    description: The port the web UI listens on; by default the UI's own (7860, Ollama's 11434, llama-server's 8080).
    type: raw
  flags:
    description: The user's own flags, which win over the bind flags planned.
    type: dict
    default: {}
  memory:
    description:
      - Plan the memory mode and flags too. V(false) plans the GPU only, as C(site) does before
        the desktop stops.
    type: bool
    default: true
  gpu_vram:
    description: A measurement (the C(gpu_vram) fact) to plan from instead of measuring.
    type: dict
  host:
    description: The host's address from elsewhere, for RV(endpoint.url) where the UI binds every address.
    type: str
    default: ""
  model_info:
    description:
      - For V(llamacpp), the model's GGUF header as M(vramfree.webui.gguf_facts) returns it (RV(vramfree.webui.gguf_facts#module:model)).
      - The number of GPU layers is chosen from it and the free VRAM (docs/llm-memory.md).
    type: dict
  model_path:
    description: For V(llamacpp), the model file the server loads (its C(--model)).
    type: str
  context_size:
    description: For the LLM servers, the context length in tokens the VRAM is planned for.
    type: int
    default: 4096
  settings:
    description:
      - For the LLM servers, overrides of the table in docs/llm-memory.md (for V(ollama)), or
        C(reserve_mib) (for V(llamacpp)), the MiB kept free beside the layers.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Plan the web UI on this host
  vramfree.webui.webui_plan:
    ui: comfyui
    ignore_units: [webui.service]
    listen: 127.0.0.1
    port: 8188
  register: plan

- name: Say the memory mode, and why
  ansible.builtin.debug:
    msg: "{{ plan.memory.reason }}"
  when: plan.configure
"""

RETURN = r"""
gpu_vram:
  description: The measurement planned from (the C(gpu_vram) fact, see M(vramfree.webui.gpu_vram_facts)).
  returned: always
  type: dict
request:
  description:
    - The options the plan depends on (all but O(gpu_vram) and O(state_file)), to make the same plan again
      from another measurement, as the C(site) playbook's converged path does (M(vramfree.webui.converged_facts)).
  returned: success
  type: dict
vram:
  description: The measurement with the processes of O(ignore_units) counted as free.
  returned: success
  type: dict
gpu:
  description: The web UI's GPU.
  returned: success
  type: dict
  contains:
    index:
      description: The GPU's index, null when the host has none.
      type: int
    uuid:
      description: The GPU's UUID.
      type: str
    pinned:
      description: Whether the host has several GPUs, so the web UI must be told which.
      type: bool
    stop_desktop:
      description: Whether the desktop must stop to free that GPU's VRAM.
      type: bool
    reason:
      description: Why, in words.
      type: str
configure:
  description: Whether the web UI can be configured (a GPU was found, or a memory mode was given).
  returned: success
  type: bool
memory:
  description: The memory mode, null with O(memory=false) or when RV(configure) is false.
  returned: success
  type: dict
  contains:
    mode:
      description:
        - The mode, for the webui_flags module's O(vramfree.webui.webui_flags#module:memory_mode).
        - For V(llamacpp) the number of GPU layers, for V(ollama) the row of its settings table.
      type: str
    free_mib:
      description: The free MiB it was chosen from (null when asked for).
      type: int
    reason:
      description: Why, in words.
      type: str
    source:
      description: V(asked), V(kept), V(autotune) or V(table).
      type: str
endpoint:
  description: Where the web UI answers.
  returned: success
  type: dict
  contains:
    probe_host:
      description: The address that reaches it from the host itself.
      type: str
    url:
      description: Its URL from elsewhere.
      type: str
flags:
  description: The flags for the webui_flags module's O(vramfree.webui.webui_flags#module:flags), null as O(memory).
  returned: success
  type: dict
server:
  description:
    - For an LLM server, what it is started with, null for a web UI or as O(memory).
    - No secret is in it, the API key goes in a file.
  returned: success
  type: dict
  contains:
    environment:
      description: Environment variables, name to value (Ollama's settings and C(OLLAMA_HOST)).
      type: dict
    args:
      description: The server's arguments after its binary (llama-server's).
      type: list
      elements: str
"""
