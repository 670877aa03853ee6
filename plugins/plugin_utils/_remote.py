# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Modules run on a host by the collection's action plugins, with a lost host said to be
lost.

Over SSH, a host that dies while a module is handed to it makes the transport raise
AnsibleConnectionFailure, and Ansible reports the host unreachable. Under Mitogen the same
loss can surface as one of Mitogen's own errors instead: a host stopped while Mitogen's
service forwards the module's files to it answers ``mitogen.core.CallError`` (``'NoneType'
object has no attribute 'protocol'``). Ansible then reports a failed task, the host is not
counted unreachable, and the fleet strategy cannot name the task it was lost on. Those
errors are turned back into what they mean here.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure, AnsibleError
from ansible.plugins.action import ActionBase


def lost_connection(exc) -> bool:
    """Whether ``exc``, raised while a module was handed to a host, is the connection's
    (Mitogen's machinery) rather than the module's: a module's own failure comes back as
    a result, never as an exception."""
    return not isinstance(exc, AnsibleError) and type(exc).__module__.split('.')[0] == 'mitogen'


def execute_module(action, name, module_args, task_vars) -> dict:
    """``action._execute_module`` of module ``name``; a lost connection raised as
    AnsibleConnectionFailure, so the host is reported unreachable."""
    try:
        return action._execute_module(module_name=name, module_args=module_args, task_vars=task_vars)
    except AnsibleError:
        raise
    except Exception as exc:
        if not lost_connection(exc):
            raise
        first = (str(exc).splitlines() or [''])[0]
        raise AnsibleConnectionFailure(
            'the connection to the host was lost while it was given %s (%s: %s)' % (name, type(exc).__name__, first)
        ) from exc


class HostAction(ActionBase):
    """An action plugin that asks the host through modules and decides on the controller:
    its ARGUMENT_SPEC validated, changed false unless ``act`` says otherwise, and
    Ansible's temporary folder on the host removed at the end, whatever happened."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _requires_connection = True
    ARGUMENT_SPEC: dict = {}
    NAME = ''

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)[1]
        result['changed'] = False
        try:
            return self.act(result, args, task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def act(self, result, args, task_vars):
        raise NotImplementedError

    def module(self, name, module_args, task_vars):
        """The module's answer; its failure fails the task, named."""
        answer = execute_module(self, name, module_args, task_vars)
        if answer.get('failed'):
            raise AnsibleActionFail('%s: %s failed: %s' % (self.NAME, name, answer.get('msg', answer)))
        return answer
