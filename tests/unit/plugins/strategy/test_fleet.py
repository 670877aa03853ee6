# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet strategy: Mitogen's mix-in over linear where mitogen loads, linear alone where
it is missing or refuses to load. Each case imports the plugin afresh."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest
from ansible.errors import AnsibleError
from ansible.plugins.loader import strategy_loader

NAME = 'ansible_collections.vramfree.webui.plugins.strategy.fleet'
LINEAR = strategy_loader.get('linear', class_only=True)


@pytest.fixture
def fresh(monkeypatch):
    """Import the plugin again, with sys.modules restored afterwards."""
    for name in [n for n in sys.modules if n == NAME or n.startswith('ansible_mitogen')]:
        monkeypatch.delitem(sys.modules, name)

    def load():
        return importlib.import_module(NAME)

    yield load
    sys.modules.pop(NAME, None)


def test_as_installed_here_it_is_mitogens_linear_where_mitogen_is_and_linear_where_not(fresh):
    # requirements-dev.txt pins mitogen; the newest-core venv has none (scripts/compat.sh
    # checks that). Either way this test runs and says what the plugin must be.
    installed = importlib.util.find_spec('ansible_mitogen') is not None
    fleet = fresh()
    assert fleet.MITOGEN is installed
    if installed:
        mixin = importlib.import_module('ansible_mitogen.strategy').StrategyMixin
        assert fleet.StrategyModule.__bases__ == (fleet._NamesTheTaskAHostWasLostOn, mixin, LINEAR)
    else:
        assert fleet.StrategyModule.__bases__ == (fleet._NamesTheTaskAHostWasLostOn, LINEAR)


def test_without_mitogen_it_is_linear_and_says_nothing(fresh, monkeypatch, capsys):
    # None in sys.modules is Python's own "not installed": the import raises ImportError.
    monkeypatch.setitem(sys.modules, 'ansible_mitogen', None)
    monkeypatch.setitem(sys.modules, 'ansible_mitogen.strategy', None)
    fleet = fresh()
    assert fleet.MITOGEN is False
    assert fleet.StrategyModule.__bases__ == (fleet._NamesTheTaskAHostWasLostOn, LINEAR)
    assert 'Mitogen' not in capsys.readouterr().err


class _Refusing:
    """A meta path finder for a mitogen that refuses this ansible-core on import, as its
    version check does (AnsibleError from ansible_mitogen.loaders)."""

    def find_spec(self, name, path=None, target=None):  # pylint: disable=unused-argument
        if name == 'ansible_mitogen' or name.startswith('ansible_mitogen.'):
            raise AnsibleError('Your version of Ansible (2.9) is too old.')
        return None


def test_a_mitogen_that_refuses_to_load_gives_linear_and_a_warning(fresh, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'meta_path', [_Refusing()] + sys.meta_path)
    fleet = fresh()
    assert fleet.MITOGEN is False
    assert fleet.StrategyModule.__bases__ == (fleet._NamesTheTaskAHostWasLostOn, LINEAR)
    err = capsys.readouterr().err
    assert 'Mitogen is installed but cannot be used, running linear' in err and 'too old' in err


# The inventory's own ssh options, as the demo and a user with a jump host or another port
# give them: each one differs from what Mitogen derives from ansible.cfg (host key checking
# on, port 22).
INVENTORY_SSH_ARGS = [
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'Port=2222',
    '-o',
    'ServerAliveInterval=5',
]


def _mitogen_ssh_command(ssh_args):
    """The ssh command line Mitogen's own ssh connection builds for a host, as the
    fleet strategy leaves it, for a host_key_checking=True config and ansible_port 22."""
    import mitogen.master  # pylint: disable=import-outside-toplevel
    import mitogen.parent  # pylint: disable=import-outside-toplevel
    import mitogen.ssh  # pylint: disable=import-outside-toplevel

    broker = mitogen.master.Broker()
    try:
        router = mitogen.master.Router(broker)
        options = mitogen.ssh.Options(
            hostname='192.0.2.7',
            username='ansible',
            port=22,
            check_host_keys='enforce',
            ssh_args=list(ssh_args),
            python_path=['/usr/bin/python3'],
            max_message_size=1 << 20,
        )
        connection = mitogen.ssh.Connection(options, router)
        connection.context = mitogen.parent.Context(router, 7)
        argv = connection.get_boot_command()
    finally:
        broker.shutdown()
        broker.join()
    return argv[: argv.index('192.0.2.7') + 1]


def _ssh_reads(argv):
    """What the real ssh client makes of a command line: `ssh -G` prints the options it
    would use, without connecting."""
    out = subprocess.run(argv[:1] + ['-G'] + argv[1:], check=True, capture_output=True, text=True).stdout
    return dict(line.split(' ', 1) for line in out.splitlines() if ' ' in line)


