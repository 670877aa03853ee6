# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""systemctl show's answers as Debian 12's systemd 252 prints them, and the host_state
gather over recorded command answers."""

from __future__ import annotations

import json

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _host_state, _systemctl

GDM_AND_MULTI_USER = """Id=gdm.service
LoadState=loaded
ActiveState=active
UnitFileState=enabled
FragmentPath=/lib/systemd/system/gdm.service

Id=multi-user.target
LoadState=loaded
ActiveState=active
UnitFileState=static
FragmentPath=/lib/systemd/system/multi-user.target
"""

# No display manager: systemd still answers for the alias, with no file behind it.
NOT_FOUND = """Id=display-manager.service
LoadState=not-found
ActiveState=inactive
UnitFileState=
FragmentPath=
"""


def test_the_command_asks_for_the_properties_of_each_unit_in_order():
    assert _systemctl.show_argv(["display-manager.service", "multi-user.target"]) == [
        "systemctl",
        "show",
        "--property=Id,LoadState,ActiveState,UnitFileState,FragmentPath",
        "--",
        "display-manager.service",
        "multi-user.target",
    ]


@pytest.mark.parametrize("unit", ["", "--all", "a b.service", None])
def test_what_is_no_unit_name_is_refused(unit):
    with pytest.raises(_systemctl.SystemctlError, match="is not a unit name"):
        _systemctl.show_argv([unit])


def test_each_block_belongs_to_the_unit_asked_in_its_place():
    units = _systemctl.parse_show(GDM_AND_MULTI_USER, ["display-manager.service", "multi-user.target"])
    assert units["display-manager.service"]["Id"] == "gdm.service"
    assert units["multi-user.target"] == {
        "Id": "multi-user.target",
        "LoadState": "loaded",
        "ActiveState": "active",
        "UnitFileState": "static",
        "FragmentPath": "/lib/systemd/system/multi-user.target",
    }


def test_an_unknown_unit_answers_with_empty_values():
    (state,) = _systemctl.parse_show(NOT_FOUND, ["display-manager.service"]).values()
    assert (state["LoadState"], state["FragmentPath"]) == ("not-found", "")


def test_a_property_systemd_leaves_out_is_an_empty_string():
    (state,) = _systemctl.parse_show("Id=x.service\nLoadState=masked\n", ["x.service"]).values()
    assert state == dict(Id="x.service", LoadState="masked", ActiveState="", UnitFileState="", FragmentPath="")


def test_a_value_keeps_its_own_equals_signs():
    blocks = _systemctl.parse_blocks("Id=webui.service\nEnvironment=A=1 B=2\n")
    assert blocks == [{"Id": "webui.service", "Environment": "A=1 B=2"}]


@pytest.mark.parametrize(
    "text, units, message",
    [
        (NOT_FOUND, ["a.service", "b.service"], "answered 1 unit\\(s\\) for the 2 asked"),
        ("Failed to connect to bus\n", ["a.service"], "not a property line"),
    ],
)
def test_an_answer_that_does_not_fit_the_question_is_an_error(text, units, message):
    with pytest.raises(_systemctl.SystemctlError, match=message):
        _systemctl.parse_show(text, units)


class Host:
    """Recorded answers per command line; files and paths as dicts."""

    def __init__(self, answers, files=None, programs=("systemctl", "ss")):
        self.answers = answers
        self.files = files or {}
        self.programs = programs
        self.ran = []

    def run(self, argv):
        self.ran.append(argv)
        return self.answers[" ".join(argv)]

    def gather(self, **kwargs):
        return _host_state.gather(
            self.run,
            self.files.get,
            lambda path: path in self.files,
            lambda name: name in self.programs,
            listdir=self.listdir,
            **kwargs,
        )

    def listdir(self, folder):
        return [path[len(folder) + 1 :] for path in self.files if path.startswith(folder + "/")]


SHOW = " ".join(_systemctl.show_argv(["display-manager.service", "multi-user.target"]))
FACT = "/etc/ansible/facts.d/vramfree.fact"
LEGACY = "/etc/ansible/facts.d/vramfree_headless_units.fact"


def test_one_gather_answers_for_units_target_files_and_paths():
    host = Host(
        {SHOW: (0, GDM_AND_MULTI_USER, ""), "systemctl get-default": (0, "graphical.target\n", "")},
        files={
            FACT: json.dumps({"headless": {"previous_default_target": "graphical.target"}}),
            # An earlier release's file: read as part of the state.
            LEGACY: json.dumps({"disabled_units": ["sunshine.service"]}),
        },
    )
    state = host.gather(
        units=["display-manager.service", "multi-user.target"],
        default_target=True,
        remembered=FACT,
        paths=[FACT, "/etc/nginx/conf.d/vramfree-webui.conf"],
    )
    assert state["units"]["display-manager.service"]["Id"] == "gdm.service"
    assert state["known"] == ["display-manager.service", "multi-user.target"]
    assert state["default_target"] == "graphical.target"
    assert state["remembered"] == {
        "headless": {"previous_default_target": "graphical.target", "disabled_units": ["sunshine.service"]}
    }
    assert state["exists"] == [FACT]
    assert (state["firewalls"], state["listening"]) == (None, None)


def test_nothing_asked_runs_nothing():
    host = Host({})
    state = host.gather()
    assert (state["units"], state["remembered"], host.ran) == ({}, None, [])


def test_only_running_firewalls_count():
    host = Host(
        {"ufw status": (0, "Status: inactive\n", ""), "firewall-cmd --state": (0, "running\n", "")},
        programs=("ufw", "firewall-cmd"),
    )
    assert host.gather(firewalls=True)["firewalls"] == ["firewalld"]
    host = Host({"ufw status": (0, "Status: active\n\nTo  Action  From\n", "")}, programs=("ufw",))
    assert host.gather(firewalls=True)["firewalls"] == ["ufw"]


def test_the_listening_addresses_of_a_port():
    out = "LISTEN 0      2048       127.0.0.1:7860      0.0.0.0:*\nLISTEN 0      2048           [::1]:7860         [::]:*\n"
    host = Host({"ss -Hltn sport = :7860": (0, out, "")})
    assert host.gather(port=7860)["listening"] == ["127.0.0.1:7860", "[::1]:7860"]


@pytest.mark.parametrize(
    "answers, files, message",
    [
        ({"systemctl get-default": (1, "", "Failed to connect to bus")}, {}, "get-default failed"),
        ({}, {FACT: "{not json"}, "is not the JSON the roles wrote"),
    ],
)
def test_failures_name_what_failed(answers, files, message):
    host = Host(answers, files=files)
    with pytest.raises(_host_state.HostStateError, match=message):
        host.gather(default_target=bool(answers), remembered=FACT if files else None)


def test_known_units_leave_out_those_systemd_does_not_have():
    show = " ".join(_systemctl.show_argv(["display-manager.service", "sunshine.service"]))
    text = GDM_AND_MULTI_USER.split("\n\n", maxsplit=1)[0] + "\n\n" + NOT_FOUND.replace("display-manager", "sunshine")
    state = Host({show: (0, text, "")}).gather(units=["display-manager.service", "sunshine.service"])
    assert state["known"] == ["display-manager.service"]
    assert state["units"]["sunshine.service"]["LoadState"] == "not-found"
