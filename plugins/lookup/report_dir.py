# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: report_dir
short_description: The folder on the controller where the playbooks write their reports
version_added: 0.2.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Returns the absolute path of the report folder of C(site) and C(benchmark).
  - With no folder given, or an empty one, it is C(vramfree-report) in the working folder of
    the C(ansible-playbook) process. The process's own working folder is asked of the
    operating system, not read from the C(PWD) environment variable, which a script or a
    runner that changes folder may leave pointing elsewhere.
  - A relative folder is taken from that same working folder.
options:
  _terms:
    description: The folder asked for, usually C(vramfree_report_dir); none or empty for the default.
    type: list
    elements: str
    required: false
"""

EXAMPLES = r"""
- name: Where this run's report goes
  ansible.builtin.debug:
    msg: "{{ lookup('vramfree.webui.report_dir', vramfree_report_dir | default('')) }}"
"""

RETURN = r"""
_raw:
  description: The report folder, an absolute path.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError  # noqa: E402
from ansible.plugins.lookup import LookupBase  # noqa: E402

from ansible_collections.vramfree.webui.plugins.plugin_utils import _fleet_report  # noqa: E402


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        given = [str(term) for term in terms if term is not None and str(term) != '']
        if len(given) > 1:
            raise AnsibleLookupError('report_dir: give one folder at most, got %d' % len(given))
        return [_fleet_report.report_dir(given[0] if given else None)]
