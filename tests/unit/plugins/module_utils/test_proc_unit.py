# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The systemd unit of a VRAM holder, from /proc/PID/cgroup texts of real hosts."""

from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _proc_unit

# cgroup v1 (Debian 10/11 default, and containers on such hosts): one line per hierarchy.
V1_IN_CONTAINER = """12:pids:/docker/4f1c/system.slice/webui.service
11:memory:/docker/4f1c/system.slice/webui.service
1:name=systemd:/docker/4f1c/system.slice/webui.service
0::/docker/4f1c/system.slice/webui.service
"""


@pytest.mark.parametrize(
    "text, unit",
    [
        ("0::/system.slice/webui.service\n", "webui.service"),
        ("0::/user.slice/user-1000.slice/session-2.scope\n", "session-2.scope"),
        ("0::/system.slice/webui.service/worker\n", "webui.service"),
        (V1_IN_CONTAINER, "webui.service"),
        ("4:memory:/system.slice/nginx.service\n1:name=systemd:/system.slice/gdm.service\n", "gdm.service"),
        ("0::/\n", None),
        ("0::/init.scope\n", "init.scope"),
        ("garbage\n", None),
        ("", None),
    ],
)
def test_unit_from_cgroup(text, unit):
    assert _proc_unit.unit_from_cgroup(text) == unit


@pytest.mark.parametrize("pid", [999999999, "x", None])
def test_unit_of_a_missing_or_bad_pid_is_none(pid):
    assert _proc_unit.unit_of_pid(pid) is None


def test_annotate_units_adds_the_unit_to_every_process(tmp_path):
    for pid, cgroup in ((10, "0::/system.slice/display-manager.service\n"), (11, "0::/system.slice/webui.service\n")):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "cgroup").write_text(cgroup)
    facts = {"gpus": [{"processes": [{"pid": 10}, {"pid": 11}, {"pid": 12}]}, {"processes": []}, {}]}
    _proc_unit.annotate_units(facts, str(tmp_path))
    assert [p["unit"] for p in facts["gpus"][0]["processes"]] == ["display-manager.service", "webui.service", None]
