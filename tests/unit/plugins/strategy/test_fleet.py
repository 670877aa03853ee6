# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet strategy: Mitogen's mix-in over linear where mitogen loads, linear alone where
it is missing or refuses to load. Each case imports the plugin afresh."""

from __future__ import annotations

import importlib
import importlib.util
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
        assert fleet.StrategyModule.__mro__[1:3] == (mixin, LINEAR)
    else:
        assert fleet.StrategyModule.__bases__ == (LINEAR,)


def test_without_mitogen_it_is_linear_and_says_nothing(fresh, monkeypatch, capsys):
    # None in sys.modules is Python's own "not installed": the import raises ImportError.
    monkeypatch.setitem(sys.modules, 'ansible_mitogen', None)
    monkeypatch.setitem(sys.modules, 'ansible_mitogen.strategy', None)
    fleet = fresh()
    assert fleet.MITOGEN is False
    assert fleet.StrategyModule.__bases__ == (LINEAR,)
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
    assert fleet.StrategyModule.__bases__ == (LINEAR,)
    err = capsys.readouterr().err
    assert 'Mitogen is installed but cannot be used, running linear' in err and 'too old' in err
