# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The format objects on their own: each decodes a line into the variable's text as its
language does and encodes a text back so that it reads the same. For ``sh``, and for the
quoted ``env`` values that bash and systemd read alike, bash itself is the oracle."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ansible_collections.vramfree.webui.plugins.module_utils import _launch_formats as formats
from ansible_collections.vramfree.webui.plugins.module_utils._launch_error import LaunchArgsError

SH = formats.get('sh')
BAT = formats.get('bat')
ENV = formats.get('env')

needs_bash = pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')

# The variable's text, with what each language treats specially: blanks, both quotes,
# backslashes, $ and backticks, ~ after : and =, comment and operator characters.
TEXT = st.text(alphabet=st.sampled_from(list('ab -/:=~\'"\\$`#;&|()\té')), max_size=12)
STYLES = st.sampled_from(['"', "'", 'bare', 'mixed'])


def bash_value(path):
    """COMMANDLINE_ARGS exactly as bash leaves it after sourcing ``path``."""
    script = 'set -a; source "$1" || exit 3; printf %s "$COMMANDLINE_ARGS"'
    out = subprocess.run(['bash', '-c', script, 'bash', str(path)], check=True, capture_output=True)
    return out.stdout.decode('utf-8')


def only_assignment(fmt, line):
    assignment = fmt.find_assignment(formats.split_lines(line + '\n'))
    assert assignment is not None and assignment.index == 0
    return assignment


# ---------------------------------------------------------------- sh: bash is the oracle


@needs_bash
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=TEXT, style=STYLES)
def test_sh_encode_is_what_bash_reads_and_decodes_back(tmp_path, value, style):
    raw = SH.encode(value, style)
    line = 'export COMMANDLINE_ARGS=' + raw
    script = tmp_path / 'webui-user.sh'
    script.write_bytes((line + '\n').encode('utf-8'))
    assert bash_value(script) == value
    assignment = only_assignment(SH, line)
    assert (assignment.value, assignment.raw) == (value, raw)
    if style == 'bare' and raw == value:
        assert assignment.style == 'bare'


# Pieces of a hand-written value: quoted runs, escapes, and the expansions the decoder
# must refuse because bash would expand them.
SH_PIECES = [
    'a',
    '--x',
    ' ',
    '\\ ',
    "'b c'",
    "'$v'",
    '"d e"',
    '"\\"q\\""',
    '"\\$x"',
    '\\$',
    '\\\\',
    '"\\\\"',
    '$v',
    '${v}',
    '`a`',
    '~',
    ':~',
    '=~',
    '"~"',
    '\\~',
    ':',
    '=',
    '#',
    '\\#',
    'é',
    '"a\'b"',
    '\\"',
]


@needs_bash
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pieces=st.lists(st.sampled_from(SH_PIECES), max_size=6),
    tail=st.sampled_from(['', '  # comment', '; export COMMANDLINE_ARGS']),
)
# Found by this test: an escaped backslash before ":~" was taken for an escaped ":",
# so the ~ that bash expands was kept as a literal one.
@example(pieces=['\\\\', ':~'], tail='')
@example(pieces=['\\:', '~'], tail='')
def test_sh_decode_agrees_with_bash_or_refuses(tmp_path, pieces, tail):
    line = 'export COMMANDLINE_ARGS=' + ''.join(pieces) + tail
    try:
        assignment = only_assignment(SH, line)
    except LaunchArgsError:
        return
    script = tmp_path / 'webui-user.sh'
    # HOME and v set to text no value contains, so an expansion that slipped through shows.
    script.write_bytes(('HOME=/HOME; v=EXPANDED\n' + line + '\n').encode('utf-8'))
    assert bash_value(script) == assignment.value
    rendered = SH.render(assignment, assignment.value)
    assert rendered.endswith(tail) and only_assignment(SH, rendered).value == assignment.value


@pytest.mark.parametrize(
    'value, style, raw',
    [
        ('--a --b', '"', '"--a --b"'),
        ('--a', 'bare', '--a'),
        ('', 'bare', ''),
        ('--a b', 'bare', '"--a b"'),
        ("--a 'b c'", "'", '"--a \'b c\'"'),
        ('--a "b c"', "'", '\'--a "b c"\''),
        ('$x `y` \\z \\', '"', '"\\$x \\`y\\` \\z \\\\"'),
        ('--a', 'mixed', '"--a"'),
    ],
)
def test_sh_encode(value, style, raw):
    assert SH.encode(value, style) == raw


