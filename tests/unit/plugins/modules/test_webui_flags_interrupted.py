# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A webui_flags run killed at any moment leaves webui-user.sh as it was or as asked.

The module runs as Ansible runs it, one Python process, and is killed with SIGKILL
(nothing of its own runs after that: no clean-up, no exception handler) at delays
spread over its whole run. After each kill the user's script must be byte for byte
the old file or the new one, never a mix or a truncated one.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[4]
MODULE = ROOT / "plugins" / "modules" / "webui_flags.py"
COLLECTIONS = ROOT / "build" / "collections"
FIXTURE = ROOT / "tests" / "unit" / "fixtures" / "launch" / "webui-user.sh"


def start(args_file):
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    return subprocess.Popen(
        [sys.executable, str(MODULE), str(args_file)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_a_killed_run_leaves_the_old_or_the_new_file(tmp_path):
    script = tmp_path / "webui-user.sh"
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"path": str(script), "memory_mode": "none"}}))
    old = FIXTURE.read_bytes()

    # One whole run gives the new content and how long a run takes here.
    script.write_bytes(old)
    started = time.monotonic()
    finished = start(args_file)
    out, err = finished.communicate(timeout=60)
    whole = time.monotonic() - started
    assert finished.returncode == 0, err
    assert json.loads(out)["changed"] is True
    new = script.read_bytes()
    assert new != old and b"--lowvram" not in new.split(b"export COMMANDLINE_ARGS=", 1)[1].split(b"\n", 1)[0]

    outcomes = set()
    runs = 30
    for i in range(runs):
        script.write_bytes(old)
        proc = start(args_file)
        # Delays from the start of the process to a little past its usual end.
        time.sleep(whole * 1.2 * i / runs)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        content = script.read_bytes()
        assert content in (old, new), "run %d killed after %.3f s left a broken file" % (i, whole * 1.2 * i / runs)
        outcomes.add(content == new)
    # Some kills came before the move (the first, at once, certainly does): those are
    # the runs this test is about.
    assert False in outcomes
