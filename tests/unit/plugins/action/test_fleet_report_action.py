# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet_report action: the play's hosts' variables in, the report folder and the
summary out, on the controller."""

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.vramfree.webui.plugins.action.fleet_report import ActionModule

GPU = {
    "index": 0,
    "name": "NVIDIA GeForce GTX 970",
    "memory_total_mib": 4096,
    "memory_used_mib": 1,
    "memory_free_mib": 4029,
    "processes_supported": True,
    "processes": [],
}
WEBUI = {"ui": "a1111", "configured": True, "gpu": 0, "memory_mode": "none", "url": "http://127.0.0.1:7860/"}
LOST_ON = "vramfree.webui.webui : Ask systemd about the web UI's unit"


@pytest.fixture
def hostvars(tmp_path):
    """Ansible's own hostvars for three hosts as site leaves them: one done, one rescued,
    one lost (the fleet strategy recorded its task)."""
    inventory_file = tmp_path / "hosts.ini"
    inventory_file.write_text("sd-970\nbroken\nfrozen\n", encoding="utf-8")
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(inventory_file)])
    variables = VariableManager(loader=loader, inventory=inventory)
    variables.set_nonpersistent_facts(
        "sd-970",
        {
            "vramfree_vram_before": {"backend": "nvml", "gpus": [GPU]},
            "vramfree_vram_after": {"backend": "nvml", "gpus": [GPU]},
            "vramfree_desktop_stopped": True,
            "webui_result": WEBUI,
        },
    )
    variables.set_nonpersistent_facts("broken", {"vramfree_failure": {"task": "t", "msg": "boom"}})
    variables.set_nonpersistent_facts(
        "frozen", {"vramfree_desktop_stopped": True, "vramfree_unreachable_task": LOST_ON}
    )
    return HostVars(inventory=inventory, variable_manager=variables, loader=loader)


def run(hostvars, args, check_mode=False, diff=False, reached=("sd-970", "broken")):
    task = MagicMock(args=args, check_mode=check_mode, diff=diff, async_val=0, action="vramfree.webui.fleet_report")
    action = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    task_vars = {
        "hostvars": hostvars,
        "ansible_play_hosts_all": ["sd-970", "broken", "frozen"],
        "ansible_play_hosts": list(reached),
    }
    return action.run(task_vars=task_vars)


def test_the_report_is_written_and_returned_with_the_lines_to_print(hostvars, tmp_path):
    folder = tmp_path / "report"
    result = run(hostvars, {"report_dir": str(folder)})
    assert (result["changed"], result["report_dir"], result["written"]) == (
        True,
        str(folder),
        ["report.json", "report.md", "report.html"],
    )
    report = result["report"]
    assert json.loads((folder / "report.json").read_text(encoding="utf-8")) == report
    assert report["failed"] == ["broken", "frozen"]
    assert report["hosts"]["sd-970"]["webui"]["url"] == "http://127.0.0.1:7860/"
    assert report["hosts"]["frozen"]["failure"]["task"] == LOST_ON
    assert "- **frozen**: unreachable: the host stopped answering after the desktop step" in (
        folder / "report.md"
    ).read_text(encoding="utf-8")
    lines = result["lines"]
    assert lines[lines.index("Web UIs:") + 4] == "sd-970  a1111  0    none (no memory flag)  http://127.0.0.1:7860/"
    assert lines[lines.index("Failed:") + 1 :] == [
        "broken: boom (task: t)",
        "frozen: unreachable: the host stopped answering after the desktop step; run site again once it is back"
        " (task: %s)" % LOST_ON,
    ]
    assert "diff" not in result
    # Nothing new to say: nothing rewritten.
    again = run(hostvars, {"report_dir": str(folder)}, diff=True)
    assert (again["changed"], again["written"], again["diff"]) == (False, [], [])


def test_the_benchmark_in_the_folder_goes_into_the_report(hostvars, tmp_path):
    bench = {"hosts": {"sd-970": {"status": "not_benchmarkable", "reason": "no --api"}}}
    (tmp_path / "benchmark.json").write_text(json.dumps(bench), encoding="utf-8")
    result = run(hostvars, {"report_dir": str(tmp_path), "webui": False})
    assert result["report"]["hosts"]["sd-970"]["benchmark"] == bench["hosts"]["sd-970"]
    assert "Web UIs:" not in result["lines"]


def test_the_default_folder_is_in_the_working_folder(hostvars, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(hostvars, {})["report_dir"] == str(tmp_path / "vramfree-report")
    assert (tmp_path / "vramfree-report" / "report.html").is_file()


def test_check_mode_writes_nothing_and_diff_says_what_it_would(hostvars, tmp_path):
    folder = tmp_path / "report"
    result = run(hostvars, {"report_dir": str(folder)}, check_mode=True, diff=True)
    assert result["changed"] is True and not folder.exists()
    assert [d.get("after_header") for d in result["diff"]] == [None] + [
        str(folder / name) for name in ("report.json", "report.md", "report.html")
    ]
    assert result["diff"][1]["after"] == json.dumps(result["report"], indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"report_dir": "x", "other": 1}, "Unsupported parameters"),
        ({"webui": "maybe"}, "webui"),
    ],
)
def test_bad_arguments_are_refused(hostvars, args, message):
    with pytest.raises(AnsibleActionFail, match=message):
        run(hostvars, args)


def test_a_report_that_cannot_be_written_fails_naming_the_folder(hostvars, tmp_path):
    (tmp_path / "report").write_text("", encoding="utf-8")
    with pytest.raises(AnsibleActionFail, match="fleet_report: %s is not a folder" % (tmp_path / "report")):
        run(hostvars, {"report_dir": str(tmp_path / "report")})
    (tmp_path / "benchmark.json").write_text("{", encoding="utf-8")
    with pytest.raises(AnsibleActionFail, match="benchmark.json in %s is not JSON" % tmp_path):
        run(hostvars, {"report_dir": str(tmp_path)})