@pytest.mark.parametrize(
    'line, message',
    [
        ('export COMMANDLINE_ARGS="$X"', 'built with shell expansion'),
        ('export COMMANDLINE_ARGS=--p=~/x', 'unquoted ~ after ":" or "="'),
        ('export COMMANDLINE_ARGS+=--x', 'appended to (+=)'),
        ('export COMMANDLINE_ARGS=--x OTHER=1', 'unexpected text after the COMMANDLINE_ARGS value'),
        ('export COMMANDLINE_ARGS=--x\\', 'goes on over several lines'),
        ("export COMMANDLINE_ARGS='--x", 'unbalanced quotes'),
    ],
)
def test_sh_refuses_what_only_the_running_script_knows(line, message):
    with pytest.raises(LaunchArgsError, match=message.replace('+', '\\+').replace('(', '\\(').replace(')', '\\)')):
        only_assignment(SH, line)


@pytest.mark.parametrize(
    'lines, warned',
    [
        (['COMMANDLINE_ARGS="--a"'], True),
        (['export COMMANDLINE_ARGS="--a"'], False),
        (['COMMANDLINE_ARGS="--a"; export COMMANDLINE_ARGS'], False),
        (['declare -x COMMANDLINE_ARGS', 'COMMANDLINE_ARGS="--a"'], False),
        (['set -o allexport', 'COMMANDLINE_ARGS="--a"'], False),
        (['# export COMMANDLINE_ARGS', 'COMMANDLINE_ARGS="--a"'], True),
    ],
)
def test_sh_warns_about_an_assignment_never_exported(lines, warned):
    assert bool(SH.warnings([line + '\n' for line in lines])) is warned


# ---------------------------------------------------------------- env: systemd's rules


@given(value=TEXT.filter(lambda v: '\t' not in v), style=STYLES)
def test_env_encode_decodes_back(value, style):
    raw = ENV.encode(value, style)
    assignment = only_assignment(ENV, 'COMMANDLINE_ARGS=' + raw)
    assert assignment.value == value
    assert assignment.raw == raw


@needs_bash
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=TEXT, style=st.sampled_from(['"', "'"]))
def test_env_quoted_values_read_the_same_in_bash(tmp_path, value, style):
    # A quoted value is where systemd's rules and bash's agree, which is why a new env
    # assignment is written in double quotes.
    line = 'COMMANDLINE_ARGS=' + ENV.encode(value, style)
    env_file = tmp_path / 'sd-webui'
    env_file.write_bytes((line + '\n').encode('utf-8'))
    assert bash_value(env_file) == value == only_assignment(ENV, line).value


@pytest.mark.parametrize(
    'raw, value',
    [
        ('--a --b', '--a --b'),
        ('  --a  ', '--a'),
        ('"--a \\x \\$HOME"', '--a \\x $HOME'),
        ("'--a \\x'", '--a \\x'),
        ('--a\\ b\\\\c', '--a b\\c'),
        ('$HOME', '$HOME'),
        # After a closing quote systemd reads on unquoted, where a quote is just a character.
        ('"a"b\'c\'', "ab'c'"),
    ],
)
def test_env_decode(raw, value):
    assert only_assignment(ENV, 'COMMANDLINE_ARGS=' + raw).value == value


@pytest.mark.parametrize(
    'value, raw',
    [
        ('--a --b', '--a --b'),
        ('--a ', '"--a "'),
        ('"--a"', '"\\"--a\\""'),
        ('C:\\x', '"C:\\x"'),
    ],
)
def test_env_bare_stays_bare_only_while_systemd_reads_it_back(value, raw):
    assert ENV.encode(value, 'bare') == raw


# ---------------------------------------------------------------- bat: cmd.exe takes the rest of the line


@given(value=st.text(alphabet=st.sampled_from(list('ab -/:\\é"')), max_size=12), quoted=st.booleans())
def test_bat_value_is_the_rest_of_the_line(value, quoted):
    if quoted:
        line = 'set "COMMANDLINE_ARGS=%s"  ' % value
    else:
        line = 'set COMMANDLINE_ARGS=%s' % value
    try:
        assignment = only_assignment(BAT, line)
    except LaunchArgsError as exc:
        assert 'operator' in str(exc)
        return
    assert assignment.value == value
    assert BAT.encode(value, assignment.style) == value
    assert BAT.render(assignment, value) == line


@pytest.mark.parametrize(
    'line, message',
    [
        ('set COMMANDLINE_ARGS=%EXTRA%', 'uses %VAR% expansion'),
        ('set COMMANDLINE_ARGS=--a & echo', 'cmd.exe operator'),
        ('set COMMANDLINE_ARGS=--a ^& b', 'cmd.exe operator'),
        ('set "COMMANDLINE_ARGS=--a', 'unbalanced quotes'),
    ],
)
def test_bat_refuses(line, message):
    with pytest.raises(LaunchArgsError, match=message):
        only_assignment(BAT, line)


