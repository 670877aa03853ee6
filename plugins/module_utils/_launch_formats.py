# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The outer quoting level: one object per launch-file language, each knowing how its
lines set ``COMMANDLINE_ARGS``.

``sh`` is bash (``webui-user.sh``), ``bat`` is cmd.exe (``webui-user.bat``), ``env`` is a
systemd EnvironmentFile (src/basic/env-file.c). Each object says which lines assign the
variable, which are comments, how the assigned text decodes into the variable's text and
how a new text is encoded back in the line's own quoting, where a new assignment goes,
and what the language itself forbids. A rule of one of these languages changes here and
nowhere else; the words inside the variable's text are ``_shell_words``' business.
"""

from __future__ import annotations

import re

from ansible_collections.vramfree.webui.plugins.module_utils._launch_error import LaunchArgsError
from ansible_collections.vramfree.webui.plugins.module_utils._secrets import mask_line
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import quote_word

_LINE = re.compile(r'[^\n]*\n|[^\n]+')


def split_lines(text):
    """Lines with their line endings, so that ''.join() gives ``text`` back."""
    return _LINE.findall(text)


def line_content(line):
    """(text, line ending) of one line of ``split_lines``."""
    if line.endswith('\r\n'):
        return line[:-2], '\r\n'
    if line.endswith('\n'):
        return line[:-1], '\n'
    return line, ''


def _double_quoted(text):
    """Double quotes as bash and systemd both read them: a backslash is escaped only
    where it would otherwise escape the next character."""
    out = []
    for k, c in enumerate(text):
        if c in '"$`' or (c == '\\' and (k + 1 == len(text) or text[k + 1] in '"$`\\')):
            out.append('\\')
        out.append(c)
    return '"' + ''.join(out) + '"'


def _single_quoted_or_double(text):
    if "'" in text:
        return _double_quoted(text)
    return "'" + text + "'"


def _style(segments):
    """The quote style of a value from its segments: one quoted run keeps its quote."""
    collapsed = [s for k, s in enumerate(segments) if k == 0 or s != 'bare' or segments[k - 1] != 'bare']
    if not collapsed or collapsed == ['bare']:
        return 'bare'
    if len(collapsed) == 1:
        return collapsed[0]
    return 'mixed'


def _unbalanced(line_no, line):
    return LaunchArgsError(
        'unbalanced quotes in the COMMANDLINE_ARGS value (a value that goes on over several lines is not supported)',
        line_no=line_no,
        line=line,
    )


class Assignment:
    """The active assignment: ``line`` = ``prefix`` + raw value + ``suffix``."""

    __slots__ = ('index', 'prefix', 'raw', 'suffix', 'style', 'value', 'eol')

    def __init__(self, index, prefix, raw, suffix, style, value, eol):
        self.index = index
        self.prefix = prefix
        self.raw = raw
        self.suffix = suffix
        self.style = style
        self.value = value
        self.eol = eol


class LaunchFormat:
    """What the three languages share; a subclass fills in its patterns and rules."""

    name = None
    # File name endings that select this format for ``format: auto``.
    suffixes = ()
    # The line ending of a file that has none yet.
    new_file_eol = '\n'
    # Characters the language would act on inside the variable's text, so a new word
    # holding one is quoted even where shlex alone would not need it.
    word_operators = ''
    # How a new assignment starts; the value follows encoded as a double-quoted one.
    new_prefix = 'COMMANDLINE_ARGS='
    # Patterns over a line without its ending: an active assignment; the stock
    # commented-out one (group 1: its indent); the line that starts the web UI (group 1:
    # its indent; an assignment after it comes too late to matter); a comment.
    assignment_pattern = None
    anchor_pattern = None
    launch_pattern = None
    comment_pattern = None

    def is_comment(self, content):
        return bool(self.comment_pattern.match(content))

    def is_assignment(self, content):
        return bool(self.assignment_pattern.match(content))

    # A line that sets the variable in a form this module does not edit, and the forms it
    # does edit, for the message; None where the format has no such forms.
    other_assignment_pattern = None
    edited_forms = ''

    def check_other_forms(self, index, content):
        """Refuse a line that sets the variable in a form this module does not edit."""
        if (
            self.other_assignment_pattern is not None
            and not self.is_comment(content)
            and self.other_assignment_pattern.search(content)
        ):
            raise LaunchArgsError(
                'COMMANDLINE_ARGS is set in a form this module does not edit (only %s on a line of its own)'
                % self.edited_forms,
                line_no=index + 1,
                line=content,
            )

    def parse(self, index, content, eol):
        """The assignment on ``content`` (a line that ``is_assignment``)."""
        raise NotImplementedError

    def parse_line(self, index, line):
        content, eol = line_content(line)
        return self.parse(index, content, eol)

    def find_assignment(self, lines):
        """The active assignment of ``lines``, or None. Refuses files it cannot edit safely."""
        found = None
        for index, line in enumerate(lines):
            content = line_content(line)[0]
            if self.is_assignment(content):
                if found is not None:
                    raise LaunchArgsError(
                        'more than one active COMMANDLINE_ARGS assignment (the first is '
                        'line %d: %s); keep one' % (found.index + 1, mask_line(lines[found.index])),
                        line_no=index + 1,
                        line=content,
                    )
                found = self.parse_line(index, line)
            else:
                self.check_other_forms(index, content)
        return found

    def stays_bare(self, value):
        """Whether ``value`` reads back unchanged written without quotes."""
        return False

    def encode(self, value, style):
        """The raw text of the line's value for the variable's text ``value``."""
        if style == "'":
            return _single_quoted_or_double(value)
        if style == 'bare' and self.stays_bare(value):
            return value
        return _double_quoted(value)

    def render(self, assignment, value):
        """The assignment's line (without its ending) setting ``value`` instead."""
        return assignment.prefix + self.encode(value, assignment.style) + assignment.suffix

    def new_assignment(self, value, indent):
        return indent + self.new_prefix + self.encode(value, '"')

    def insertion_point(self, lines):
        """Where a new assignment goes: after the stock commented-out one, else before the
        line that starts the web UI (an assignment after it has no effect), else at the end.
        Returns (index, indent)."""
        launch = None
        for index, line in enumerate(lines if self.launch_pattern else []):
            content = line_content(line)[0]
            match = self.launch_pattern.match(content)
            if match and not self.is_comment(content):
                launch = (index, match.group(1))
                break
        for index, line in enumerate(lines[: launch[0] if launch else len(lines)]):
            match = self.anchor_pattern.match(line_content(line)[0])
            if match:
                return index + 1, match.group(1)
        return launch or (len(lines), '')

    def default_inner_quote(self, outer):
        """The quote for new words when the value has none yet: the one that needs no
        escaping inside the line's own ``outer`` quoting."""
        return '"' if outer == "'" else "'"

    def quote_word(self, value, inner):
        return quote_word(value, inner, self.word_operators)

    def check_task_value(self, flag, text):
        """Refuse a value from the task that this language cannot carry."""

    def check_edited_value(self, value, assignment):
        """Refuse an edited variable text that this language would not pass on as is."""

    def warnings(self, lines):
        """Warnings about the finished file ``lines``."""
        return []


