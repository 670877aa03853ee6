# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state_file module on real files (under a temporary root): it writes the file
whole with mode 0644, moves earlier releases' files into it, removes a file left empty,
and in check mode reports the same change and touches nothing."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _state_file
from ansible_collections.vramfree.webui.plugins.modules import state_file


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setattr(_state_file, "ROOT", str(tmp_path))
    return tmp_path


def snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_remember_creates_the_file_and_its_folder_then_changes_nothing(root, run_module):
    path = root / "etc/ansible/facts.d/vramfree.fact"
    args = dict(path=str(path), section="headless", values={"previous_default_target": "graphical.target"})
    first = run_module(state_file.main, args).result
    assert first["changed"] is True
    assert json.loads(path.read_text()) == {"headless": {"previous_default_target": "graphical.target"}}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert os.listdir(path.parent) == ["vramfree.fact"], "no temporary file is left behind"
    again = run_module(state_file.main, args).result
    assert again["changed"] is False and again["migrated"] == []


def test_other_sections_are_kept_byte_for_byte_in_their_meaning(root, run_module):
    path = root / "vramfree.fact"
    path.write_text(json.dumps({"proxy": {"firewall_rules": [{"firewall": "ufw", "port": 7861, "source": "::/0"}]}}))
    run_module(state_file.main, dict(path=str(path), section="benchmark", values={"webui.service": {"version": 1}}))
    assert json.loads(path.read_text()) == {
        "proxy": {"firewall_rules": [{"firewall": "ufw", "port": 7861, "source": "::/0"}]},
        "benchmark": {"webui.service": {"version": 1}},
    }


def test_forgetting_the_last_section_removes_the_file(root, run_module):
    path = root / "vramfree.fact"
    path.write_text(json.dumps({"headless": {"disabled_units": ["a.service"]}}))
    result = run_module(state_file.main, dict(path=str(path), section="headless", state="absent")).result
    assert result["changed"] is True and result["state"] == {} and not path.exists()
    assert (
        run_module(state_file.main, dict(path=str(path), section="headless", state="absent")).result["changed"] is False
    )


def legacy_host(root):
    facts = root / "etc/ansible/facts.d"
    facts.mkdir(parents=True)
    (facts / "vramfree_headless.fact").write_text(json.dumps({"previous_default_target": "graphical.target"}))
    (root / "var/lib/vramfree").mkdir(parents=True)
    (root / "var/lib/vramfree/benchmark-webui.service.json").write_text(json.dumps({"version": 1}))
    return facts / "vramfree.fact"


def test_a_write_moves_the_earlier_releases_files_into_the_state_file(root, run_module):
    path = legacy_host(root)
    args = dict(path=str(path), section="headless", values={"disabled_units": ["sunshine.service"]})
    result = run_module(state_file.main, args).result
    assert result["changed"] is True
    assert sorted(result["migrated"]) == sorted(
        [
            str(root / "etc/ansible/facts.d/vramfree_headless.fact"),
            str(root / "var/lib/vramfree/benchmark-webui.service.json"),
        ]
    )
    assert json.loads(path.read_text()) == {
        "headless": {"previous_default_target": "graphical.target", "disabled_units": ["sunshine.service"]},
        "benchmark": {"webui.service": {"version": 1}},
    }
    assert sorted(snapshot(root)) == ["etc/ansible/facts.d/vramfree.fact"]


def test_check_mode_reports_the_migration_and_the_diff_and_touches_nothing(root, run_module):
    path = legacy_host(root)
    before = snapshot(root)
    args = dict(path=str(path), section="headless", state="absent", _ansible_check_mode=True, _ansible_diff=True)
    result = run_module(state_file.main, args).result
    assert result["changed"] is True and len(result["migrated"]) == 2
    assert result["state"] == {"benchmark": {"webui.service": {"version": 1}}}
    assert result["diff"]["before"] == "" and json.loads(result["diff"]["after"]) == result["state"]
    assert snapshot(root) == before


def test_a_state_file_that_is_not_ours_fails_and_is_left_as_it_is(root, run_module):
    path = root / "vramfree.fact"
    path.write_text("not json\n")
    result = run_module(state_file.main, dict(path=str(path), section="proxy", state="absent"), fails=True).result
    assert "is not the JSON the roles wrote" in result["msg"] and "move it away" in result["msg"]
    assert path.read_text() == "not json\n"
