# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a module's main() in-process and catch what it reports, as community.general's
unit tests do: exit_json and fail_json raise instead of printing and exiting."""

from __future__ import annotations

import pathlib
import sys

import pytest
from ansible.module_utils import basic

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from module_args import patch_module_args  # noqa: E402  pylint: disable=wrong-import-position


class ModuleExit(Exception):
    """exit_json was called; ``result`` holds its arguments and the module's no_log values."""

    def __init__(self, result, no_log_values, warnings):
        super().__init__(result)
        self.result = result
        self.no_log_values = no_log_values
        self.warnings = warnings


class ModuleFail(ModuleExit):
    """fail_json was called."""


@pytest.fixture
def run_module(monkeypatch):
    """``run_module(main, args, fails=False)`` -> ModuleExit (or ModuleFail) with the result."""
    warnings = []

    def exit_json(self, **kwargs):
        raise ModuleExit(kwargs, set(self.no_log_values), warnings)

    def fail_json(self, msg, **kwargs):
        kwargs['msg'] = msg
        raise ModuleFail(kwargs, set(self.no_log_values), warnings)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: warnings.append(msg))

    def run(main, args, fails=False):
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as caught:
                main()
        assert isinstance(caught.value, ModuleFail) == fails, caught.value.result
        return caught.value

    return run
