# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Properties of the rewrite, checked against bash itself: for generated launch scripts
and edits, sourcing the result gives exactly the arguments reported, the named flags say
what was asked, the others keep their order, every other line is byte-identical, and a
second run changes nothing."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.module_utils import _flag_editor, _shell_words
from ansible_collections.vramfree.webui.plugins.module_utils import _launch_args as la

pytestmark = pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')

SWITCHES = ['--xformers', '--listen', '--api', '--no-half', '--lowvram', '--medvram', '--medvram-sdxl']
VALUED = ['--port', '--ckpt-dir', '--theme', '--gradio-auth']
# Values that stress both quoting levels: spaces, both quotes, backslashes, $ and
# backticks (literal once quoted), non-ASCII.
VALUE = st.text(alphabet=st.sampled_from(list('abc /:.\'"\\$`é=')), min_size=0, max_size=8).filter(
    lambda v: not _shell_words.is_flag(v)
)
OTHER_LINES = st.lists(
    st.sampled_from(
        [
            '#!/bin/bash',
            '# Commandline arguments for webui.py, for example: export COMMANDLINE_ARGS="--medvram"',
            '#export COMMANDLINE_ARGS=""',
            'export GIT="git"',
            '',
            '#venv_dir="venv"',
            "install_dir='/home/sd'",
            'export TORCH_COMMAND="pip install torch"  # cu118',
        ]
    ),
    max_size=5,
)


@st.composite
def existing_args(draw):
    args = []
    for _n in range(draw(st.integers(0, 5))):
        if draw(st.booleans()):
            args.append(draw(st.sampled_from(SWITCHES)))
        else:
            args.extend([draw(st.sampled_from(VALUED)), draw(VALUE)])
    return args


def sh_line(args, style):
    inner = ' '.join(shlex.quote(a) for a in args)
    if style == "'" and "'" not in inner:
        return "export COMMANDLINE_ARGS='%s'" % inner
    escaped = ''.join('\\' + c if c in '\\"$`' else c for c in inner)
    if style == 'split':
        return 'COMMANDLINE_ARGS="%s"\nexport COMMANDLINE_ARGS' % escaped
    return 'export COMMANDLINE_ARGS="%s"' % escaped


EDITS = st.dictionaries(
    st.sampled_from(SWITCHES[:4] + VALUED),
    st.one_of(st.booleans(), VALUE),
    max_size=4,
).filter(
    lambda d: all(
        not (k in VALUED and v is True) and not (k in SWITCHES and not isinstance(v, bool)) for k, v in d.items()
    )
)


def bash_args(path):
    """What launch.py would see: bash sources the file, python splits the variable."""
    script = (
        'source "$1"; exec "$2" -c \'import json, os, shlex; '
        'print(json.dumps(shlex.split(os.environ.get("COMMANDLINE_ARGS", ""))))\''
    )
    out = subprocess.run(['bash', '-c', script, 'bash', str(path), sys.executable], check=True, capture_output=True)
    return json.loads(out.stdout)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before_lines=OTHER_LINES,
    after_lines=OTHER_LINES,
    args=existing_args(),
    style=st.sampled_from(['"', "'", 'split', 'absent']),
    edits=EDITS,
    memory=st.sampled_from(['keep', 'none', 'medvram', 'lowvram']),
    crlf_free_end=st.booleans(),
)
def test_sh_rewrite_is_what_bash_reads(tmp_path, before_lines, after_lines, args, style, edits, memory, crlf_free_end):
    assignment = [] if style == 'absent' else [sh_line(args, style)]
    text = '\n'.join(before_lines + assignment + after_lines) + ('\n' if crlf_free_end else '')
    script = tmp_path / 'webui-user.sh'
    script.write_text(text, encoding='utf-8')
    assert bash_args(script) == (args if assignment else [])

    try:
        result = la.edit_text(text, 'sh', flags=edits, memory_mode=memory)
    except la.LaunchArgsError as exc:
        # The only request refused here: a flag asked for that the memory mode removes.
        assert 'but memory_mode is' in str(exc)
        return
    script.write_text(result.text, encoding='utf-8')
    seen = bash_args(script)
    assert seen == result.args_after

    occurrences = la.parse_args(la.read_value(result.text, 'sh'))
    for name, value in edits.items():
        values = [o[1] for o in occurrences if o[0] == name]
        if value is True:
            assert values
        elif value is False:
            assert not values
        else:
            assert values == [[value]]
    group = catalog.memory_group('a1111')
    present = [o[0] for o in occurrences if o[0] in group]
    if memory != 'keep':
        assert present == ([] if memory == 'none' else ['--' + memory])

    def untouched(occ):
        return [o for o in occ if o[0] not in edits and (memory == 'keep' or o[0] not in group)]

    assert untouched(occurrences) == untouched(la.parse_args(la.read_value(text, 'sh')))

    old, new = la.split_lines(text), la.split_lines(result.text)
    if result.changed and assignment:
        index = result.line_no - 1
        assert old[:index] == new[:index] and old[index + 1 :] == new[index + 1 :]
    elif result.changed:
        index = result.line_no - 1
        assert new[index].startswith('export COMMANDLINE_ARGS=')
        # Without the new line the file is what it was, but for the line break the
        # new line needed when the file did not end with one.
        assert ''.join(new[:index] + new[index + 1 :]) in (text, text + '\n')
    else:
        assert result.text == text

    again = la.edit_text(result.text, 'sh', flags=edits, memory_mode=memory)
    assert not again.changed and again.text == result.text


