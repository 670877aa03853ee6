# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet
short_description: Ansible's linear strategy, through Mitogen where the mitogen package is installed
version_added: 0.2.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Runs a play task by task on all hosts, as C(ansible.builtin.linear) does.
  - Where the C(mitogen) Python package is installed on the controller, it runs the tasks through
    Mitogen, as Mitogen's C(mitogen_linear) strategy does. Mitogen keeps one Python
    interpreter per host for the whole run instead of starting one per task, which makes a
    re-run on a fleet several times faster.
  - Where C(mitogen) is not installed, or cannot be loaded into this version of ansible-core,
    it is plain C(linear); in the second case it says why, once. So one C(ansible.cfg) serves
    controllers with and without Mitogen, which C(strategy = mitogen_linear) cannot (that
    fails where Mitogen is missing).
  - The collection's C(ansible.cfg) sets it. Set C(ANSIBLE_STRATEGY=linear) for one run
    without Mitogen.
  - When a host becomes unreachable (it stopped answering, e.g. frozen by a wedged GPU
    driver, and the SSH keepalives of the collection's C(ansible.cfg) gave up on it), it
    records the name of the task the host was on as the host's fact
    C(vramfree_unreachable_task), which Ansible keeps nowhere a play can read. The C(site)
    playbook's report and its closing summary name that task; under another strategy they
    say only how far the run had got on the host.
  - Under Mitogen, the ssh options of the inventory and of C(ansible.cfg) (C(ansible_ssh_common_args),
    C(ansible_ssh_extra_args), C(ssh_args)) come first on Mitogen's ssh command line, ahead of
    the options Mitogen derives itself (host key checking, port, user, compression, keepalives).
    ssh keeps the first value it is given for an option, and Mitogen alone puts its own first,
    so an inventory's C(-o StrictHostKeyChecking=no), C(-o Port=2222) or C(-o ProxyJump=...)
    would otherwise be ignored whenever Mitogen is installed.
notes:
  - Mitogen only takes over the C(ssh), C(local), C(sudo), C(su) and similar connection and
    become plugins; see Mitogen's documentation for what it does not support.
seealso:
  - name: Mitogen for Ansible
    description: The mitogen package, its strategies and their limits.
    link: https://mitogen.networkgenomics.com/ansible_detailed.html
"""

import functools  # noqa: E402

from ansible.plugins.loader import strategy_loader  # noqa: E402
from ansible.utils.display import Display  # noqa: E402

_LINEAR = strategy_loader.get('linear', class_only=True)


def _mitogen_mixin():
    """Mitogen's strategy mix-in, or the reason it cannot be used here (a string), or
    None where mitogen is not installed."""
    try:
        # The mitogen package's own name for its Ansible side.
        import ansible_mitogen.strategy  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # Installed, but it refuses this ansible-core (its version check raises AnsibleError).
        return '%s: %s' % (type(exc).__name__, exc)
    return ansible_mitogen.strategy.StrategyMixin


_FOUND = _mitogen_mixin()
MITOGEN = isinstance(_FOUND, type)

if isinstance(_FOUND, str):
    Display().warning('vramfree.webui.fleet: Mitogen is installed but cannot be used, running linear: %s' % _FOUND)


def _inventory_ssh_options_first(connection_class):
    """Make Mitogen's ssh connection put the configured ssh arguments (ansible.cfg's
    ssh_args, the inventory's ssh_common_args and ssh_extra_args) right after the ssh
    executable. Mitogen appends them after its own options, and ssh takes the first value
    of each option, so without this they lose to Mitogen's StrictHostKeyChecking, -p and
    the rest. Applied once, in this (the controller's) process, before Mitogen forks the
    process that opens the connections."""
    original = connection_class.get_boot_command
    if getattr(original, 'vramfree_inventory_first', False):
        return

    @functools.wraps(original)
    def get_boot_command(self):
        configured = list(self.options.ssh_args or ())
        # Build Mitogen's own command without them, then put them first: no need to find
        # where Mitogen would have put them.
        self.options.ssh_args = None
        try:
            argv = original(self)
        finally:
            self.options.ssh_args = configured
        return argv[:1] + configured + argv[1:]

    get_boot_command.vramfree_inventory_first = True
    connection_class.get_boot_command = get_boot_command


def unreachable_tasks(results) -> dict:
    """``{host name: task name}`` for each result of ``results`` that made its host
    unreachable (not the ones whose task says ignore_unreachable: the host stays)."""
    lost = {}
    for result in results:
        try:
            if not result.is_unreachable():
                continue
            # ansible-core 2.19 calls them host and task; the result classes of earlier
            # cores, _host and _task: a private API, so both are tried.
            task = getattr(result, 'task', None) or result._task
            host = getattr(result, 'host', None) or result._host
            if task.ignore_unreachable:
                continue
            lost[host.name] = task.get_name()
        except AttributeError:
            # A result of another shape: the report then says how far the run got only.
            continue
    return lost


class _NamesTheTaskAHostWasLostOn:
    """Records, as a fact of the host, the task a host became unreachable on."""

    def _process_pending_results(self, iterator, one_pass=False, max_passes=None):
        results = super()._process_pending_results(iterator, one_pass=one_pass, max_passes=max_passes)
        for host, task in unreachable_tasks(results).items():
            self._variable_manager.set_nonpersistent_facts(host, {'vramfree_unreachable_task': task})
        return results


if MITOGEN:
    import mitogen.ssh  # pylint: disable=import-outside-toplevel,wrong-import-position

    _inventory_ssh_options_first(mitogen.ssh.Connection)

    class StrategyModule(_NamesTheTaskAHostWasLostOn, _FOUND, _LINEAR):  # type: ignore[valid-type,misc]
        """linear, through Mitogen."""

else:

    class StrategyModule(_NamesTheTaskAHostWasLostOn, _LINEAR):  # type: ignore[valid-type,misc,no-redef]
        """linear."""
