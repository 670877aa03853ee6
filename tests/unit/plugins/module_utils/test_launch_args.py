# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pathlib
import shlex

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _launch_args as la
from ansible_collections.vramfree.webui.plugins.module_utils import _shell_words
from ansible_collections.vramfree.webui.plugins.module_utils._secrets import is_secret, mask_line

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / 'fixtures' / 'launch'


def fixture(name):
    """A fixture as the user has it: .bat files are stored with LF, used with CRLF."""
    data = (FIXTURES / name).read_bytes()
    if name.endswith('.bat'):
        data = data.replace(b'\n', b'\r\n')
    return data.decode('utf-8', 'surrogateescape')


def changed_lines(before, after):
    """(line number, old, new) for each line that differs; the line count must match."""
    old, new = la.split_lines(before), la.split_lines(after)
    assert len(old) == len(new)
    return [(n + 1, a, b) for n, (a, b) in enumerate(zip(old, new)) if a != b]


# ---------------------------------------------------------------- acceptance on real-shaped files


@pytest.mark.parametrize(
    'name, fmt, line_no, new_line',
    [
        (
            'webui-user.sh',
            'sh',
            14,
            'export COMMANDLINE_ARGS="--xformers --listen --port 7860 --ckpt-dir \'/srv/sd models\'"  # GTX 970, desktop on\n',
        ),
        ('webui-user.bat', 'bat', 6, 'set COMMANDLINE_ARGS=--xformers --ckpt-dir "D:\\SD Models" --autolaunch\r\n'),
        ('sd-webui.env', 'env', 3, 'COMMANDLINE_ARGS="--listen --port 7860 --api"\n'),
    ],
)
def test_lowvram_removed_only_that_line_changes_and_second_run_is_a_no_op(name, fmt, line_no, new_line):
    before = fixture(name)
    result = la.edit_text(before, fmt, memory_mode='none')
    assert result.changed
    assert result.removed == ['--lowvram']
    assert result.added == []
    assert [(n, b) for n, _a, b in changed_lines(before, result.text)] == [(line_no, new_line)]
    again = la.edit_text(result.text, fmt, memory_mode='none')
    assert not again.changed
    assert again.text is result.text


def test_bat_fixture_keeps_crlf_and_args_are_what_launch_py_splits():
    result = la.edit_text(fixture('webui-user.bat'), 'bat', flags={'port': 7861})
    assert '\n' not in result.text.replace('\r\n', '')
    assert result.args_after == [
        '--xformers',
        '--lowvram',
        '--ckpt-dir',
        'D:\\SD Models',
        '--autolaunch',
        '--port',
        '7861',
    ]
    assert result.args_after == shlex.split(la.read_value(result.text, 'bat'))


# ---------------------------------------------------------------- reading the three formats


@pytest.mark.parametrize(
    'fmt, text, args',
    [
        ('sh', 'export COMMANDLINE_ARGS="--a --b"\n', ['--a', '--b']),
        ('sh', "COMMANDLINE_ARGS='--a \"b c\"'\nexport COMMANDLINE_ARGS\n", ['--a', 'b c']),
        ('sh', 'export COMMANDLINE_ARGS=--xformers\n', ['--xformers']),
        ('sh', 'export COMMANDLINE_ARGS=--a\\ --b\n', ['--a', '--b']),
        ('sh', 'export COMMANDLINE_ARGS="--ckpt-dir \\"/a b\\""\n', ['--ckpt-dir', '/a b']),
        ('sh', 'export COMMANDLINE_ARGS="--theme \\$dark \\`x\\`"\n', ['--theme', '$dark', '`x`']),
        ('sh', "export COMMANDLINE_ARGS='--theme $dark'\n", ['--theme', '$dark']),
        ('sh', 'export COMMANDLINE_ARGS="--x"   # fast card\n', ['--x']),
        ('sh', 'COMMANDLINE_ARGS="--a"; export COMMANDLINE_ARGS\n', ['--a']),
        ('sh', '  export COMMANDLINE_ARGS="--a"\'--b c\'\n', ['--a--b', 'c']),
        ('sh', 'export COMMANDLINE_ARGS=""\n', []),
        ('sh', '#export COMMANDLINE_ARGS="--lowvram"\n', []),
        ('bat', 'set COMMANDLINE_ARGS=--a "b c" \r\n', ['--a', 'b c']),
        ('bat', 'set "COMMANDLINE_ARGS=--a --b"\r\n', ['--a', '--b']),
        ('bat', '@SET commandline_args=--x\r\n', ['--x']),
        ('bat', 'set COMMANDLINE_ARGS=\r\n', []),
        ('bat', 'rem set COMMANDLINE_ARGS=--lowvram\r\n', []),
        ('env', 'COMMANDLINE_ARGS=--a --b\n', ['--a', '--b']),
        ('env', '  COMMANDLINE_ARGS = --x  \n', ['--x']),
        ('env', 'COMMANDLINE_ARGS="--a \\"b c\\" $HOME"\n', ['--a', 'b c', '$HOME']),
        ('env', "COMMANDLINE_ARGS='--a'\n", ['--a']),
        ('env', 'COMMANDLINE_ARGS=--a "b c"\n', ['--a', 'b c']),
        ('env', 'COMMANDLINE_ARGS=--a\\ b\\\\c\n', ['--a', 'bc']),
        ('env', '# COMMANDLINE_ARGS=--lowvram\n; COMMANDLINE_ARGS=--medvram\n', []),
    ],
)
def test_reads_the_value_the_web_ui_sees(fmt, text, args):
    assert shlex.split(la.read_value(text, fmt)) == args


