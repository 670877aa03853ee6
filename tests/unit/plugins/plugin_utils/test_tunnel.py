# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The laptop's ssh config entries for the tunnels to the web UIs."""

from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils._tunnel import TunnelError, tunnel_plan


def test_a_fleet_gets_one_entry_and_one_local_port_each():
    plan = tunnel_plan(
        [
            dict(name="sd-970", address="192.168.1.50", user="me", port=22, key="~/.ssh/id_ed25519"),
            # An explicit port is kept, and the others step around it.
            dict(name="sd-1070", address="192.168.1.51", local_port=7861, remote_port=7861),
            dict(name="sd-comfy", remote_port=8188, listen="0.0.0.0"),
        ]
    )
    assert plan["block"].splitlines() == [
        "Host sd-970-webui",
        "    HostName 192.168.1.50",
        "    User me",
        "    Port 22",
        "    IdentityFile ~/.ssh/id_ed25519",
        "    LocalForward 127.0.0.1:7860 127.0.0.1:7860",
        "    ExitOnForwardFailure yes",
        "Host sd-1070-webui",
        "    HostName 192.168.1.51",
        "    LocalForward 127.0.0.1:7861 127.0.0.1:7861",
        "    ExitOnForwardFailure yes",
        "Host sd-comfy-webui",
        "    HostName sd-comfy",
        "    LocalForward 127.0.0.1:7862 127.0.0.1:8188",
        "    ExitOnForwardFailure yes",
    ]
    assert [(h["alias"], h["local_port"], h["url"], h["command"], h["target"]) for h in plan["hosts"]] == [
        ("sd-970-webui", 7860, "http://127.0.0.1:7860/", "ssh -N sd-970-webui", "127.0.0.1:7860"),
        ("sd-1070-webui", 7861, "http://127.0.0.1:7861/", "ssh -N sd-1070-webui", "127.0.0.1:7861"),
        ("sd-comfy-webui", 7862, "http://127.0.0.1:7862/", "ssh -N sd-comfy-webui", "127.0.0.1:8188"),
    ]


def test_an_explicit_port_later_in_the_list_is_not_given_out_first():
    plan = tunnel_plan([dict(name="a"), dict(name="b", local_port="7860")], first_port=7860)
    assert [h["local_port"] for h in plan["hosts"]] == [7861, 7860]


def test_a_ui_bound_to_one_address_is_reached_there_and_blanks_are_quoted():
    plan = tunnel_plan([dict(name="a", listen="::1", key="/home/me/my keys/id", remote_port="7860")])
    assert "    IdentityFile \"/home/me/my keys/id\"" in plan["block"].splitlines()
    assert "    LocalForward 127.0.0.1:7860 [::1]:7860" in plan["block"].splitlines()


@pytest.mark.parametrize(
    "hosts, message",
    [
        ([dict(name="a", local_port=7000), dict(name="b", local_port=7000)], "given to both a and b"),
        ([dict(name="web*")], "cannot be an ssh Host alias"),
        ([dict(name="a b")], "cannot be an ssh Host alias"),
        # A name that YAML carries with a line break would write a ProxyCommand line of
        # its own, and a plain `ssh sd` would run it.
        (
            [dict(name="sd\nProxyCommand=touch /tmp/owned")],
            r"'sd\\nProxyCommand=touch /tmp/owned'.*control character '\\n'",
        ),
        ([dict(name="sd\rx")], "control character"),
        ([dict(name="sd\x1bx")], "control character"),
        ([dict(name="sd\u2028x")], "control character"),
        ([dict(name="sd\tx")], "control character"),
        ([dict(name="")], "without an inventory name"),
        ([dict(name="a", address="10.0.0.1\nProxyCommand evil")], "cannot be written into an ssh config"),
        ([dict(name="a", local_port=70000)], "1-65535"),
        ([dict(name="a", port="ssh")], "must be a TCP port number"),
        ([dict(name="a", local_port=True)], "must be a TCP port number"),
        ("a", "expected a list"),
    ],
)
def test_refused(hosts, message):
    with pytest.raises(TunnelError, match=message):
        tunnel_plan(hosts)


def test_the_entry_comes_from_the_inventory_variables():
    from ansible_collections.vramfree.webui.plugins.plugin_utils._tunnel import host_entry

    assert host_entry(
        {
            "inventory_hostname": "sd-970",
            "ansible_host": "10.0.0.5",
            "ansible_user": "me",
            "ansible_port": 2222,
            "ansible_private_key_file": "/k",
            "ansible_ssh_private_key_file": "",
            "webui_port": 7870,
            "other": 1,
        }
    ) == dict(
        name="sd-970",
        address="10.0.0.5",
        user="me",
        port=2222,
        key="/k",
        local_port=None,
        remote_port=7870,
        listen=None,
    )


def test_the_fleet_plan_reads_each_hosts_variables_and_leaves_the_laptop_out():
    from ansible_collections.vramfree.webui.plugins.plugin_utils._tunnel import fleet_plan

    hostvars = {
        "localhost": {"inventory_hostname": "localhost"},
        "sd-970": {"inventory_hostname": "sd-970", "ansible_host": "10.0.0.5", "tunnel_local_port": 7861},
        "sd-1060": {"inventory_hostname": "sd-1060", "ansible_user": "me", "webui_port": 8188},
    }
    plan = fleet_plan(hostvars, ["sd-970", "localhost", "sd-1060"], "7861")
    assert [h["name"] for h in plan["hosts"]] == ["sd-970", "sd-1060"]
    assert plan["lines"] == [
        "ssh -N sd-970-webui   ->  http://127.0.0.1:7861/",
        "ssh -N sd-1060-webui   ->  http://127.0.0.1:7862/",
    ]
    assert "Host localhost-webui" not in plan["block"]
    assert "    LocalForward 127.0.0.1:7862 127.0.0.1:8188" in plan["block"].splitlines()
    assert fleet_plan(hostvars, ["localhost"]) == {"hosts": [], "block": "", "lines": []}


@pytest.mark.parametrize(
    "names, message",
    [("sd-970", "expected a list of inventory host names, got str"), (["gone"], "gone is not a host of the inventory")],
)
def test_the_fleet_plan_refuses_what_is_not_a_list_of_inventory_hosts(names, message):
    from ansible_collections.vramfree.webui.plugins.plugin_utils._tunnel import fleet_plan

    with pytest.raises(TunnelError, match=message):
        fleet_plan({"sd-970": {"inventory_hostname": "sd-970"}}, names)
