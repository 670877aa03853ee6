# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the reports go: the process's working folder, never a stale PWD."""

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.vramfree.webui.plugins.lookup.report_dir import LookupModule
from ansible_collections.vramfree.webui.plugins.plugin_utils import _fleet_report


@pytest.fixture
def stale_pwd(tmp_path, monkeypatch):
    """The process works in tmp/run while PWD still names tmp/elsewhere, as after a
    script's os.chdir() or a runner that starts ansible-playbook in another folder."""
    run = tmp_path / 'run'
    elsewhere = tmp_path / 'elsewhere'
    run.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(run)
    monkeypatch.setenv('PWD', str(elsewhere))
    return run


def lookup(*terms):
    return LookupModule().run(list(terms), variables={})


def test_the_default_is_in_the_working_folder_not_in_pwd(stale_pwd):
    assert lookup() == [str(stale_pwd / 'vramfree-report')]
    assert lookup('') == [str(stale_pwd / 'vramfree-report')]
    assert lookup(None) == [str(stale_pwd / 'vramfree-report')]


def test_a_relative_folder_is_taken_from_the_working_folder(stale_pwd):
    assert lookup('out/reports') == [str(stale_pwd / 'out' / 'reports')]
    assert lookup('../up') == [str(stale_pwd.parent / 'up')]


def test_an_absolute_folder_is_kept(stale_pwd, tmp_path):
    assert lookup(str(tmp_path / 'abs')) == [str(tmp_path / 'abs')]


def test_a_home_folder_is_expanded(stale_pwd, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    assert lookup('~/reports') == [str(tmp_path / 'home' / 'reports')]


def test_two_folders_are_refused(stale_pwd):
    with pytest.raises(AnsibleLookupError, match='one folder at most, got 2'):
        lookup('a', 'b')


def test_the_pure_function_takes_the_working_folder_it_is_given():
    assert _fleet_report.report_dir(None, cwd='/srv/x') == '/srv/x/vramfree-report'
    assert _fleet_report.report_dir('r', cwd='/srv/x') == '/srv/x/r'
    assert _fleet_report.report_dir(None) == os.path.join(os.getcwd(), 'vramfree-report')