# ---------------------------------------------------------------- edits


@pytest.mark.parametrize(
    'fmt, line, kwargs, new_line, warnings',
    [
        ('sh', 'export COMMANDLINE_ARGS="--a"', dict(flags={'api': True}), 'export COMMANDLINE_ARGS="--a --api"', []),
        (
            'sh',
            'export COMMANDLINE_ARGS="--a  --api --c"',
            dict(flags={'--api': False}),
            'export COMMANDLINE_ARGS="--a --c"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--port 7860 --x"',
            dict(flags={'port': 8080}),
            'export COMMANDLINE_ARGS="--port 8080 --x"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--port=7860 --x"',
            dict(flags={'port': '8080'}),
            'export COMMANDLINE_ARGS="--port=8080 --x"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--port 7860 --x --port 7861"',
            dict(flags={'port': 7860}),
            'export COMMANDLINE_ARGS="--port 7860 --x"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--use-cpu esrgan --x"',
            dict(flags={'use-cpu': ['all']}),
            'export COMMANDLINE_ARGS="--use-cpu all --x"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--use-cpu esrgan --x"',
            dict(flags={'use-cpu': ['esrgan', 'gfpgan']}),
            'export COMMANDLINE_ARGS="--use-cpu esrgan gfpgan --x"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--styles-file a.csv --x"',
            dict(flags={'styles-file': ['a.csv', 'b.csv']}),
            'export COMMANDLINE_ARGS="--styles-file a.csv --styles-file b.csv --x"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--lowvram --xformers"',
            dict(memory_mode='medvram'),
            'export COMMANDLINE_ARGS="--medvram --xformers"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--xformers --lowvram --medvram"',
            dict(memory_mode='medvram'),
            'export COMMANDLINE_ARGS="--xformers --medvram"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--medvram-sdxl --x --lowvram"',
            dict(memory_mode='none'),
            'export COMMANDLINE_ARGS="--x"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--x"',
            dict(memory_mode='lowvram'),
            'export COMMANDLINE_ARGS="--x --lowvram"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--lowvram --listen"',
            dict(ui='comfyui', memory_mode='normalvram'),
            'export COMMANDLINE_ARGS="--normalvram --listen"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--lowvram --always-low-vram --x"',
            dict(ui='forge', memory_mode='none'),
            'export COMMANDLINE_ARGS="--x"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--x"',
            dict(ui='forge', memory_mode='lowvram'),
            'export COMMANDLINE_ARGS="--x"',
            [
                'Stable Diffusion WebUI Forge ignores --lowvram: its own memory management decides, so no memory flag is '
                'written; to force a mode choose one of: always-gpu, always-high-vram, always-low-vram, always-no-vram, '
                'always-cpu'
            ],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--x"',
            dict(ui='forge', flags={'medvram': True}),
            'export COMMANDLINE_ARGS="--x --medvram"',
            [
                'Stable Diffusion WebUI Forge ignores --medvram: its own memory management decides; to force a mode use '
                'memory_mode (e.g. always-low-vram)'
            ],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--listen"',
            dict(ui='comfyui', flags={'listen': True}),
            'export COMMANDLINE_ARGS="--listen"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--listen"',
            dict(ui='comfyui', flags={'listen': '0.0.0.0'}),
            'export COMMANDLINE_ARGS="--listen 0.0.0.0"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--x"',
            dict(ui='comfyui', flags={'fast': []}),
            'export COMMANDLINE_ARGS="--x --fast"',
            [],
        ),
        # quoting: the line keeps its outer and inner styles
        (
            'sh',
            "export COMMANDLINE_ARGS='--a'",
            dict(flags={'ckpt-dir': '/x y'}),
            'export COMMANDLINE_ARGS=\'--a --ckpt-dir "/x y"\'',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--a"',
            dict(flags={'ckpt-dir': '/x y'}),
            'export COMMANDLINE_ARGS="--a --ckpt-dir \'/x y\'"',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--a \\"b c\\""',
            dict(flags={'ckpt-dir': '/x y'}),
            'export COMMANDLINE_ARGS="--a \\"b c\\" --ckpt-dir \\"/x y\\""',
            [],
        ),
        ('sh', 'export COMMANDLINE_ARGS=--a', dict(flags={'api': True}), 'export COMMANDLINE_ARGS="--a --api"', []),
        ('sh', 'export COMMANDLINE_ARGS=--a', dict(flags={'port': 1}), 'export COMMANDLINE_ARGS="--a --port 1"', []),
        (
            'sh',
            'export COMMANDLINE_ARGS="--a"',
            dict(flags={'theme': '$x`y`'}),
            'export COMMANDLINE_ARGS="--a --theme \\$x\\`y\\`"',
            [],
        ),
        (
            'sh',
            "export COMMANDLINE_ARGS='--a'",
            dict(flags={'theme': "it's"}),
            'export COMMANDLINE_ARGS="--a --theme \\"it\'s\\""',
            [],
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--gradio-auth old:pw"',
            dict(flags={'gradio-auth': 'u:p w'}),
            'export COMMANDLINE_ARGS="--gradio-auth \'u:p w\'"',
            [],
        ),
        (
            'bat',
            'set COMMANDLINE_ARGS=--a',
            dict(flags={'ckpt-dir': 'C:\\my models\\'}),
            'set COMMANDLINE_ARGS=--a --ckpt-dir "C:\\my models\\\\"',
            [],
        ),
        (
            'bat',
            'set COMMANDLINE_ARGS=--a',
            dict(flags={'cors-allow-origins': 'a&b'}),
            'set COMMANDLINE_ARGS=--a --cors-allow-origins "a&b"',
            [],
        ),
        ('bat', 'set "COMMANDLINE_ARGS=--a --lowvram" ', dict(memory_mode='none'), 'set "COMMANDLINE_ARGS=--a" ', []),
        ('env', 'COMMANDLINE_ARGS=--a --lowvram', dict(memory_mode='none'), 'COMMANDLINE_ARGS=--a', []),
        ('env', 'COMMANDLINE_ARGS=--a', dict(flags={'ckpt-dir': '/x y'}), "COMMANDLINE_ARGS=--a --ckpt-dir '/x y'", []),
        (
            'env',
            'COMMANDLINE_ARGS=--a',
            dict(flags={'ckpt-dir': 'C:\\x'}),
            'COMMANDLINE_ARGS="--a --ckpt-dir \'C:\\x\'"',
            [],
        ),
        ('env', "COMMANDLINE_ARGS='--a'  ", dict(flags={'api': True}), "COMMANDLINE_ARGS='--a --api'  ", []),
    ],
)
def test_edit_rewrites_only_the_assignment(fmt, line, kwargs, new_line, warnings):
    eol = '\r\n' if fmt == 'bat' else '\n'
    before = 'A=1' + eol + line + eol + 'B=2' + eol
    result = la.edit_text(before, fmt, **kwargs)
    assert result.text == 'A=1' + eol + new_line + eol + 'B=2' + eol
    assert result.changed == (line != new_line)
    assert result.warnings == warnings
    assert result.args_after == shlex.split(la.read_value(result.text, fmt))
    assert not la.edit_text(result.text, fmt, **kwargs).changed