def test_bat_operators_inside_quotes_are_text():
    assert only_assignment(BAT, 'set COMMANDLINE_ARGS=--a "x & y"').value == '--a "x & y"'
    assert only_assignment(BAT, 'set "COMMANDLINE_ARGS=--a x&y"').value == '--a x&y'


def test_bat_words_quote_cmd_operators_and_task_values_refuse_percent_and_quotes():
    assert BAT.quote_word('a&b', BAT.default_inner_quote("'")) == '"a&b"'
    assert SH.quote_word('a&b', SH.default_inner_quote('"')) == 'a&b'
    with pytest.raises(LaunchArgsError, match='cannot contain % or a double quote'):
        BAT.check_task_value('--theme', '50%')
    SH.check_task_value('--theme', '50%')


# ---------------------------------------------------------------- comments, other forms, insertion points


@pytest.mark.parametrize(
    'fmt, line, comment',
    [
        (SH, '  # export COMMANDLINE_ARGS=', True),
        (SH, 'export X=1 # c', False),
        (BAT, 'REM set COMMANDLINE_ARGS=', True),
        (BAT, ':: x', True),
        (BAT, '@rem', True),
        (BAT, 'remark', False),
        (ENV, '; COMMANDLINE_ARGS=', True),
        (ENV, '# x', True),
        (ENV, 'A=#', False),
    ],
)
def test_comment_syntax(fmt, line, comment):
    assert fmt.is_comment(line) is comment


@pytest.mark.parametrize(
    'fmt, line, message',
    [
        (SH, 'if x; then COMMANDLINE_ARGS=--a; fi', 'form this module does not edit'),
        (BAT, 'if exist x set COMMANDLINE_ARGS=--a', 'form this module does not edit'),
        (ENV, 'export COMMANDLINE_ARGS=--a', 'systemd does not read "export"'),
    ],
)
def test_other_forms_are_refused(fmt, line, message):
    with pytest.raises(LaunchArgsError, match=message):
        fmt.find_assignment([line + '\n'])


@pytest.mark.parametrize(
    'fmt, lines, point',
    [
        (SH, ['#!/bin/bash', '#export COMMANDLINE_ARGS=""', 'exec ./webui.sh'], (2, '')),
        (SH, ['#!/bin/bash', 'exec ./webui.sh', '#export COMMANDLINE_ARGS=""'], (1, '')),
        (SH, ['#!/bin/bash', '# python launch.py', '  python3 launch.py'], (2, '  ')),
        (SH, ['#!/bin/bash'], (1, '')),
        (BAT, ['@echo off', 'rem call webui.bat', 'call webui.bat'], (2, '')),
        (BAT, ['@echo off', '  rem set COMMANDLINE_ARGS=', 'call webui.bat'], (2, '  ')),
        (ENV, ['A=1', '# COMMANDLINE_ARGS=--lowvram', 'python launch.py'], (2, '')),
        (ENV, ['A=1', 'python launch.py'], (2, '')),
    ],
)
def test_insertion_point_is_before_the_launch_line(fmt, lines, point):
    assert fmt.insertion_point([line + '\n' for line in lines]) == point


@pytest.mark.parametrize(
    'fmt, line',
    [
        (SH, 'export COMMANDLINE_ARGS="--a \'b c\'"'),
        (BAT, 'set COMMANDLINE_ARGS=--a \'b c\''),
        (ENV, 'COMMANDLINE_ARGS="--a \'b c\'"'),
    ],
)
def test_new_assignment_reads_back(fmt, line):
    assert fmt.new_assignment("--a 'b c'", '') == line
    assert only_assignment(fmt, line).value == "--a 'b c'"


def test_lookup_by_name_and_by_file_name():
    assert [formats.get(name).name for name in formats.NAMES] == ['sh', 'bat', 'env']
    assert [formats.detect(p) for p in ('a.sh', 'A.BAT', 'b.cmd', 'sd-webui', 'x.env')] == [
        'sh',
        'bat',
        'bat',
        'env',
        'env',
    ]
    assert (SH.new_file_eol, BAT.new_file_eol, ENV.new_file_eol) == ('\n', '\r\n', '\n')
    with pytest.raises(LaunchArgsError, match="unknown format 'ini'; one of sh, bat, env"):
        formats.get('ini')
