# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A controller with ansible-core alone: what it must install, and what it never needs.

Every module of another collection that a role or playbook calls must be declared in
galaxy.yml (ansible-galaxy then installs it with this collection), and may be called only
from a task file that a host loads when it needs that module: Ansible refuses to load a
task file naming a module it cannot resolve, even when every task in it is skipped.
"""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
OWN = ("ansible.builtin.", "vramfree.webui.")
# The only task files allowed to name other collections' modules, each loaded on a host
# only when that host runs the firewall it drives.
CONDITIONAL = {
    "roles/proxy/tasks/firewall_ufw.yml": "community.general",
    "roles/proxy/tasks/firewall_firewalld.yml": "ansible.posix",
}


def _task_files():
    for folder in ("roles", "playbooks"):
        for path in sorted((ROOT / folder).rglob("*.yml")):
            if "/tasks/" in path.as_posix() or folder == "playbooks":
                yield path


def _modules(node):
    """Every task's action key with a collection name (a.b.c), in blocks too."""
    if isinstance(node, list):
        for item in node:
            yield from _modules(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
                yield from _modules(value)
            elif isinstance(key, str) and re.fullmatch(r"[a-z_]+\.[a-z_]+\.[a-z_]+", key):
                yield key


def _foreign():
    found = {}
    for path in _task_files():
        for module in _modules(yaml.safe_load(path.read_text())):
            if not module.startswith(OWN):
                found.setdefault(path.relative_to(ROOT).as_posix(), set()).add(module)
    return found


def test_the_scan_finds_the_firewall_modules():
    # Without this the test below could pass on a scan that finds nothing.
    assert _foreign() == {
        "roles/proxy/tasks/firewall_ufw.yml": {"community.general.ufw"},
        "roles/proxy/tasks/firewall_firewalld.yml": {"ansible.posix.firewalld"},
    }


@pytest.mark.parametrize("path", sorted(CONDITIONAL))
def test_each_foreign_collection_is_declared_in_galaxy_yml(path):
    declared = yaml.safe_load((ROOT / "galaxy.yml").read_text())["dependencies"] or {}
    for module in _foreign()[path]:
        collection = module.rsplit(".", 1)[0]
        assert collection == CONDITIONAL[path]
        assert collection in declared, "%s uses %s, which galaxy.yml does not declare" % (path, module)


def test_firewall_files_are_loaded_only_for_the_firewalls_in_play():
    firewall = yaml.safe_load((ROOT / "roles/proxy/tasks/firewall.yml").read_text())
    includes = [task for task in firewall if "ansible.builtin.include_tasks" in task]
    assert len(includes) == 1
    include = includes[0]
    assert include["ansible.builtin.include_tasks"]["file"] == "firewall_{{ item }}.yml"
    # The loop is over the firewalls the plan names, nothing else.
    assert "map(attribute='firewall')" in include["loop"]
    main = yaml.safe_load((ROOT / "roles/proxy/tasks/main.yml").read_text())
    (firewall_include,) = [t for t in main if t.get("ansible.builtin.include_tasks", {}).get("file") == "firewall.yml"]
    assert "__proxy_plan.firewalls" in firewall_include["when"]