@pytest.mark.parametrize(
    'line, kwargs',
    [
        ('export COMMANDLINE_ARGS="--port 7860"', dict(flags={'port': 7860})),
        ('export COMMANDLINE_ARGS="--port=7860"', dict(flags={'--port': '7860'})),
        ('export COMMANDLINE_ARGS=--xformers', dict(flags={'xformers': True, 'lowvram': False})),
        ("export COMMANDLINE_ARGS='--medvram --x'", dict(memory_mode='medvram')),
        ('export COMMANDLINE_ARGS="--a  \\\\b"', dict(memory_mode='none')),
    ],
)
def test_nothing_to_do_returns_the_same_text(line, kwargs):
    text = line + '\n'
    result = la.edit_text(text, 'sh', **kwargs)
    assert not result.changed
    assert result.text is text
    assert result.added == [] and result.removed == []


def test_added_and_removed_name_whole_flags_with_secrets_masked():
    result = la.edit_text(
        'export COMMANDLINE_ARGS="--port 7860 --lowvram --api-auth a:b"\n',
        'sh',
        flags={'port': 7861, 'api-auth': 'c:d', 'api': True},
        memory_mode='none',
    )
    assert result.removed == ['--port 7860', '--lowvram', '--api-auth ********']
    assert result.added == ['--port 7861', '--api-auth ********', '--api']
    assert result.secrets == {'a:b', 'c:d'}


