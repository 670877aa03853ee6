# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""webui_flags against what the real web UIs do with a flag: built-in extensions' flags,
flags a UI parses and never reads, switches that are on without the flag, memory flags
that come from the environment."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.modules import webui_flags

STANDIN = pathlib.Path(__file__).resolve().parents[4] / 'molecule' / 'shared' / 'files' / 'standin-webui'


def standin_sources():
    # What the webui role passes for A1111: the arguments file, and every built-in
    # extension's preload.py by pattern.
    return [str(STANDIN / 'modules' / 'cmd_args.py'), str(STANDIN / 'extensions-builtin' / '*' / 'preload.py')]


def test_validate_with_takes_the_built_in_extensions_preload_files_by_pattern(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    path.write_text('export COMMANDLINE_ARGS="--xformers"\n')
    result = run_module(
        webui_flags.main,
        dict(
            path=str(path),
            flags={'lora-dir': '/srv/models/Lora', 'ldsr-models-path': '/srv/models/LDSR'},
            validate_with=standin_sources(),
        ),
    ).result
    assert result['args'] == ['--xformers', '--lora-dir', '/srv/models/Lora', '--ldsr-models-path', '/srv/models/LDSR']


def test_validate_with_still_refuses_what_no_file_defines(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    path.write_text('export COMMANDLINE_ARGS="--xformers"\n')
    result = run_module(
        webui_flags.main, dict(path=str(path), flags={'lyco-dir': '/srv/LyCORIS'}, validate_with=standin_sources())
    ).result
    # --lyco-dir is a prefix of --lyco-dir-backcompat alone (Lora/preload.py): argparse takes it.
    assert result['args'] == ['--xformers', '--lyco-dir', '/srv/LyCORIS']
    outcome = run_module(
        webui_flags.main,
        dict(path=str(path), flags={'lyco-folder': '/srv/LyCORIS'}, validate_with=standin_sources()),
        fails=True,
    )
    assert outcome.result['unknown_flags'] == ['--lyco-folder']
    assert outcome.result['msg'] == (
        '--lyco-folder not defined by %s: the web UI would refuse to start; the file was left as it was'
        % ', '.join(standin_sources())
    )


def test_validate_with_a_pattern_that_matches_nothing_fails_naming_it(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    path.write_text('export COMMANDLINE_ARGS="--xformers"\n')
    pattern = str(tmp_path / 'extensions-builtin' / '*' / 'preload.py')
    outcome = run_module(
        webui_flags.main, dict(path=str(path), flags={'listen': True}, validate_with=[pattern]), fails=True
    )
    assert outcome.result['msg'] == (
        'validate_with: no file matches %s; give the files that define the installed web UI\'s '
        'arguments (for A1111: modules/cmd_args.py)' % pattern
    )
    assert path.read_text() == 'export COMMANDLINE_ARGS="--xformers"\n'


def test_the_standin_launcher_accepts_what_validate_with_accepts():
    # The stand-in parses its arguments the way A1111 does: the built-in extensions'
    # preload.py files add theirs to the parser before it parses.
    argv = []
    for flag in sorted(catalog.BUILTIN_EXTENSION_FLAGS['a1111']):
        argv += [flag, '/srv/models/x']
    dests = sorted(flag[2:].replace('-', '_') for flag in catalog.BUILTIN_EXTENSION_FLAGS['a1111'])
    code = (
        'import sys; sys.argv[1:] = %r; '
        'from modules.shared_cmd_options import cmd_opts; print([getattr(cmd_opts, d) for d in %r])' % (argv, dests)
    )
    run = subprocess.run(
        [sys.executable, '-B', '-c', code], cwd=str(STANDIN), capture_output=True, text=True, check=False, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(['/srv/models/x'] * len(dests))
    refused = subprocess.run(
        [sys.executable, '-B', '-c', code.replace('/srv/models/x', '/x').replace("'--lora-dir'", "'--lora-folder'")],
        cwd=str(STANDIN),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert refused.returncode == 2 and 'unrecognized arguments: --lora-folder' in refused.stderr


def test_forge_always_normal_vram_is_no_flag_with_a_warning(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    path.write_text('export COMMANDLINE_ARGS="--always-low-vram"\n')
    outcome = run_module(webui_flags.main, dict(path=str(path), ui='forge', memory_mode='always-normal-vram'))
    assert outcome.result['args'] == []
    assert outcome.warnings == [
        'Stable Diffusion WebUI Forge ignores --always-normal-vram: its own memory management decides, so no '
        'memory flag is written; to force a mode choose one of: always-gpu, always-high-vram, always-low-vram, '
        'always-no-vram, always-cpu'
    ]
    path.write_text('export COMMANDLINE_ARGS="--always-normal-vram --xformers"\n')
    result = run_module(webui_flags.main, dict(path=str(path), ui='forge', memory_mode='always-low-vram')).result
    assert result['args'] == ['--always-low-vram', '--xformers']


@pytest.mark.parametrize(
    'flag, warning',
    [
        (
            'debug',
            'SD.Next turns --debug on without the flag: removing it changes nothing; SD_NODEBUG=1 in its '
            'environment turns it off',
        ),
        ('api', 'SD.Next turns --api on without the flag: removing it changes nothing, it always serves its API'),
    ],
)
def test_sdnext_switch_on_by_default_warns_when_asked_off(run_module, tmp_path, flag, warning):
    path = tmp_path / 'webui-user.sh'
    path.write_text('export COMMANDLINE_ARGS="--%s --listen"\n' % flag)
    outcome = run_module(webui_flags.main, dict(path=str(path), ui='sdnext', flags={flag: False}))
    assert outcome.result['args'] == ['--listen']
    assert outcome.warnings == [warning]


def test_sdnext_memory_flag_from_the_environment_in_the_same_file_is_named(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    path.write_text('export SD_MEDVRAM=1\nexport COMMANDLINE_ARGS="--medvram"\n')
    outcome = run_module(webui_flags.main, dict(path=str(path), ui='sdnext', memory_mode='none'))
    assert outcome.result['args'] == []
    assert outcome.warnings == [
        'line 1 sets SD_MEDVRAM, which SD.Next reads as --medvram: memory mode none still runs with it; '
        'remove that line'
    ]
    seen = list(outcome.warnings)
    # A comment, an empty value, a variable that is not exported: none reaches SD.Next.
    path.write_text('# export SD_MEDVRAM=1\nexport SD_LOWVRAM=\nSD_MEDVRAM=1\nexport COMMANDLINE_ARGS="--medvram"\n')
    assert run_module(webui_flags.main, dict(path=str(path), ui='sdnext', memory_mode='none')).warnings == seen
