# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The proxy_plan action: one host_state call (here a stand-in for _execute_module), then
the plan; a refusal fails the task and no password is ever in the result."""

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.vramfree.webui.plugins.action.proxy_plan import ActionModule
from ansible_collections.vramfree.webui.plugins.plugin_utils import _proxy

SITE = "/etc/nginx/conf.d/vramfree-webui.conf"
UNIT_FILE = "/etc/systemd/system/vramfree-proxy-socat.service"
KINDS = {
    "none": dict(_proxy.KINDS["none"], paths=[], kept_paths=[], units=[], reload=[]),
    "socat": dict(_proxy.KINDS["socat"], paths=[UNIT_FILE], kept_paths=[], units=["x.service"], reload=[]),
    "nginx": dict(_proxy.KINDS["nginx"], paths=[SITE], kept_paths=[], units=[], reload=[]),
}
FACT = "/tmp/elsewhere/vramfree.fact"
SECRET = "hunter2-proxy-secret"


def run(args, answer):
    base = dict(kind="nginx", kinds=KINDS, upstream="127.0.0.1:7860", state_file=FACT, allow=["10.0.0.0/8"])
    task = MagicMock(
        args=dict(base, **args), check_mode=True, diff=False, async_val=0, action="vramfree.webui.proxy_plan"
    )
    action = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    calls = []

    def execute_module(module_name, module_args, task_vars):
        calls.append((module_name, module_args))
        return answer

    action._execute_module = execute_module
    action._remove_tmp_path = lambda path: None
    return action.run(task_vars={}), calls


HOST = dict(exists=[UNIT_FILE], remembered={}, firewalls=["ufw"], listening=["127.0.0.1:7860"])


def test_one_round_trip_asks_for_everything_the_plan_needs():
    result, calls = run({"auth_users": [{"name": "me", "password": SECRET}]}, HOST)
    assert calls == [
        (
            "vramfree.webui.host_state",
            dict(paths=[UNIT_FILE, SITE], remembered=True, state_file=FACT, firewalls=True, port=7860),
        )
    ]
    assert result.get("failed", False) is False and result["changed"] is False
    assert result["leftovers"] == dict(paths=[UNIT_FILE], units=["x.service"], reload=[])
    assert result["auth"] == ["me"] and result["firewalls"] == ["ufw"]
    assert SECRET not in json.dumps(result)


def test_without_a_proxy_the_web_uis_port_is_not_looked_at():
    _result, calls = run({"kind": "none"}, HOST)
    assert calls[0][1]["port"] is None


def test_a_refusal_fails_the_task_with_its_message():
    result, _calls = run({"allow": []}, HOST)
    assert result["failed"] is True
    assert result["msg"].startswith("proxy_kind nginx refused, nothing was changed: ")
    assert "proxy_allow_public: true" in result["msg"]


@pytest.mark.parametrize(
    "args, answer, message",
    [
        ({"upstream": "localhost"}, HOST, "proxy_plan: proxy_upstream must be host:port"),
        ({}, {"failed": True, "msg": "ss failed"}, "proxy_plan: reading the host failed: ss failed"),
    ],
)
def test_errors_name_their_cause(args, answer, message):
    result, _calls = run(args, answer)
    assert result["failed"] is True and result["msg"].startswith(message)