# ---------------------------------------------------------------- creating the assignment


@pytest.mark.parametrize(
    'fmt, before, after',
    [
        (
            'sh',
            '#!/bin/bash\n#export COMMANDLINE_ARGS=""\n# python3 executable\n',
            '#!/bin/bash\n#export COMMANDLINE_ARGS=""\nexport COMMANDLINE_ARGS="--api"\n# python3 executable\n',
        ),
        (
            'sh',
            '#!/bin/bash\n  # export COMMANDLINE_ARGS="--lowvram"',
            '#!/bin/bash\n  # export COMMANDLINE_ARGS="--lowvram"\n  export COMMANDLINE_ARGS="--api"',
        ),
        ('sh', '#!/bin/bash\nexport GIT=git', '#!/bin/bash\nexport GIT=git\nexport COMMANDLINE_ARGS="--api"'),
        ('sh', '', 'export COMMANDLINE_ARGS="--api"\n'),
        ('sh', '#!/bin/bash\r\n', '#!/bin/bash\r\nexport COMMANDLINE_ARGS="--api"\r\n'),
        (
            'bat',
            '@echo off\r\nset PYTHON=\r\ncall webui.bat\r\n',
            '@echo off\r\nset PYTHON=\r\nset COMMANDLINE_ARGS=--api\r\ncall webui.bat\r\n',
        ),
        (
            'bat',
            '@echo off\r\nrem set COMMANDLINE_ARGS=--medvram\r\n\r\ncall webui.bat\r\n',
            '@echo off\r\nrem set COMMANDLINE_ARGS=--medvram\r\nset COMMANDLINE_ARGS=--api\r\n\r\ncall webui.bat\r\n',
        ),
        (
            'env',
            'A=1\n# COMMANDLINE_ARGS=--lowvram\nB=2\n',
            'A=1\n# COMMANDLINE_ARGS=--lowvram\nCOMMANDLINE_ARGS="--api"\nB=2\n',
        ),
        ('env', 'A=1\n', 'A=1\nCOMMANDLINE_ARGS="--api"\n'),
    ],
)
def test_create_places_the_assignment(fmt, before, after):
    result = la.edit_text(before, fmt, flags={'api': True})
    assert result.text == after
    assert result.args_after == ['--api']


def test_create_false_refuses_a_file_without_assignment():
    with pytest.raises(la.LaunchArgsError, match='no active COMMANDLINE_ARGS assignment and create is false'):
        la.edit_text('#!/bin/bash\n', 'sh', flags={'api': True}, create=False)


def test_nothing_is_created_for_empty_arguments():
    result = la.edit_text('#!/bin/bash\n', 'sh', flags={'lowvram': False}, memory_mode='none')
    assert not result.changed and result.text == '#!/bin/bash\n'


def test_never_exported_assignment_is_reported():
    result = la.edit_text('COMMANDLINE_ARGS="--a"\n', 'sh', flags={'api': True})
    assert result.warnings == [
        'COMMANDLINE_ARGS is set but never exported, so the web UI will not see it; add "export COMMANDLINE_ARGS"'
    ]
    assert la.edit_text('set -a\nCOMMANDLINE_ARGS="--a"\n', 'sh', flags={'api': True}).warnings == []


# ---------------------------------------------------------------- bytes and line endings