_SH_ASSIGNMENT = re.compile(r'^[ \t]*(?:export[ \t]+)?COMMANDLINE_ARGS(\+?)=')
_SH_OTHER_ASSIGNMENT = re.compile(r'(?:^|[\s;&|(`])COMMANDLINE_ARGS\+?=')
_SH_EXPORTED = re.compile(
    r'(?:^|;)[ \t]*(?:export|declare[ \t]+-[a-zA-Z]*x[a-zA-Z]*)[ \t][^#]*\bCOMMANDLINE_ARGS\b'
    r'|^[ \t]*set[ \t]+(?:-[a-zA-Z]*a|-o[ \t]+allexport)'
)
_SH_REST = re.compile(r'^[ \t]*(?:#.*)?$|^[ \t]*;[ \t]*export[ \t]+COMMANDLINE_ARGS[ \t]*;?[ \t]*(?:#.*)?$')
_SH_BARE_SAFE = re.compile(r'^[A-Za-z0-9_@%+=:,./-]+$')


class ShFormat(LaunchFormat):
    """bash, as it sources ``webui-user.sh``."""

    name = 'sh'
    suffixes = ('.sh',)
    new_prefix = 'export COMMANDLINE_ARGS='
    assignment_pattern = _SH_ASSIGNMENT
    anchor_pattern = re.compile(r'^([ \t]*)#+[ \t]*(?:export[ \t]+)?COMMANDLINE_ARGS=')
    launch_pattern = re.compile(
        r'^([ \t]*)(?:exec[ \t]+)?(?:(?:bash|sh|source|\.)[ \t]+)?'
        r'(?:"?[^"\s#]*python[^"\s#]*"?[ \t]+)?"?[^"\s#]*(?:webui\.sh|launch\.py|webui\.py|main\.py)\b'
    )

    def is_comment(self, content):
        return content.lstrip().startswith('#')

    other_assignment_pattern = _SH_OTHER_ASSIGNMENT
    edited_forms = '"export COMMANDLINE_ARGS=..." or "COMMANDLINE_ARGS=..."'

    def parse(self, index, content, eol):
        line_no = index + 1
        match = _SH_ASSIGNMENT.match(content)
        if match.group(1):
            raise LaunchArgsError(
                'COMMANDLINE_ARGS is appended to (+=), so part of its value comes from elsewhere',
                line_no=line_no,
                line=content,
            )
        value, end, style = self.decode(content, match.end(), line_no)
        if not _SH_REST.match(content[end:]):
            raise LaunchArgsError('unexpected text after the COMMANDLINE_ARGS value', line_no=line_no, line=content)
        rest = content[end:]
        return Assignment(index, content[: match.end()], content[match.end() : end], rest, style, value, eol)

    def decode(self, line, start, line_no):
        """Decode a bash assignment value starting at ``start``; returns (value, end, style)."""
        i, n = start, len(line)
        chars, segments = [], []
        # Whether the character just read was an unquoted, unescaped ":" or "=": bash
        # expands a ~ right after one in an assignment (a "\\" before it is a literal
        # backslash, and does not escape it).
        after_separator = False
        while i < n:
            c = line[i]
            if c in ' \t;&|<>()':
                break
            if c == '~' and after_separator:
                raise LaunchArgsError(
                    'the COMMANDLINE_ARGS value has an unquoted ~ after ":" or "=", which bash '
                    'expands to a home directory, so its arguments are only known when the '
                    'script runs; quote it ("~") to keep it literal',
                    line_no=line_no,
                    line=line,
                )
            if c == "'":
                close = line.find("'", i + 1)
                if close < 0:
                    raise _unbalanced(line_no, line)
                chars.append(line[i + 1 : close])
                segments.append("'")
                i = close + 1
            elif c == '"':
                segments.append('"')
                i += 1
                while True:
                    if i >= n:
                        raise _unbalanced(line_no, line)
                    c = line[i]
                    if c == '"':
                        i += 1
                        break
                    if c == '\\' and i + 1 < n and line[i + 1] in '$`"\\':
                        chars.append(line[i + 1])
                        i += 2
                        continue
                    if c in '$`':
                        raise LaunchArgsError(
                            'the COMMANDLINE_ARGS value is built with shell expansion ($VAR, '
                            '${VAR}, $(cmd) or backticks), so its arguments are only known '
                            'when the script runs',
                            line_no=line_no,
                            line=line,
                        )
                    chars.append(c)
                    i += 1
            elif c == '\\':
                if i + 1 >= n:
                    raise LaunchArgsError(
                        'the COMMANDLINE_ARGS value goes on over several lines, which is not supported',
                        line_no=line_no,
                        line=line,
                    )
                chars.append(line[i + 1])
                segments.append('bare')
                i += 2
            elif c in '$`' or (c == '~' and i == start):
                raise LaunchArgsError(
                    'the COMMANDLINE_ARGS value is built with shell expansion ($VAR, '
                    '${VAR}, $(cmd), backticks or ~), so its arguments are only known '
                    'when the script runs',
                    line_no=line_no,
                    line=line,
                )
            else:
                chars.append(c)
                segments.append('bare')
                i += 1
                after_separator = c in ':='
                continue
            after_separator = False
        return ''.join(chars), i, _style(segments)

    def stays_bare(self, value):
        return value == '' or bool(_SH_BARE_SAFE.match(value))

    def warnings(self, lines):
        # bash keeps an assignment that is never exported to itself.
        for line in lines:
            content = line_content(line)[0]
            if _SH_EXPORTED.search(content) or content.lstrip().startswith('export ') and _SH_ASSIGNMENT.match(content):
                return []
        return [
            'COMMANDLINE_ARGS is set but never exported, so the web UI will not see it; add "export COMMANDLINE_ARGS"'
        ]


