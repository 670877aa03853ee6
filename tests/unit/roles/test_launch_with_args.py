# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webui role's launcher (roles/webui/files/launch-with-args.py), run as the unit runs
it: a real bash sources a real launch script, a real child prints as A1111 does."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import shlex
import signal
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog, _secrets

LAUNCHER = pathlib.Path(__file__).resolve().parents[3] / "roles" / "webui" / "files" / "launch-with-args.py"
spec = importlib.util.spec_from_file_location("launch_with_args", LAUNCHER)
launcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launcher)

# A program that prints its launch line as A1111 1.10.1 does (modules/launch_utils.py,
# start()), then its argv as JSON, then exits with the status asked in the environment.
A1111_LIKE = textwrap.dedent(
    """
    import json, os, shlex, sys
    sys.argv += shlex.split(os.environ.get("COMMANDLINE_ARGS", ""))
    print(f"Launching Web UI with arguments: {shlex.join(sys.argv[1:])}")
    print("argv " + json.dumps(sys.argv[1:]))
    print("stderr too", file=sys.stderr)
    sys.exit(int(os.environ.get("EXIT", "0")))
    """
)


def run(tmp_path, args_value, *options, extra=""):
    script = tmp_path / "webui-user.sh"
    script.write_text("echo sourcing >&2\nexport COMMANDLINE_ARGS=%s\n%s" % (shlex.quote(args_value), extra))
    program = tmp_path / "program.py"
    program.write_text(A1111_LIKE)
    # The program reads COMMANDLINE_ARGS itself where the launch script exported it, as
    # webui.sh does by sourcing; the launcher's own environment does not carry it.
    wrapper = tmp_path / "webui.sh"
    wrapper.write_text('. "%s" >/dev/null 2>&1\nexec %s %s "$@"\n' % (script, sys.executable, program))
    argv = [sys.executable, str(LAUNCHER), "--from", str(script), *options, "--", "/bin/bash", str(wrapper)]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def test_the_launch_line_reaches_the_output_without_the_password(tmp_path):
    proc = run(tmp_path, "--api --api-auth sd:hunter2-api --port 7860")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Launching Web UI with arguments: --api --api-auth ********"
    assert "hunter2" not in proc.stdout
    # The password is masked on every line, the argv dump included; the rest is kept.
    # After a secret flag the rest of a line is hidden: where its value ends is unknown.
    assert lines[1] == 'argv ["--api", "--api-auth ********'
    assert lines[2] == "stderr too"
    # What the launch script itself prints while the launcher reads it is not shown.
    assert "sourcing" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "value, secrets",
    [
        ("--gradio-auth 'a:pw one,b:pw-two' --xformers", ["pw one", "pw-two"]),
        ("--gradio_auth=sd:hunter2", ["hunter2"]),
        # argparse takes an unambiguous prefix of a long option.
        ("--api-au sd:hunter2", ["hunter2"]),
        # shlex.join quotes it as 'sd:it'"'"'s-secret': the value alone would not match.
        ("--API-AUTH \"sd:it's-secret\"", ["it's-secret", "it'\"'\"'s-secret"]),
    ],
)
def test_every_spelling_of_a_secret_flag_is_masked(tmp_path, value, secrets):
    proc = run(tmp_path, value)
    assert proc.returncode == 0, proc.stderr
    assert [s for s in secrets if s in proc.stdout] == [] and "********" in proc.stdout


def test_argv_mode_hands_the_words_to_the_program_one_value_with_a_space_whole(tmp_path):
    program = tmp_path / "argv.py"
    program.write_text("import json, sys; print(json.dumps(sys.argv[1:]))\n")
    script = tmp_path / "webui-user.sh"
    script.write_text("export COMMANDLINE_ARGS=\"--output-directory '/srv/comfy outputs' --port 8188\"\n")
    proc = subprocess.run(
        [sys.executable, str(LAUNCHER), "--from", str(script), "--argv", "--", sys.executable, str(program)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(proc.stdout) == ["--output-directory", "/srv/comfy outputs", "--port", "8188"]


def test_the_programs_exit_status_is_the_launchers(tmp_path):
    # systemd's Restart=on-failure looks at the main process: the launcher.
    proc = subprocess.run(
        [sys.executable, str(LAUNCHER), "--from", "/dev/null", "--", "/bin/sh", "-c", "exit 3"],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 3


def test_a_signal_is_passed_on_and_its_death_reported(tmp_path):
    ready = tmp_path / "ready"
    program = "trap 'echo got TERM; exit 143' TERM; touch %s; while :; do sleep 0.1; done" % ready
    with subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--from", "/dev/null", "--", "/bin/sh", "-c", program],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        while not ready.exists():
            assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=30)[0]
    assert out == "got TERM\n" and proc.returncode == 143


@pytest.mark.parametrize(
    "argv", [[], ["--from", "x"], ["--from", "x", "main.py"], ["--from", "x", "--bogus", "--", "p"]]
)
def test_bad_usage_is_refused(argv):
    proc = subprocess.run([sys.executable, str(LAUNCHER)] + argv, capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("usage: launch-with-args.py --from")


def test_its_secret_rule_is_the_collections():
    # The launcher runs on the host without the collection: its copy of the rule must not drift.
    assert set(launcher.SECRET_FLAGS) == set(_flag_catalog.SECRET_FLAGS)
    candidates = {flag[:n] for flag in _flag_catalog.SECRET_FLAGS for n in range(2, len(flag) + 1)}
    candidates |= {
        flag for entry in _flag_catalog.CATALOG.values() for flag in list(entry["values"]) + list(entry["switches"])
    }
    assert {f: launcher.is_secret(f) for f in candidates} == {f: _secrets.is_secret(f) for f in candidates}
    assert launcher.MASK == _flag_catalog.MASK