def test_bytes_that_are_not_utf8_and_line_endings_survive():
    raw = b'# caf\xe9 latin-1 comment\r\nexport COMMANDLINE_ARGS="--lowvram --x"\r\nexport X=\xff'
    text = raw.decode('utf-8', 'surrogateescape')
    result = la.edit_text(text, 'sh', memory_mode='none')
    assert result.text.encode('utf-8', 'surrogateescape') == (
        b'# caf\xe9 latin-1 comment\r\nexport COMMANDLINE_ARGS="--x"\r\nexport X=\xff'
    )


def test_missing_final_newline_on_the_assignment_line_stays_missing():
    result = la.edit_text('A=1\nexport COMMANDLINE_ARGS="--lowvram"', 'sh', flags={'x': True})
    assert result.text == 'A=1\nexport COMMANDLINE_ARGS="--lowvram --x"'


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    'fmt, text, message',
    [
        (
            'sh',
            'export COMMANDLINE_ARGS="--a"\n#\nexport COMMANDLINE_ARGS="--b"\n',
            'more than one active COMMANDLINE_ARGS assignment (the first is line 1: export COMMANDLINE_ARGS="--a"); '
            'keep one (line 3: export COMMANDLINE_ARGS="--b")',
        ),
        (
            'sh',
            'export COMMANDLINE_ARGS="--a\n--b"\n',
            'unbalanced quotes in the COMMANDLINE_ARGS value (a value that goes on over several lines is not supported) '
            '(line 1: export COMMANDLINE_ARGS="--a)',
        ),
        ('sh', "A=1\nexport COMMANDLINE_ARGS='--a\n", 'unbalanced quotes'),
        ('sh', 'export COMMANDLINE_ARGS="$EXTRA --a"\n', 'built with shell expansion'),
        ('sh', 'export COMMANDLINE_ARGS="${EXTRA} --a"\n', 'built with shell expansion'),
        ('sh', 'export COMMANDLINE_ARGS="$(cat args) --a"\n', 'built with shell expansion'),
        ('sh', 'export COMMANDLINE_ARGS=`cat args`\n', 'built with shell expansion'),
        ('sh', 'export COMMANDLINE_ARGS=~/x\n', 'built with shell expansion'),
        ('sh', 'export COMMANDLINE_ARGS+=" --a"\n', 'appended to (+=)'),
        ('sh', 'export COMMANDLINE_ARGS=--a\\\n--b\n', 'goes on over several lines'),
        ('sh', 'export COMMANDLINE_ARGS="--a" OTHER=1\n', 'unexpected text after the COMMANDLINE_ARGS value (line 1'),
        ('sh', 'if true; then COMMANDLINE_ARGS="--a"; fi\n', 'set in a form this module does not edit (only'),
        (
            'sh',
            'export COMMANDLINE_ARGS="--a \'b"\n',
            "cannot be split into arguments as the web UI does (No closing quotation)",
        ),
        (
            'bat',
            'set COMMANDLINE_ARGS=%ARGS% --a\r\n',
            'uses %VAR% expansion, so its arguments are only known when the script runs '
            '(line 1: set COMMANDLINE_ARGS=%ARGS% --a)',
        ),
        ('bat', 'set COMMANDLINE_ARGS=--a & echo hi\r\n', 'cmd.exe operator'),
        ('bat', 'set "COMMANDLINE_ARGS=--a\r\n', 'unbalanced quotes'),
        ('bat', 'if exist x set COMMANDLINE_ARGS=--a\r\n', 'set in a form this module does not edit'),
        ('env', 'export COMMANDLINE_ARGS=--a\n', 'systemd does not read "export"'),
        ('env', 'COMMANDLINE_ARGS="--a\n--b"\n', 'unbalanced quotes'),
        ('env', 'COMMANDLINE_ARGS=--a\\\n', 'goes on over several lines'),
    ],
)
def test_refuses_files_it_cannot_edit_safely(fmt, text, message):
    with pytest.raises(la.LaunchArgsError) as caught:
        la.edit_text(text, fmt, memory_mode='none')
    assert message in str(caught.value)