_BAT_ASSIGNMENT = re.compile(r'^[ \t]*@?[ \t]*set[ \t]+(")?COMMANDLINE_ARGS=', re.IGNORECASE)
_BAT_OTHER_ASSIGNMENT = re.compile(r'\bset[ \t]+"?COMMANDLINE_ARGS=', re.IGNORECASE)


class BatFormat(LaunchFormat):
    """cmd.exe, as it runs ``webui-user.bat``: ``set`` takes the rest of the line as it is,
    so the value needs no decoding, only the checks that nothing in it expands."""

    name = 'bat'
    suffixes = ('.bat', '.cmd')
    new_file_eol = '\r\n'
    word_operators = '&|<>^()'
    new_prefix = 'set COMMANDLINE_ARGS='
    assignment_pattern = _BAT_ASSIGNMENT
    anchor_pattern = re.compile(r'^([ \t]*)@?[ \t]*(?:rem|::)[ \t]*@?[ \t]*set[ \t]+"?COMMANDLINE_ARGS=', re.IGNORECASE)
    launch_pattern = re.compile(
        r'^([ \t]*)@?[ \t]*(?:call[ \t]+)?(?:"?[^"\s]*python[^"\s]*"?[ \t]+|%[A-Z_]+%[ \t]+)?'
        r'"?[^"\s]*(?:webui\.bat|launch\.py|webui\.py|main\.py)\b',
        re.IGNORECASE,
    )
    comment_pattern = re.compile(r'^[ \t]*@?[ \t]*(?:rem(?:[ \t]|$)|::)', re.IGNORECASE)

    other_assignment_pattern = _BAT_OTHER_ASSIGNMENT
    edited_forms = '"set COMMANDLINE_ARGS=..."'

    def parse(self, index, content, eol):
        line_no = index + 1
        match = _BAT_ASSIGNMENT.match(content)
        if match.group(1):
            close = content.rfind('"')
            if close < match.end():
                raise LaunchArgsError(
                    'unbalanced quotes in the COMMANDLINE_ARGS assignment', line_no=line_no, line=content
                )
            raw, suffix = content[match.end() : close], content[close:]
        else:
            raw, suffix = content[match.end() :], ''
        self.check_value(raw, bool(match.group(1)), line_no, content)
        return Assignment(index, content[: match.end()], raw, suffix, 'raw', raw, eol)

    @staticmethod
    def check_value(value, quoted, line_no, line):
        if '%' in value:
            raise LaunchArgsError(
                'the COMMANDLINE_ARGS value uses %VAR% expansion, so its arguments are only known when the script runs',
                line_no=line_no,
                line=line,
            )
        inside = quoted
        for c in value:
            if c == '"':
                inside = not inside
            elif not inside and c in '&|<>^':
                raise LaunchArgsError(
                    'the COMMANDLINE_ARGS value contains a cmd.exe operator or escape (& | < > ^) outside quotes',
                    line_no=line_no,
                    line=line,
                )

    def encode(self, value, style):
        return value

    def default_inner_quote(self, outer):
        # cmd.exe gives single quotes no meaning: only double quotes keep its operators literal.
        return '"'

    def check_task_value(self, flag, text):
        if '%' in text or '"' in text:
            raise LaunchArgsError('flag %s: a value written to a .bat file cannot contain %% or a double quote' % flag)

    def check_edited_value(self, value, assignment):
        self.check_value(value, assignment is not None and '"' in assignment.prefix, None, None)


