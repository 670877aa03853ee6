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
from ansible_collections.vramfree.webui.plugins.module_utils import _launch_args as la

pytestmark = pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')

SWITCHES = ['--xformers', '--listen', '--api', '--no-half', '--lowvram', '--medvram', '--medvram-sdxl']
VALUED = ['--port', '--ckpt-dir', '--theme', '--gradio-auth']
# Values that stress both quoting levels: spaces, both quotes, backslashes, $ and
# backticks (literal once quoted), non-ASCII.
VALUE = st.text(alphabet=st.sampled_from(list('abc /:.\'"\\$`é=')), min_size=0, max_size=8).filter(
    lambda v: not la._is_flag(v))
OTHER_LINES = st.lists(st.sampled_from([
    '#!/bin/bash', '# Commandline arguments for webui.py, for example: export COMMANDLINE_ARGS="--medvram"',
    '#export COMMANDLINE_ARGS=""', 'export GIT="git"', '', '#venv_dir="venv"', "install_dir='/home/sd'",
    'export TORCH_COMMAND="pip install torch"  # cu118',
]), max_size=5)


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
).filter(lambda d: all(not (k in VALUED and v is True) and not (k in SWITCHES and not isinstance(v, bool))
                       for k, v in d.items()))


def bash_args(path):
    """What launch.py would see: bash sources the file, python splits the variable."""
    script = ('source "$1"; exec "$2" -c \'import json, os, shlex; '
              'print(json.dumps(shlex.split(os.environ.get("COMMANDLINE_ARGS", ""))))\'')
    out = subprocess.run(['bash', '-c', script, 'bash', str(path), sys.executable],
                         check=True, capture_output=True)
    return json.loads(out.stdout)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before_lines=OTHER_LINES, after_lines=OTHER_LINES, args=existing_args(),
       style=st.sampled_from(['"', "'", 'split', 'absent']), edits=EDITS,
       memory=st.sampled_from(['keep', 'none', 'medvram', 'lowvram']), crlf_free_end=st.booleans())
def test_sh_rewrite_is_what_bash_reads(tmp_path, before_lines, after_lines, args, style, edits, memory,
                                       crlf_free_end):
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
        assert old[:index] == new[:index] and old[index + 1:] == new[index + 1:]
    elif result.changed:
        index = result.line_no - 1
        assert new[index].startswith('export COMMANDLINE_ARGS=')
        # Without the new line the file is what it was, but for the line break the
        # new line needed when the file did not end with one.
        assert ''.join(new[:index] + new[index + 1:]) in (text, text + '\n')
    else:
        assert result.text == text

    again = la.edit_text(result.text, 'sh', flags=edits, memory_mode=memory)
    assert not again.changed and again.text == result.text


@settings(max_examples=150, deadline=None)
@given(args=existing_args(), edits=EDITS, memory=st.sampled_from(['keep', 'none', 'medvram']),
       fmt=st.sampled_from(['bat', 'env']), quoted=st.booleans())
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


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(' \t\'"\\ab$é')), max_size=12))
def test_split_words_agrees_with_shlex(text):
    try:
        expected = shlex.split(text)
    except ValueError:
        with pytest.raises(ValueError):
            la.split_words(text)
        return
    words = la.split_words(text)
    assert [w.value for w in words] == expected
    assert all(shlex.split(text[w.start:w.end]) == [w.value] for w in words)
