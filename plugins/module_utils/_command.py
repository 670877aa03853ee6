# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a command with a time limit, and kill it with its children when it runs over.

AnsibleModule.run_command has no time limit, and nvidia-smi on a wedged driver never
returns: a facts task would block the whole play. The command runs in a session of its
own so that one signal to its process group also stops what it started.
"""

from __future__ import annotations

import os
import signal
import subprocess


class CommandTimeout(Exception):
    """The command ran past its limit and was killed."""


def describe(argv) -> str:
    return " ".join(os.path.basename(argv[0]) if k == 0 else arg for k, arg in enumerate(argv))


def run(argv, timeout: float, env_update=None) -> tuple:
    """(rc, stdout, stderr) as text, bytes that are not UTF-8 replaced by U+FFFD.

    Raises CommandTimeout naming the command and the limit when it runs longer than
    ``timeout`` seconds; it is killed first, with every process of its group.
    """
    env = dict(os.environ)
    env.update(env_update or {})
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        try:
            proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            # A child that left the group still holds the pipes: stop waiting for it.
            proc.kill()
            proc.wait()
        raise CommandTimeout("%s did not finish within %g s and was killed" % (describe(argv), timeout)) from None
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def module_runner(module, timeout: float):
    """``run(argv) -> (rc, stdout, stderr)`` for a module: ``argv[0]`` looked up on the
    host (the module fails, naming it, where it is missing), untranslated output
    (LC_ALL=C, which the parsers rely on), killed after ``timeout`` seconds."""

    def runner(argv):
        path = module.get_bin_path(argv[0], required=True)
        return run([path] + list(argv[1:]), timeout, env_update={"LC_ALL": "C", "LANG": "C"})

    return runner


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        # Gone between the timeout and the signal.
        pass