_ENV_ASSIGNMENT = re.compile(r'^[ \t]*COMMANDLINE_ARGS[ \t]*=')
_ENV_EXPORT = re.compile(r'^[ \t]*export[ \t]+COMMANDLINE_ARGS[ \t]*=')


class EnvFormat(LaunchFormat):
    """A systemd EnvironmentFile (src/basic/env-file.c), one line per variable. There is
    no line that starts the web UI: the unit does."""

    name = 'env'
    assignment_pattern = _ENV_ASSIGNMENT
    anchor_pattern = re.compile(r'^([ \t]*)[#;]+[ \t]*COMMANDLINE_ARGS[ \t]*=')
    comment_pattern = re.compile(r'^[ \t]*[#;]')

    def check_other_forms(self, index, content):
        if _ENV_EXPORT.match(content):
            raise LaunchArgsError(
                'systemd does not read "export" in an EnvironmentFile: this line sets nothing',
                line_no=index + 1,
                line=content,
            )

    def parse(self, index, content, eol):
        match = _ENV_ASSIGNMENT.match(content)
        value, style = self.decode(content, match.end(), index + 1)
        start = match.end()
        while start < len(content) and content[start] in ' \t':
            start += 1
        end = max(len(content.rstrip(' \t')), start)
        if content[start:end].endswith('\\') and end < len(content):
            end += 1
        return Assignment(index, content[:start], content[start:end], content[end:], style, value, eol)

    def decode(self, line, start, line_no):
        """Decode a systemd EnvironmentFile value (one line); returns (value, style)."""
        i, n = start, len(line)
        chars, segments = [], []
        state = 'pre'
        trailing_ws = None
        while i < n:
            c = line[i]
            if state == 'pre':
                if c in ' \t':
                    pass
                elif c == "'":
                    close = line.find("'", i + 1)
                    if close < 0:
                        raise _unbalanced(line_no, line)
                    chars.append(line[i + 1 : close])
                    segments.append("'")
                    i = close
                elif c == '"':
                    segments.append('"')
                    i += 1
                    while True:
                        if i >= n or (line[i] == '\\' and i + 1 >= n):
                            raise _unbalanced(line_no, line)
                        c = line[i]
                        if c == '"':
                            break
                        if c == '\\':
                            if line[i + 1] not in '"\\`$':
                                chars.append('\\')
                            chars.append(line[i + 1])
                            i += 2
                            continue
                        chars.append(c)
                        i += 1
                else:
                    state = 'value'
                    continue
            else:
                segments.append('bare')
                if c == '\\':
                    if i + 1 >= n:
                        raise LaunchArgsError(
                            'the COMMANDLINE_ARGS value goes on over several lines, which is not supported',
                            line_no=line_no,
                            line=line,
                        )
                    chars.append(line[i + 1])
                    trailing_ws = None
                    i += 1
                else:
                    if c not in ' \t':
                        trailing_ws = None
                    elif trailing_ws is None:
                        trailing_ws = len(chars)
                    chars.append(c)
            i += 1
        if state == 'value' and trailing_ws is not None:
            chars = chars[:trailing_ws]
        return ''.join(chars), _style(segments)

    def stays_bare(self, value):
        # systemd drops blanks at either end of an unquoted value and reads a leading
        # quote as the start of a quoted one.
        return '\\' not in value and value == value.strip(' \t') and value[:1] not in ('"', "'")


NAMES = ('sh', 'bat', 'env')
_BY_NAME = {f.name: f for f in (ShFormat(), BatFormat(), EnvFormat())}


def get(name):
    """The format object for ``name``."""
    if name not in _BY_NAME:
        raise LaunchArgsError('unknown format %r; one of %s' % (name, ', '.join(NAMES)))
    return _BY_NAME[name]


def detect(path):
    """``bat`` for .bat/.cmd, ``sh`` for .sh, else ``env`` (systemd EnvironmentFiles
    usually have no extension, e.g. /etc/default/sd-webui)."""
    lower = path.lower()
    for name in NAMES:
        if _BY_NAME[name].suffixes and lower.endswith(_BY_NAME[name].suffixes):
            return name
    return 'env'
