# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Commands with a time limit: a hung command is killed with its children and named."""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _command


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_output_and_status_come_back_as_text():
    rc, out, err = _command.run(["sh", "-c", "printf 'a\\377b'; echo oops >&2; exit 3"], 5)
    assert (rc, out, err) == (3, "a\ufffdb", "oops\n")


def test_environment_is_updated_not_replaced():
    rc, out, _err = _command.run(["sh", "-c", 'echo "$LC_ALL $PATH"'], 5, env_update={"LC_ALL": "C"})
    assert out == "C %s\n" % os.environ["PATH"]


def test_hung_command_is_killed_with_its_children(tmp_path):
    pidfile = tmp_path / "child"
    script = 'sleep 300 & echo $! > "%s"; wait' % pidfile
    with pytest.raises(_command.CommandTimeout) as caught:
        _command.run(["/bin/sh", "-c", script, "nvidia-smi"], 1)
    assert str(caught.value) == "sh -c %s nvidia-smi did not finish within 1 s and was killed" % script
    child = int(pidfile.read_text())
    # SIGKILL is delivered at once but the kernel may take a moment to end the process.
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


class _Module:
    """What module_runner asks of AnsibleModule: the path of a command on the host."""

    def __init__(self, found):
        self.found = found
        self.asked = []

    def get_bin_path(self, name, required=False):
        self.asked.append((name, required))
        return self.found.get(name)


def test_module_runner_finds_the_command_and_runs_it_untranslated():
    module = _Module({'env': '/usr/bin/env'})
    rc, out, _err = _command.module_runner(module, 10)(['env'])
    assert rc == 0
    assert 'LC_ALL=C' in out.splitlines() and 'LANG=C' in out.splitlines()
    # Looked up as required: AnsibleModule fails the module, naming it, where it is missing.
    assert module.asked == [('env', True)]


def test_module_runner_kills_a_command_past_its_limit():
    with pytest.raises(_command.CommandTimeout, match='sleep 30 did not finish within 0.2 s'):
        _command.module_runner(_Module({'sleep': '/bin/sleep'}), 0.2)(['sleep', '30'])