@pytest.mark.parametrize(
    'flags, kwargs, message',
    [
        ({'xformers': 'fast'}, {}, 'flag --xformers is a switch: use true or false'),
        ({'port': True}, {}, 'flag --port takes a value: give the value, or false to remove it'),
        ({'port': [1, 2]}, {}, 'flag --port takes one value, not a list'),
        ({'use-cpu': []}, {}, 'flag --use-cpu needs at least one value; use false to remove it'),
        ({'port': None}, {}, 'flag --port: a value must be a string or a number'),
        ({'theme': 'a\nb'}, {}, 'flag --theme: a value cannot contain a line break'),
        ({'theme': '--dark'}, {}, 'argparse would read it as a flag'),
        ({'gradio-auth': '--secret'}, {}, "flag --gradio-auth: the value '********' starts with"),
        ({'bad flag': True}, {}, "'--bad flag' is not a flag name"),
        ({'lowvram': True}, {'memory_mode': 'medvram'}, 'flags asks for --lowvram but memory_mode is medvram'),
        ({}, {'memory_mode': 'highvram'}, "AUTOMATIC1111 stable-diffusion-webui has no memory mode 'highvram'"),
        ({}, {'ui': 'invoke'}, "unknown ui 'invoke'"),
    ],
)
def test_refuses_requests_it_cannot_honour(flags, kwargs, message):
    with pytest.raises(la.LaunchArgsError) as caught:
        la.edit_text('export COMMANDLINE_ARGS="--x"\n', 'sh', flags=flags, **kwargs)
    assert message in str(caught.value)


def test_bat_values_refuse_percent_and_quotes():
    with pytest.raises(la.LaunchArgsError, match='cannot contain % or a double quote'):
        la.edit_text('set COMMANDLINE_ARGS=\r\n', 'bat', flags={'theme': '%dark%'})


def test_refusal_messages_hide_secrets():
    text = 'export COMMANDLINE_ARGS="--gradio-auth admin:hunter2 --x"\nexport COMMANDLINE_ARGS="--y"\n'
    with pytest.raises(la.LaunchArgsError) as caught:
        la.edit_text(text, 'sh')
    assert 'hunter2' not in str(caught.value)
    assert 'export COMMANDLINE_ARGS="--gradio-auth ********' in str(caught.value)


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    'line, shown',
    [
        ('export COMMANDLINE_ARGS="--gradio-auth a:b --x"', 'export COMMANDLINE_ARGS="--gradio-auth ********'),
        ('set COMMANDLINE_ARGS=--api-auth=a:b', 'set COMMANDLINE_ARGS=--api-auth ********'),
        ('COMMANDLINE_ARGS=--gradio-auth-path /etc/auth --x\n', 'COMMANDLINE_ARGS=--gradio-auth-path /etc/auth --x'),
    ],
)
def test_mask_line(line, shown):
    assert mask_line(line) == shown


def test_mask_args_and_command_line():
    args = ['--gradio-auth', 'u:p', '--api-auth=x:y', '--ckpt-dir', '/a b', "it's", '--port', '7860']
    assert la.mask_args(args) == [
        '--gradio-auth',
        '********',
        '--api-auth=********',
        '--ckpt-dir',
        '/a b',
        "it's",
        '--port',
        '7860',
    ]
    assert la.command_line(args) == (
        "--gradio-auth ******** --api-auth=******** --ckpt-dir '/a b' 'it'\"'\"'s' --port 7860"
    )


def test_mask_text_masks_secrets_on_the_assignment_and_on_commented_lines():
    text = (
        '#export COMMANDLINE_ARGS="--listen --gradio-auth old:pw --port 7860"\n'
        'export COMMANDLINE_ARGS="--gradio-auth u:p --api-auth=\'a b:c\'"\n'
    )
    assert la.mask_text(text, 'sh') == (
        '#export COMMANDLINE_ARGS="--listen --gradio-auth ******** --port 7860"\n'
        'export COMMANDLINE_ARGS="--gradio-auth ******** --api-auth=********"\n'
    )


@pytest.mark.parametrize(
    'path, fmt',
    [
        ('/x/webui-user.sh', 'sh'),
        ('C:/x/webui-user.BAT', 'bat'),
        ('run.cmd', 'bat'),
        ('/etc/default/sd-webui', 'env'),
        ('/srv/comfyui.env', 'env'),
    ],
)
def test_detect_format(path, fmt):
    assert la.detect_format(path) == fmt


