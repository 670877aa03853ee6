#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: vram_release
short_description: Wait until the VRAM a stopped desktop held is released, naming whoever still holds it
version_added: 0.3.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Measures the VRAM with M(vramfree.webui.gpu_vram_facts) every O(delay) seconds until every GPU
    is released or O(timeout) seconds have passed, then fails naming each process that still holds
    VRAM (pid, name, type, MiB), or each GPU that could not be read.
  - A GPU that lists its processes is released when they hold at most O(max_other_mib) in all. A GPU
    whose driver cannot list processes (older GeForce cards answer "Not Supported") is judged by the
    device's used memory against O(max_device_used_mib), which also counts the driver's own.
  - The processes of O(ignore_units) (the web UI's own unit, on a second run) are not counted.
  - Given a measurement in O(gpu_vram) that every GPU could be read in and that already proves the
    release, nothing is measured; that measurement is the proof.
  - The proof of the C(vramfree.webui.headless) role; its failure message names that role's
    variables (C(headless_stop_units), C(headless_max_other_vram_mib)).
  - Runs as an action plugin. The host only answers the measurements; the waiting and the judgement
    are done on the controller.
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
    details: Sets the C(gpu_vram) fact of its last measurement, as M(vramfree.webui.gpu_vram_facts) does.
options:
  ignore_units:
    description: Systemd units whose processes' VRAM is not counted. Only GPUs that list their processes can tell them apart.
    type: list
    elements: str
    default: []
  max_other_mib:
    description: MiB that listed processes may still hold in all, per GPU.
    type: int
    default: 0
  max_device_used_mib:
    description: Device-level used MiB allowed on GPUs whose driver cannot list processes.
    type: int
    default: 128
  timeout:
    description: Seconds to wait for the release. One measurement is always taken.
    type: int
    default: 60
  delay:
    description: Seconds between two measurements.
    type: float
    default: 2.0
  gpu_vram:
    description:
      - A measurement already taken (the C(gpu_vram) fact), accepted as the proof when every GPU in it
        could be read and is released. Pass it only when nothing was stopped since it was taken.
    type: dict
"""

EXAMPLES = r"""
- name: Wait until nothing but the web UI holds VRAM
  vramfree.webui.vram_release:
    ignore_units: [webui.service]
    timeout: 60
  register: release

- name: Say how much is free now
  ansible.builtin.debug:
    msg: "{{ release.gpu_vram.gpus | map(attribute='memory_free_mib') }}"
"""

RETURN = r"""
gpu_vram:
  description: The measurement that proves the release, or on failure the last one (the C(gpu_vram) fact, see M(vramfree.webui.gpu_vram_facts)).
  returned: always
  type: dict
measured:
  description: Whether the proof was measured here, rather than taken from O(gpu_vram).
  returned: always
  type: bool
attempts:
  description: How many measurements were taken (0 when O(gpu_vram) was the proof).
  returned: always
  type: int
problems:
  description: On failure, one sentence per GPU that is not released; empty otherwise.
  returned: always
  type: list
  elements: str
  sample:
    - >-
      GPU 0 (NVIDIA GeForce GTX 970, 00000000:01:00.0) is still held by 1 process(es), 1536 MiB in all
      (allowed 0 MiB): pid 4242 /usr/local/bin/ollama (compute, 1536 MiB)
msg:
  description: On failure, why, with the holders or the GPUs that could not be read.
  returned: failure
  type: str
"""
