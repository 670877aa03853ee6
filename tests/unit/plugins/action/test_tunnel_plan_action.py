# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tunnel_plan action: inventory names in, each host's entry from its own variables."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.vramfree.webui.plugins.action.tunnel_plan import ActionModule


@pytest.fixture
def hostvars(tmp_path):
    """Ansible's own hostvars, from an inventory that names the laptop too."""
    inventory_file = tmp_path / "hosts.yml"
    inventory_file.write_text(
        "all:\n"
        "  hosts:\n"
        "    localhost: {ansible_connection: local}\n"
        "    sd-970: {ansible_host: 10.0.0.5, ansible_user: me, ansible_port: 2222, webui_port: 7870}\n"
        "    sd-1060: {tunnel_local_port: 17860, webui_listen: '::1'}\n",
        encoding="utf-8",
    )
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(inventory_file)])
    return HostVars(
        inventory=inventory, variable_manager=VariableManager(loader=loader, inventory=inventory), loader=loader
    )


def run(hostvars, args, check_mode=False):
    task = MagicMock(args=args, check_mode=check_mode, diff=False, async_val=0, action="vramfree.webui.tunnel_plan")
    action = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    return action.run(task_vars={"hostvars": hostvars})


@pytest.mark.parametrize("check_mode", [False, True])
def test_one_entry_per_host_from_its_variables_in_order(hostvars, check_mode):
    result = run(hostvars, {"hosts": ["localhost", "sd-970", "sd-1060"], "first_port": "17860"}, check_mode)
    assert result["changed"] is False
    assert result["block"].splitlines() == [
        "Host sd-970-webui",
        "    HostName 10.0.0.5",
        "    User me",
        "    Port 2222",
        "    LocalForward 127.0.0.1:17861 127.0.0.1:7870",
        "    ExitOnForwardFailure yes",
        "Host sd-1060-webui",
        "    HostName sd-1060",
        "    LocalForward 127.0.0.1:17860 [::1]:7860",
        "    ExitOnForwardFailure yes",
    ]
    assert result["lines"] == [
        "ssh -N sd-970-webui   ->  http://127.0.0.1:17861/",
        "ssh -N sd-1060-webui   ->  http://127.0.0.1:17860/",
    ]
    assert [h["alias"] for h in result["hosts"]] == ["sd-970-webui", "sd-1060-webui"]


def test_the_laptop_alone_is_no_host(hostvars):
    assert run(hostvars, {"hosts": ["localhost"]})["hosts"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        ({}, "missing required arguments: hosts"),
        ({"hosts": ["sd-970"], "first_port": "high"}, "tunnel_plan: tunnel_first_port must be a TCP port number"),
        ({"hosts": ["nowhere"]}, "tunnel_plan: nowhere is not a host of the inventory"),
    ],
)
def test_refused(hostvars, args, message):
    with pytest.raises(AnsibleActionFail, match=message):
        run(hostvars, args)
