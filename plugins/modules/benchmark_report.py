#!/usr/bin/python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: benchmark_report
short_description: The benchmark report from what each host recorded
version_added: 0.2.0
description:
  - Builds C(benchmark.json), its Markdown summary and the printed table from the
    C(vramfree_benchmark) record of each host; runs on the controller and touches no host.
  - Per host its status (C(ok), C(not_benchmarkable) with the reason, or C(failed) with the task
    and message), the UI, URL and GPU, the memory mode before, every trial, the chosen mode and
    whether it was written back, where the UI was left, and before/after with the speed-up.
  - C(simulated) is true for a host (and the report) when any answer came from a stand-in web UI.
  - The LLM servers' hosts (their record's C(api) V(ollama) or V(openai)) have C(kind) V(llm), tokens per
    second instead of s/it, and a table of their own.
  - The shape is documented in C(docs/benchmark.md).
author:
  - vramfree.webui contributors (@vramfree)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - vramfree.webui.action_plugin
attributes:
  check_mode:
    support: full
    details: It only computes; the same under check mode.
  diff_mode:
    support: none
options:
  records:
    description: Host name to the host's C(vramfree_benchmark) record (none for a host that recorded nothing).
    type: dict
    required: true
  request:
    description: The txt2img request sent.
    type: dict
    default: {}
  llm_request:
    description: The LLM servers' completion (prompt, tokens, seed, warmup_tokens), kept when a host runs one.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Build the report
  vramfree.webui.benchmark_report:
    records: "{{ hostvars | vramfree.webui.by_host(ansible_play_hosts_all, 'vramfree_benchmark') }}"
    request: "{{ request }}"
  delegate_to: localhost
  run_once: true
  register: report
"""

RETURN = r"""
report:
  description: C(benchmark.json) (version, request, llm_request, simulated, hosts, failed, not_benchmarkable).
  returned: always
  type: dict
markdown:
  description: C(benchmark.md).
  returned: always
  type: str
table:
  description: Every trial as plain-text lines, columns padded.
  returned: always
  type: list
  elements: str
"""