@pytest.mark.parametrize(
    'text',
    [
        '',
        '  ',
        'a b',
        "'a b' c",
        '"a \\" b"',
        'a\\ b',
        '""',
        "''",
        'a"b"c\'d\'',
        '"\\x \\\\"',
        'x\\y',
        "--a='1 2' --b=\"3\"",
        'é ü\t中',
        '"a\\\\" b',
    ],
)
def test_split_words_matches_shlex(text):
    words = _shell_words.split_words(text)
    assert [w.value for w in words] == shlex.split(text)
    for word in words:
        assert shlex.split(text[word.start : word.end]) == [word.value]


@pytest.mark.parametrize(
    'text, error', [('"a', 'No closing quotation'), ("'a", 'No closing quotation'), ('a\\', 'No escaped character')]
)
def test_split_words_errors_like_shlex(text, error):
    with pytest.raises(ValueError, match=error):
        shlex.split(text)
    with pytest.raises(ValueError, match=error):
        _shell_words.split_words(text)


def test_parse_args_groups_values_by_arity():
    text = '--use-cpu a b --xformers --port=1 --unknown x y --listen stray --lowvram'
    assert la.parse_args(text) == [
        ('--use-cpu', ['a', 'b'], False),
        ('--xformers', [], False),
        ('--port', ['1'], True),
        ('--unknown', ['x', 'y'], False),
        ('--listen', [], False),
        (None, ['stray'], False),
        ('--lowvram', [], False),
    ]
    assert la.parse_args('--listen 0.0.0.0 --directml -1', ui='comfyui') == [
        ('--listen', ['0.0.0.0'], False),
        ('--directml', ['-1'], False),
    ]


# ---------------------------------------------------------------- edges real boxes hit


def test_yaml_style_flag_names_write_the_flags_the_ui_defines():
    result = la.edit_text(
        'export COMMANDLINE_ARGS="--api"\n', 'sh', flags={'gradio_auth': 'u:p', 'Listen': True, 'no_half_vae': True}
    )
    assert result.args_after == ['--api', '--gradio-auth', 'u:p', '--listen', '--no-half-vae']
    assert result.warnings == []
    again = la.edit_text(result.text, 'sh', flags={'gradio-auth': 'u:p', 'listen': True, 'no-half-vae': True})
    assert not again.changed


def test_unknown_flag_is_written_with_a_warning_naming_the_closest():
    result = la.edit_text('', 'sh', flags={'xformer': True})
    assert result.args_after == ['--xformer']
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(
        '--xformer is not a flag AUTOMATIC1111 stable-diffusion-webui is known '
        'to define (modules/cmd_args.py); did you mean --xformers?'
    )


def test_one_flag_in_two_spellings_is_refused():
    with pytest.raises(la.LaunchArgsError, match='flags names --gradio-auth twice'):
        la.edit_text('', 'sh', flags={'gradio_auth': 'a:b', 'gradio-auth': 'c:d'})


SECRET_FILE = (
    '#export COMMANDLINE_ARGS="--api-au old:pw"\n'
    'export COMMANDLINE_ARGS="--listen --api-au=s3cr3t --gradio_auth \'u:p w\' --lowvram"\n'
)


def test_one_secret_rule_for_every_place_a_value_is_shown():
    result = la.edit_text(SECRET_FILE, 'sh', memory_mode='none', flags={'ngrok_options': 'tok'})
    assert la.mask_args(result.args_after) == [
        '--listen',
        '--api-au=********',
        '--gradio_auth',
        '********',
        '--ngrok-options',
        '********',
    ]
    assert la.command_line(result.args_after) == (
        '--listen --api-au=******** --gradio_auth ******** --ngrok-options ********'
    )
    assert result.added == ['--ngrok-options ********']
    assert result.removed == ['--lowvram']
    assert result.secrets == {'s3cr3t', 'u:p w', 'tok'}
    shown = la.mask_text(SECRET_FILE, 'sh') + la.mask_text(result.text, 'sh')
    for secret in ('old:pw', 's3cr3t', 'u:p w', 'tok'):
        assert secret not in shown
    assert mask_line('export COMMANDLINE_ARGS="--api-au s3cr3t $X"') == 'export COMMANDLINE_ARGS="--api-au ********'


@pytest.mark.parametrize(
    'flag, secret',
    [
        ('--api-auth', True),
        ('--api-au', True),
        ('--API_AUTH', True),
        ('--gradio_auth', True),
        ('--api', False),
        ('--ngrok-region', False),
        ('--ngrok', True),
        ('--auth-file', False),
        ('--gradio-auth-path', False),
        ('--listen', False),
        (None, False),
        ('x', False),
    ],
)
def test_is_secret(flag, secret):
    assert is_secret(flag) is secret


