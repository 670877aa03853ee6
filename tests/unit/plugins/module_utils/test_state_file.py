# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state file's pure layer: sections set and forgotten, earlier releases' files
folded in (the file written by this release wins), bad files named."""

from __future__ import annotations

import json

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _state_file

ROOT = "/srv/host"
PATH = ROOT + "/etc/ansible/facts.d/vramfree.fact"


class Host:
    def __init__(self, files):
        self.files = {ROOT + path: text for path, text in files.items()}

    def read(self, **kwargs):
        return _state_file.read(self.files.get, self.listdir, PATH, ROOT, **kwargs)

    def listdir(self, folder):
        return [path[len(folder) + 1 :] for path in self.files if path.startswith(folder + "/")]


BENCHMARK = {"version": 1, "tuned": {"mode": "medvram", "free_mib": 3300}}


def test_a_host_without_any_file_remembers_nothing():
    assert Host({}).read() == ({}, [])


def test_earlier_releases_files_are_read_into_their_sections():
    host = Host(
        {
            "/etc/ansible/facts.d/vramfree_headless.fact": json.dumps({"previous_default_target": "graphical.target"}),
            "/etc/ansible/facts.d/vramfree_headless_units.fact": json.dumps({"disabled_units": ["sunshine.service"]}),
            "/etc/ansible/facts.d/vramfree_proxy_firewall.fact": json.dumps(
                {"rules": [{"firewall": "ufw", "port": 7861, "source": "10.0.0.0/8"}]}
            ),
            "/var/lib/vramfree/benchmark-webui.service.json": json.dumps(BENCHMARK),
            "/var/lib/vramfree/benchmark-comfy@2.service.json": json.dumps(BENCHMARK),
            # Not one of ours: neither read nor removed.
            "/var/lib/vramfree/notes.json": "{}",
        }
    )
    state, legacy = host.read()
    assert state == {
        "headless": {"previous_default_target": "graphical.target", "disabled_units": ["sunshine.service"]},
        "proxy": {"firewall_rules": [{"firewall": "ufw", "port": 7861, "source": "10.0.0.0/8"}]},
        "benchmark": {"webui.service": BENCHMARK, "comfy@2.service": BENCHMARK},
    }
    assert sorted(legacy) == sorted(path for path in host.files if not path.endswith("notes.json"))


def test_the_state_file_wins_over_an_earlier_releases_file():
    host = Host(
        {
            "/etc/ansible/facts.d/vramfree.fact": json.dumps({"headless": {"previous_default_target": "kiosk.target"}}),
            "/etc/ansible/facts.d/vramfree_headless.fact": json.dumps({"previous_default_target": "graphical.target"}),
        }
    )
    assert host.read()[0] == {"headless": {"previous_default_target": "kiosk.target"}}


def test_an_earlier_file_cut_short_holds_nothing_but_is_still_migrated():
    host = Host({"/etc/ansible/facts.d/vramfree_headless.fact": '{"previous_default'})
    assert host.read() == ({}, [ROOT + "/etc/ansible/facts.d/vramfree_headless.fact"])


@pytest.mark.parametrize("text", ['{"headless": ', "[]", '{"headless": ["graphical.target"]}'])
def test_a_state_file_that_is_not_ours_is_an_error_that_says_what_to_do(text):
    with pytest.raises(_state_file.StateFileError, match="vramfree.fact is not .*move it away"):
        Host({"/etc/ansible/facts.d/vramfree.fact": text}).read()


def test_update_sets_and_forgets_keys_and_drops_an_empty_section():
    state = {"headless": {"previous_default_target": "graphical.target"}, "proxy": {"firewall_rules": []}}
    new = _state_file.update(state, "headless", {"disabled_units": ["a.service"]})
    assert new["headless"] == {"previous_default_target": "graphical.target", "disabled_units": ["a.service"]}
    assert state["headless"] == {"previous_default_target": "graphical.target"}, "the input is not changed"
    assert _state_file.update(state, "headless", {"previous_default_target": None}) == {"proxy": {"firewall_rules": []}}
    assert _state_file.update(state, "proxy", forget=True) == {"headless": state["headless"]}
    assert _state_file.update(state, "benchmark", {}) == state


@pytest.mark.parametrize("section, values", [("", {}), (None, {}), ("headless", ["x"])])
def test_update_refuses_what_is_not_a_section_and_its_values(section, values):
    with pytest.raises(_state_file.StateFileError):
        _state_file.update({}, section, values)


def test_render_is_stable_and_empty_means_no_file():
    text = _state_file.render({"proxy": {"b": 1, "a": 2}, "headless": {"x": "y"}})
    assert text == _state_file.render(json.loads(text))
    assert text.index('"headless"') < text.index('"proxy"') and text.endswith("}\n")
    assert _state_file.render({}) is None
