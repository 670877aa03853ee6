#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: state_file
short_description: Remember, or forget, what a role of this collection needs on its next run, in one file per host
version_added: 0.3.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Every role and playbook of the collection keeps what it must remember in one JSON local fact file,
    O(path), one section each; C(ansible_local.vramfree) once facts are gathered, and what
    M(vramfree.webui.host_state) reads with O(vramfree.webui.host_state#module:remembered=true).
  - V(headless) holds C(previous_default_target) and C(disabled_units) (for the restore_desktop playbook),
    V(proxy) the C(firewall_rules) the proxy role opened, V(benchmark) per web UI unit what autotune proved.
  - Sets keys of O(section) (a key given null is forgotten), or forgets the whole section with O(state=absent).
    A file left with nothing in it is removed.
  - Earlier releases kept one file per part (C(/etc/ansible/facts.d/vramfree_headless.fact),
    C(vramfree_headless_units.fact), C(vramfree_proxy_firewall.fact) and C(/var/lib/vramfree/benchmark-UNIT.json)).
    They are read as part of the state and removed by the first write, which holds what they held.
  - The file is written whole, in one atomic rename, owned by root with mode C(0644).
options:
  section:
    description: The part of the state to change.
    type: str
    required: true
  values:
    description: Keys of O(section) to set; a key given null is forgotten.
    type: dict
    default: {}
  state:
    description: V(present) sets O(values); V(absent) forgets O(section) whole.
    type: str
    choices: [present, absent]
    default: present
  path:
    description: The state file. Every role must name the same one; leave the default.
    type: path
    default: /etc/ansible/facts.d/vramfree.fact
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Says what it would write and which earlier files it would remove, and writes nothing.
  diff_mode:
    support: full
    details: The file's text before and after.
  platform:
    platforms: posix
notes:
  - Run it as root (C(become)); the file is root's, and root's roles trust it.
"""

EXAMPLES = r"""
- name: Remember the default target to put back later
  vramfree.webui.state_file:
    section: headless
    values:
      previous_default_target: graphical.target

- name: Forget it once put back
  vramfree.webui.state_file:
    section: headless
    values:
      previous_default_target: null

- name: Forget everything the proxy role remembered
  vramfree.webui.state_file:
    section: proxy
    state: absent
"""

RETURN = r"""
state:
  description: The whole state after the change (what it would be, in check mode).
  returned: always
  type: dict
  sample: {"headless": {"previous_default_target": "graphical.target"}}
migrated:
  description: The earlier releases' files folded into O(path) and removed (that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/ansible/facts.d/vramfree_headless.fact]
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vramfree.webui.plugins.module_utils import _state_file


def write(module, path, text):
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o755)
    try:
        fd, temporary = tempfile.mkstemp(prefix=".vramfree-", dir=folder)
    except OSError as exc:
        module.fail_json(msg="cannot write in %s: %s" % (folder, exc))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        module.atomic_move(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            section=dict(type="str", required=True),
            values=dict(type="dict", default={}),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            path=dict(type="path", default=_state_file.PATH),
        ),
        supports_check_mode=True,
    )
    params = module.params
    path = params["path"]
    try:
        before, legacy = _state_file.read(path=path)
        after = _state_file.update(before, params["section"], params["values"], forget=params["state"] == "absent")
    except _state_file.StateFileError as exc:
        module.fail_json(msg=str(exc))
    old_text = _state_file.read_text(path)
    new_text = _state_file.render(after)
    changed = new_text != old_text or bool(legacy)
    if changed and not module.check_mode:
        if new_text is None:
            if old_text is not None:
                os.unlink(path)
        else:
            write(module, path, new_text)
        for old in legacy:
            os.unlink(old)
    diff = dict(
        before_header=path,
        after_header=path,
        before=old_text or "",
        after=new_text or "",
    )
    module.exit_json(changed=changed, state=after, migrated=legacy, diff=diff)


if __name__ == "__main__":
    main()
