# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every task that waits on something outside Ansible has a time limit.

A box whose GPU driver wedges still answers SSH, but the commands that touch the driver
or systemd may never return (systemctl waiting on a unit stuck in its stop, a package
lock, a git remote that stopped answering). Without a ``timeout`` such a task holds its
host, and under the linear strategy the whole fleet, for ever. SSH keepalives (ansible.cfg)
cover the host that stops answering altogether; this covers the one that answers but
whose command does not.
"""

from __future__ import annotations

import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]

# Modules that run a command, talk to systemd, a package manager, a firewall daemon or a
# remote: each can block. File, template, copy, set_fact, assert, wait_for and uri (each
# with a timeout of its own) and the collection's own modules (which bound their
# commands in Python, module_utils/_command.py) cannot.
WAITING = {
    "ansible.builtin.command",
    "ansible.builtin.shell",
    "ansible.builtin.systemd_service",
    "ansible.builtin.systemd",
    "ansible.builtin.service",
    "ansible.builtin.package",
    "ansible.builtin.apt",
    "ansible.builtin.git",
    "ansible.builtin.pip",
    "community.general.ufw",
    "ansible.posix.firewalld",
}


def _task_files():
    for folder in ("roles", "playbooks"):
        for path in sorted((ROOT / folder).rglob("*.yml")):
            parts = path.relative_to(ROOT).parts
            if "tasks" in parts or "handlers" in parts or (folder == "playbooks" and len(parts) == 2):
                yield path


def _unbounded(node, bounded=False, where=""):
    """Names of the tasks under ``node`` that run a WAITING module with no ``timeout``
    of their own nor from an enclosing block or play."""
    if isinstance(node, list):
        for item in node:
            yield from _unbounded(item, bounded, where)
        return
    if not isinstance(node, dict):
        return
    bounded = bounded or bool(node.get("timeout"))
    for key in ("tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"):
        if key in node:
            yield from _unbounded(node[key], bounded, where)
    if not bounded and WAITING.intersection(node):
        yield "%s: %s" % (where, node.get("name", sorted(WAITING.intersection(node))[0]))


def test_the_scan_sees_the_task_files_and_the_modules_it_looks_for():
    files = [p.relative_to(ROOT).as_posix() for p in _task_files()]
    # The files whose tasks wait the longest are among those scanned.
    for expected in ("roles/webui/tasks/wait.yml", "roles/headless/tasks/stop.yml", "playbooks/site.yml"):
        assert expected in files
    used = set()

    def collect(node):
        if isinstance(node, list):
            for item in node:
                collect(item)
        elif isinstance(node, dict):
            used.update(WAITING.intersection(node))
            for value in node.values():
                collect(value)

    for path in _task_files():
        collect(yaml.safe_load(path.read_text(encoding="utf-8")))
    # If the roles stop using these, the list above is stale and this test proves less.
    assert {"ansible.builtin.command", "ansible.builtin.shell", "ansible.builtin.systemd_service"} <= used


def test_unbounded_is_found_in_a_block_without_a_limit_and_not_under_one():
    tasks = [
        {"name": "bounded", "block": [{"name": "inner", "ansible.builtin.command": "x"}], "timeout": 5},
        {"name": "free", "block": [{"name": "waits", "ansible.builtin.shell": "y"}]},
        {"name": "own", "ansible.builtin.git": {}, "timeout": 9},
    ]
    assert list(_unbounded(tasks, where="f")) == ["f: waits"]


@pytest.mark.parametrize("path", list(_task_files()), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_task_that_can_block_has_a_time_limit(path):
    where = path.relative_to(ROOT).as_posix()
    assert list(_unbounded(yaml.safe_load(path.read_text(encoding="utf-8")), where=where)) == []
