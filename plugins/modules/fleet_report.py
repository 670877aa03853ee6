# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: fleet_report
short_description: Write the fleet report of the site playbook on the controller
version_added: 0.2.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Reads what the C(vramfree.webui.site) playbook recorded on each host of the play
    (C(ansible_play_hosts_all)) from the hosts' variables, and writes the fleet report into the
    report folder on the controller, C(report.json), C(report.md) and C(report.html) - per host and
    GPU the VRAM before and after and who held it, the desktop, the web UI and how to reach it,
    and the hosts that failed and why.
  - A host of the play that is no longer in it (C(ansible_play_hosts)) without a failure of its
    own became unreachable; it is reported as such, with the task it was lost on where the
    collection's C(vramfree.webui.fleet) strategy recorded it (C(vramfree_unreachable_task)).
  - The figures of a C(vramfree.webui.benchmark) run go into the report when that run left its
    C(benchmark.json) in the same folder.
  - Only files whose content or mode differ are rewritten, each in one step (a reader never sees
    half a report); a link in place of one of them is replaced, not followed. Missing folders
    are made with mode C(0755), the files get C(0644).
  - Runs on the controller and contacts no host. Run it once per play (C(run_once)).
options:
  report_dir:
    description:
      - The report folder on the controller.
      - Empty (the default) is C(vramfree-report) in the working folder of C(ansible-playbook),
        asked of the operating system, not read from the C(PWD) environment variable; a relative
        folder is taken from that working folder. The same as the C(vramfree.webui.report_dir)
        lookup gives.
    type: str
    default: ''
  webui:
    description:
      - Whether the lines to print include the table of the web UIs (the run left the web UI
        out when V(false)).
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - vramfree.webui.action_plugin
attributes:
  check_mode:
    support: full
    details: Under check mode nothing is written; C(site) sets C(check_mode=false) on its task
      so that a C(--check) run still leaves the report of what it saw.
  diff_mode:
    support: full
seealso:
  - plugin: vramfree.webui.report_dir
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Write the fleet report, even under --check
  vramfree.webui.fleet_report:
    report_dir: "{{ vramfree_report_dir | default('') }}"
  run_once: true
  check_mode: false
  register: fleet

- name: Print the fleet's VRAM, web UIs and failed hosts
  ansible.builtin.debug:
    msg: "{{ fleet.lines }}"
  run_once: true
"""

RETURN = r"""
report:
  description: The report, as written to C(report.json).
  returned: success
  type: dict
  contains:
    version:
      description: The report's format version.
      type: int
      sample: 1
    hosts:
      description:
        - Per host, in name order, C(status) (V(ok), V(failed) or V(unreachable)), C(failure)
          (C(msg), C(task)), C(backend), C(gpus) (per GPU C(total_mib) and the C(before) and
          C(after) snapshots with their C(holders)), C(desktop), C(webui), C(access) (how to reach
          the web UI from elsewhere) and C(benchmark).
      type: dict
    failed:
      description: The hosts whose status is not V(ok), in name order.
      type: list
      elements: str
lines:
  description:
    - The summary to print at the end of the run, one line each - the VRAM tables before and
      after of the hosts still in the play, the web UIs' table, and one line per failed host
      with why and on which task.
  returned: success
  type: list
  elements: str
report_dir:
  description: The report folder, an absolute path.
  returned: success
  type: str
  sample: /home/me/fleet/vramfree-report
written:
  description: The files that were (under check mode, would be) rewritten.
  returned: success
  type: list
  elements: str
  sample: [report.json, report.md]
"""
