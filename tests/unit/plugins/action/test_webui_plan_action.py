# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webui_plan action, run by ansible-playbook itself against this machine.

Nothing here has a GPU: the measurement it takes finds none (and the plan says so); the
plans with GPUs are made from a measurement handed in, as the benchmark hands in its own.
What the autotune proved is read from the host's state file by the action, as on a real
box (the file here is in a temporary folder).
"""

from __future__ import annotations

import json

from local_playbook import run_local

GPU = {
    'index': 0,
    'vendor': 'nvidia',
    'name': 'NVIDIA GeForce GTX 970',
    'uuid': 'GPU-4f8e2a5c',
    'memory_total_mib': 4096,
    'memory_used_mib': 701,
    'memory_free_mib': 3329,
    'display_active': True,
    'processes_supported': True,
    'processes': [],
}

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    snapshot: {"backend": "nvml", "gpus": [%(gpu)s]}
  tasks:
    - name: Measured here (no GPU)
      vramfree.webui.webui_plan:
      register: measured

    - name: From a snapshot, with an autotune file
      vramfree.webui.webui_plan:
        gpu_vram: "{{ snapshot }}"
        tuned_unit: webui.service
        state_file: "%(state)s"
        port: 7861
      register: tuned

    - name: From a snapshot, the autotune file ignored for a forced mode
      vramfree.webui.webui_plan:
        gpu_vram: "{{ snapshot }}"
        tuned_unit: webui.service
        state_file: "%(state)s"
        memory_mode: lowvram
      register: forced

    - name: A threshold the UI has no mode for
      vramfree.webui.webui_plan:
        gpu_vram: "{{ snapshot }}"
        thresholds: {gpu-only: 100}
      register: refused
      ignore_errors: true

    - name: Show what was planned
      ansible.builtin.debug:
        msg: "PLANS={{ {'measured': measured, 'fact': ansible_facts.gpu_vram, 'tuned': tuned,
                        'forced': forced, 'refused': refused} | to_json }}"
"""


def run_playbook(tmp_path, *extra):
    state = tmp_path / 'vramfree.fact'
    tuned = {'mode': 'none', 'ui': 'a1111', 'model': 'sd15', 'gpu': GPU['uuid'], 'free_mib': 3300}
    state.write_text(json.dumps({'benchmark': {'webui.service': {'version': 1, 'tuned': tuned}}}))
    return run_local(tmp_path, PLAYBOOK % {'gpu': json.dumps(GPU), 'state': state}, 'PLANS', *extra)


def check_plans(plans):
    measured = plans['measured']
    # No GPU on this machine: the plan says so, configures nothing, and sets the fact.
    assert measured['gpu']['index'] is None and measured['configure'] is False
    assert measured['memory'] is None and measured['changed'] is False
    assert plans['fact'] == measured['gpu_vram']
    tuned = plans['tuned']
    assert (tuned['memory']['mode'], tuned['memory']['source']) == ('none', 'autotune')
    assert tuned['flags'] == {'listen': False, 'server-name': False, 'port': 7861}
    assert (plans['forced']['memory']['mode'], plans['forced']['memory']['source']) == ('lowvram', 'asked')
    refused = plans['refused']
    assert refused['failed'] is True
    assert "a1111 has no memory mode 'gpu-only'" in refused['msg']


def test_the_action_plans_from_its_measurement_a_snapshot_and_the_state_file(tmp_path):
    check_plans(run_playbook(tmp_path))


def test_the_action_plans_the_same_in_check_mode(tmp_path):
    check_plans(run_playbook(tmp_path, '--check'))
