# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A host lost while an action plugin hands it a module is reported unreachable."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleConnectionFailure, AnsibleError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _remote

try:
    from mitogen.core import CallError, StreamError
except ImportError:
    # The run on the newest ansible-core has no Mitogen: the helper knows Mitogen's errors
    # by their module alone, so classes of that module and name stand for them there.
    CallError = type('CallError', (Exception,), {'__module__': 'mitogen.core'})
    StreamError = type('StreamError', (Exception,), {'__module__': 'mitogen.core'})

# What Mitogen's service answered in the default scenario when a host was stopped while
# the webui_plan action handed it gpu_vram_facts.
MITOGEN_ANSWER = (
    "builtins.AttributeError: 'NoneType' object has no attribute 'protocol'\n"
    '  File "mitogen/service.py", line 712, in _forward\n'
    '    child = self.router.context_by_id(stream.protocol.remote_id)'
)


class Action:
    def __init__(self, outcome):
        self.outcome = outcome
        self.calls = []

    def _execute_module(self, module_name=None, module_args=None, task_vars=None):
        self.calls.append((module_name, module_args))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_mitogens_error_for_a_lost_host_makes_it_unreachable():
    action = Action(CallError(MITOGEN_ANSWER))
    with pytest.raises(AnsibleConnectionFailure) as caught:
        _remote.execute_module(action, 'vramfree.webui.gpu_vram_facts', {}, {})
    assert str(caught.value).startswith(
        'the connection to the host was lost while it was given vramfree.webui.gpu_vram_facts (CallError: '
    )
    # What Ansible reads off it: unreachable, not failed.
    assert caught.value.result_contribution == {'unreachable': True}
    assert action.calls == [('vramfree.webui.gpu_vram_facts', {})]


def test_a_module_result_and_other_errors_pass_as_they_are():
    assert _remote.execute_module(Action({'failed': True, 'msg': 'no'}), 'x', {}, {}) == {'failed': True, 'msg': 'no'}
    with pytest.raises(AnsibleError, match='module not found'):
        _remote.execute_module(Action(AnsibleError('module not found')), 'x', {}, {})
    # A bug of ours stays a bug, not a lost host.
    with pytest.raises(KeyError):
        _remote.execute_module(Action(KeyError('gpus')), 'x', {}, {})
    assert not _remote.lost_connection(ValueError('x'))
    assert _remote.lost_connection(StreamError('lost'))