def test_export_after_a_semicolon_exports():
    result = la.edit_text('COMMANDLINE_ARGS="--xformers"; export COMMANDLINE_ARGS\n', 'sh', flags={'api': True})
    assert result.changed and result.warnings == []


@pytest.mark.parametrize(
    'flags, kwargs, message',
    [
        ({'lowvram': False}, {'memory_mode': 'lowvram'}, 'flags removes --lowvram but memory_mode lowvram sets it'),
        ({'medvram': True, 'lowvram': True}, {}, 'flags asks for --medvram and --lowvram at once'),
        ({'normalvram': True, 'novram': True}, {'ui': 'comfyui'}, 'flags asks for --normalvram and --novram at once'),
    ],
)
def test_contradicting_memory_requests_are_refused(flags, kwargs, message):
    with pytest.raises(la.LaunchArgsError) as caught:
        la.edit_text('export COMMANDLINE_ARGS="--lowvram"\n', 'sh', flags=flags, **kwargs)
    assert str(caught.value) == message + (
        '; ComfyUI takes one memory mode'
        if 'comfyui' in kwargs.values()
        else '; AUTOMATIC1111 stable-diffusion-webui takes one memory mode'
        if 'at once' in message
        else ''
    )


def test_memory_flag_in_flags_is_one_memory_mode():
    text = 'export COMMANDLINE_ARGS="--lowvram --xformers --medvram-sdxl"\n'
    result = la.edit_text(text, 'sh', flags={'medvram': True})
    assert result.args_after == ['--medvram', '--xformers']
    assert result.removed == ['--lowvram', '--medvram-sdxl'] and result.added == ['--medvram']
    assert not la.edit_text(result.text, 'sh', flags={'medvram': True}).changed


@pytest.mark.parametrize(
    'fmt, text, index',
    [
        ('sh', '#!/bin/bash\nexec ./webui.sh "$@"\n', 1),
        ('sh', '#!/bin/bash\ncd /srv/sd\npython3 launch.py --skip-install\necho done\n', 2),
        ('sh', '#!/bin/bash\nsource venv/bin/activate\nexec "$VENV/bin/python" launch.py\n', 2),
        ('sh', '#!/bin/bash\nexec ./webui.sh\n#export COMMANDLINE_ARGS=""\n', 1),
        ('bat', '@echo off\r\nset PYTHON=\r\ncall webui.bat\r\n', 2),
        ('bat', '@echo off\r\n%PYTHON% launch.py\r\n', 1),
    ],
)
def test_new_assignment_goes_before_the_launch_line(fmt, text, index):
    result = la.edit_text(text, fmt, flags={'api': True})
    lines = la.split_lines(result.text)
    assert result.line_no == index + 1
    assert lines[index].lstrip().lower().startswith(('export commandline_args=', 'set commandline_args='))
    assert ''.join(lines[:index] + lines[index + 1 :]) == text


@pytest.mark.parametrize(
    'value', ['--gradio-allowed-path=/a:~/b', '--gradio-allowed-path /a:~/b', '--ckpt-dir=~/models']
)
def test_tilde_that_bash_expands_inside_a_word_is_refused(value):
    with pytest.raises(la.LaunchArgsError, match='unquoted ~ after ":" or "="'):
        la.edit_text('export COMMANDLINE_ARGS=%s\n' % value.replace(' ', '\\ '), 'sh', flags={'api': True})


def test_quoted_tilde_inside_a_word_is_kept():
    text = 'export COMMANDLINE_ARGS=--gradio-allowed-path=/a:"~"/b\n'
    assert la.edit_text(text, 'sh', flags={'api': True}).args_after == ['--gradio-allowed-path=/a:~/b', '--api']


@pytest.mark.parametrize(
    'flags, args',
    [
        ({'listen': 'true', 'api': 'yes'}, ['--lowvram', '--listen', '--api']),
        ({'lowvram': 'false', 'xformers': 'On'}, ['--xformers']),
        ({'port': 'no'}, ['--lowvram']),
    ],
)
def test_ansible_boolean_words_are_booleans(flags, args):
    result = la.edit_text('export COMMANDLINE_ARGS="--lowvram --port 7860"\n', 'sh', flags=flags)
    assert [a for a in result.args_after if a not in ('--port', '7860')] == args