@settings(max_examples=150, deadline=None)
@given(
    args=existing_args(),
    edits=EDITS,
    memory=st.sampled_from(['keep', 'none', 'medvram']),
    fmt=st.sampled_from(['bat', 'env']),
    quoted=st.booleans(),
)
def test_bat_and_env_rewrites_are_stable(args, edits, memory, fmt, quoted):
    if fmt == 'bat':
        args = [a for a in args if not any(c in a for c in '%"\'\\&|<>^')]
        edits = {k: v for k, v in edits.items() if isinstance(v, bool) or not any(c in v for c in '%"')}
        inner = ' '.join('"%s"' % a if (' ' in a or not a) else a for a in args)
        line = ('set "COMMANDLINE_ARGS=%s"' if quoted else 'set COMMANDLINE_ARGS=%s') % inner
        eol = '\r\n'
    else:
        inner = ' '.join(shlex.quote(a) for a in args)
        line = 'COMMANDLINE_ARGS="%s"' % ''.join('\\' + c if c in '\\"$`' else c for c in inner)
        eol = '\n'
    text = eol.join(['@echo off' if fmt == 'bat' else '# env', line, 'call webui.bat' if fmt == 'bat' else 'X=1']) + eol
    assert shlex.split(la.read_value(text, fmt)) == args
    try:
        result = la.edit_text(text, fmt, flags=edits, memory_mode=memory)
    except la.LaunchArgsError as exc:
        assert 'but memory_mode is' in str(exc)
        return
    assert shlex.split(la.read_value(result.text, fmt)) == result.args_after
    old, new = la.split_lines(text), la.split_lines(result.text)
    assert (old[0], old[2]) == (new[0], new[2]) and len(old) == len(new)
    again = la.edit_text(result.text, fmt, flags=edits, memory_mode=memory)
    assert not again.changed


def bash_env_args(path):
    """What a shell that sources an EnvironmentFile with allexport gives launch.py."""
    script = (
        'set -a; source "$1"; exec "$2" -c \'import json, os, shlex; '
        'print(json.dumps(shlex.split(os.environ.get("COMMANDLINE_ARGS", ""))))\''
    )
    out = subprocess.run(['bash', '-c', script, 'bash', str(path), sys.executable], check=True, capture_output=True)
    return json.loads(out.stdout)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    args=existing_args(),
    edits=EDITS,
    memory=st.sampled_from(['keep', 'none', 'medvram']),
    style=st.sampled_from(['"', "'", 'absent']),
)
def test_env_quoted_rewrite_is_what_bash_reads(tmp_path, args, edits, memory, style):
    # Quoted EnvironmentFile values read the same in systemd and in bash, so bash can
    # check the env encoder too: the rewritten (or new) line keeps its quotes.
    inner = ' '.join(shlex.quote(a) for a in args)
    if style == "'" and "'" not in inner:
        line = ["COMMANDLINE_ARGS='%s'" % inner]
    elif style == 'absent':
        line = []
    else:
        line = ['COMMANDLINE_ARGS="%s"' % ''.join('\\' + c if c in '\\"$`' else c for c in inner)]
    text = '\n'.join(['# COMMANDLINE_ARGS=--lowvram'] + line + ['PYTHON=python3']) + '\n'
    env_file = tmp_path / 'sd-webui'
    env_file.write_bytes(text.encode())
    assert bash_env_args(env_file) == (args if line else [])
    try:
        result = la.edit_text(text, 'env', flags=edits, memory_mode=memory)
    except la.LaunchArgsError as exc:
        assert 'but memory_mode is' in str(exc)
        return
    env_file.write_bytes(result.text.encode())
    assert bash_env_args(env_file) == result.args_after == shlex.split(la.read_value(result.text, 'env'))
    assert not la.edit_text(result.text, 'env', flags=edits, memory_mode=memory).changed


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(' \t\'"\\ab$é')), max_size=12))
def test_split_words_agrees_with_shlex(text):
    try:
        expected = shlex.split(text)
    except ValueError:
        with pytest.raises(ValueError):
            _shell_words.split_words(text)
        return
    words = _shell_words.split_words(text)
    assert [w.value for w in words] == expected
    assert all(shlex.split(text[w.start : w.end]) == [w.value] for w in words)


# ------------------------------------------------------------ the edges, bash as the oracle