def test_under_mitogen_the_inventorys_ssh_options_win_over_mitogens_own(fresh):
    if importlib.util.find_spec('mitogen') is None:
        # The newest-core venv: nothing to fix, and the plugin must not reach for Mitogen.
        fresh()
        assert 'mitogen.ssh' not in sys.modules
        return
    fresh()
    argv = _mitogen_ssh_command(INVENTORY_SSH_ARGS)
    # Right after the ssh executable, in the inventory's order, and only once.
    assert argv[1 : 1 + len(INVENTORY_SSH_ARGS)] == INVENTORY_SSH_ARGS
    assert argv.count('Port=2222') == 1
    # Mitogen's own options are all still there, after them.
    assert ['-o', 'StrictHostKeyChecking yes'] == argv[argv.index('StrictHostKeyChecking yes') - 1 :][:2]
    assert '-p' in argv and '-l' in argv
    seen = _ssh_reads(argv)
    assert (seen['stricthostkeychecking'], seen['userknownhostsfile'], seen['port'], seen['serveraliveinterval']) == (
        'false',
        '/dev/null',
        '2222',
        '5',
    )
    assert seen['user'] == 'ansible'


def test_without_the_fleet_strategy_mitogen_puts_its_own_options_first(fresh):
    # The problem the strategy fixes, shown on the same command: proof that the test above
    # can fail. Skipped nowhere: without mitogen there is no such command, and the plugin
    # is plain linear (asserted by the tests above).
    if importlib.util.find_spec('mitogen') is None:
        assert fresh().MITOGEN is False
        return
    import mitogen.ssh  # pylint: disable=import-outside-toplevel

    fresh()
    patched = mitogen.ssh.Connection.get_boot_command
    original = patched.__wrapped__  # functools.wraps keeps Mitogen's own
    try:
        mitogen.ssh.Connection.get_boot_command = original
        seen = _ssh_reads(_mitogen_ssh_command(INVENTORY_SSH_ARGS))
    finally:
        mitogen.ssh.Connection.get_boot_command = patched
    assert (seen['stricthostkeychecking'], seen['port']) == ('true', '22')


def test_the_fix_is_applied_once_however_often_the_plugin_is_loaded(fresh):
    if importlib.util.find_spec('mitogen') is None:
        assert fresh().MITOGEN is False
        return
    fresh()
    fresh()
    argv = _mitogen_ssh_command(INVENTORY_SSH_ARGS)
    assert argv.count('Port=2222') == 1
    assert argv[1 : 1 + len(INVENTORY_SSH_ARGS)] == INVENTORY_SSH_ARGS


PLAYBOOK = """
- name: A run in which one host cannot be reached
  hosts: all
  gather_facts: false
  tasks:
    - name: First task, where the lost host is lost
      ansible.builtin.ping:
    - name: Second task
      ansible.builtin.ping:

- name: What the play can read about the lost host afterwards
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Print it
      ansible.builtin.debug:
        msg: "LOST_ON={{ hostvars['lost'].vramfree_unreachable_task | default('nothing') }}"
"""


def _closed_port():
    import socket  # pylint: disable=import-outside-toplevel

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize('strategy', ['vramfree.webui.fleet', 'linear'])
def test_a_real_run_records_the_task_a_host_became_unreachable_on(strategy, tmp_path):
    # ansible-playbook itself, over ssh to a port where nothing listens (under Mitogen where
    # it is installed): the lost host's fact names its task, which plain linear leaves
    # nowhere (the second case, which shows this test can fail).
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    (tmp_path / 'hosts.yml').write_text(
        'all:\n  hosts:\n    localhost: {ansible_connection: local, ansible_python_interpreter: %s}\n'
        '    lost: {ansible_host: 127.0.0.1, ansible_port: %d, ansible_connection: ssh,'
        ' ansible_ssh_common_args: "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"}\n'
        % (sys.executable, _closed_port())
    )
    # The tree tests/conftest.py put on sys.path: <base>/ansible_collections/vramfree/webui/...
    base = pathlib.Path(importlib.util.find_spec(NAME).origin).parents[5]
    env = dict(
        os.environ,
        ANSIBLE_STRATEGY=strategy,
        ANSIBLE_COLLECTIONS_PATH=str(base),
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_RETRY_FILES_ENABLED='0',
    )
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'hosts.yml', 'play.yml'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 4, run.stdout[-2000:] + run.stderr[-2000:]
    want = 'First task, where the lost host is lost' if strategy != 'linear' else 'nothing'
    assert 'LOST_ON=%s' % want in run.stdout, run.stdout[-2000:]