# YAML-style spellings users write as keys, memory flags named in flags, launch lines an
# assignment must come before, and ~ where bash expands it inside a word.
SPELLINGS = {
    '--xformers': ['xformers', 'Xformers'],
    '--listen': ['listen', 'LISTEN'],
    '--api': ['api'],
    '--no-half': ['no_half', 'No_Half'],
    '--ckpt-dir': ['ckpt_dir'],
    '--theme': ['theme'],
    '--gradio-auth': ['gradio_auth'],
    '--port': ['port'],
    '--lowvram': ['lowvram'],
    '--medvram': ['medvram'],
    '--medvram-sdxl': ['medvram_sdxl'],
}
LAUNCH_LINES = ['exec ./webui.sh "$@"', 'python3 launch.py', 'bash webui.sh', 'exec "$VENV/bin/python" launch.py']


@st.composite
def edge_edits(draw):
    edits = {}
    for flag in draw(st.lists(st.sampled_from(sorted(SPELLINGS)), max_size=4, unique=True)):
        name = draw(st.sampled_from(SPELLINGS[flag]))
        if flag in VALUED:
            edits[name] = draw(st.one_of(st.just(False), VALUE))
        else:
            edits[name] = draw(st.sampled_from([True, False, 'true', 'no']))
    return edits


def bash_launch_args(folder):
    """What the launch line sees: bash runs the script as it is, and the web UI it starts
    (webui.sh, python3 launch.py, ...) is a stand-in that prints its COMMANDLINE_ARGS as
    launch.py splits them. A script that reaches its end without starting it prints null."""
    ui = folder / 'ui'
    ui.write_text(
        '#!%s\nimport json, os, shlex\n'
        'print(json.dumps(shlex.split(os.environ.get("COMMANDLINE_ARGS", ""))))\n' % sys.executable
    )
    ui.chmod(0o755)
    (folder / 'venv' / 'bin').mkdir(parents=True, exist_ok=True)
    for name in ('webui.sh', 'venv/bin/python'):
        if not (folder / name).is_symlink():
            (folder / name).symlink_to(ui)
    script = (
        'cd "$1"; UI="$2"; export VENV="$1/venv"; python3() { "$UI"; exit; }; bash() { "$UI"; exit; }; '
        'source ./webui-user.sh; echo null'
    )
    out = subprocess.run(['bash', '-c', script, 'bash', str(folder), str(ui)], check=True, capture_output=True)
    return json.loads(out.stdout.splitlines()[0])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before_lines=OTHER_LINES,
    args=existing_args(),
    style=st.sampled_from(['"', "'", 'absent']),
    edits=edge_edits(),
    memory=st.sampled_from(['keep', 'none', 'medvram', 'lowvram']),
    launch=st.sampled_from(LAUNCH_LINES),
    tilde=st.sampled_from(['', ':~/b', '=~/b', ':"~"/b']),
)
def test_edges_are_what_bash_gives_the_launch_line(tmp_path, before_lines, args, style, edits, memory, launch, tilde):
    assignment = [] if style == 'absent' else [sh_line(args, style)]
    if tilde and style == '"':
        # An unquoted word before the quoted run, joined to it by an escaped blank: bash
        # expands a ~ right after an unquoted ':' there, and a quoted one never.
        assignment[0] = assignment[0].replace('COMMANDLINE_ARGS=', 'COMMANDLINE_ARGS=--x=/a%s\\ ' % tilde, 1)
    text = '\n'.join(['#!/bin/bash'] + before_lines + assignment + [launch, 'echo after-launch']) + '\n'
    script = tmp_path / 'webui-user.sh'
    script.write_bytes(text.encode())
    if not (tilde and style == '"'):
        assert bash_launch_args(tmp_path) == (args if assignment else [])
    try:
        result = la.edit_text(text, 'sh', flags=edits, memory_mode=memory)
    except la.LaunchArgsError as exc:
        message = str(exc)
        assert (
            'but memory_mode is' in message
            or 'at once; AUTOMATIC1111' in message
            or ('flags removes' in message and 'memory_mode' in message)
            or ('unquoted ~' in message and tilde in (':~/b', '=~/b') and style == '"')
        ), message
        return
    script.write_bytes(result.text.encode())
    assert bash_launch_args(tmp_path) == result.args_after

    names = [o[0] for o in la.parse_args(la.read_value(result.text, 'sh')) if o[0]]
    # The UI's own spelling is written, never a YAML key's.
    assert all('_' not in n and n == n.lower() for n in names)
    group = catalog.memory_group('a1111')
    chosen = [
        la.normalize_flag(k, 'a1111') for k, v in edits.items() if _flag_editor.flag_value('', v, 'a1111') is True
    ]
    chosen = [c for c in chosen if c in group]
    if chosen:
        assert [n for n in names if n in group] == chosen
    elif memory != 'keep':
        assert [n for n in names if n in group] == ([] if memory == 'none' else ['--' + memory])

    again = la.edit_text(result.text, 'sh', flags=edits, memory_mode=memory)
    assert not again.changed and again.text == result.text
