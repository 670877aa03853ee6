# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read and rewrite the one line that sets ``COMMANDLINE_ARGS`` in a launch script.

Two levels of quoting meet on that line. The file's own language (bash for ``sh``,
cmd.exe for ``bat``, systemd's EnvironmentFile rules for ``env``) turns the line into the
environment variable's text; the web UI then runs ``shlex.split`` on that text (A1111's
``launch_utils``), which gives the arguments argparse sees. Both levels are decoded here
exactly, words keep the bytes they were written with unless an edit touches them, and the
rewritten line is decoded again before it is returned, so what is written is what the UI
will read.

Pure functions over text: nothing here touches files or imports Ansible.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections import Counter

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.module_utils import _secrets
from ansible_collections.vramfree.webui.plugins.module_utils._secrets import is_secret, mask_line
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import Word, split_words
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import is_flag as _is_flag
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import quote_word as _quote_word

FORMATS = ('sh', 'bat', 'env')
NAME = 'COMMANDLINE_ARGS'

_FLAG_NAME = re.compile(r'^--?[A-Za-z0-9][A-Za-z0-9_.-]*$')
_LINE = re.compile(r'[^\n]*\n|[^\n]+')

_SH_ASSIGNMENT = re.compile(r'^[ \t]*(?:export[ \t]+)?COMMANDLINE_ARGS(\+?)=')
_SH_OTHER_ASSIGNMENT = re.compile(r'(?:^|[\s;&|(`])COMMANDLINE_ARGS\+?=')
_SH_EXPORTED = re.compile(r'(?:^|;)[ \t]*(?:export|declare[ \t]+-[a-zA-Z]*x[a-zA-Z]*)[ \t][^#]*\bCOMMANDLINE_ARGS\b'
                          r'|^[ \t]*set[ \t]+(?:-[a-zA-Z]*a|-o[ \t]+allexport)')
_SH_REST = re.compile(r'^[ \t]*(?:#.*)?$|^[ \t]*;[ \t]*export[ \t]+COMMANDLINE_ARGS[ \t]*;?[ \t]*(?:#.*)?$')
_SH_ANCHOR = re.compile(r'^([ \t]*)#+[ \t]*(?:export[ \t]+)?COMMANDLINE_ARGS=')
_SH_BARE_SAFE = re.compile(r'^[A-Za-z0-9_@%+=:,./-]+$')

_BAT_ASSIGNMENT = re.compile(r'^[ \t]*@?[ \t]*set[ \t]+(")?COMMANDLINE_ARGS=', re.IGNORECASE)
_BAT_OTHER_ASSIGNMENT = re.compile(r'\bset[ \t]+"?COMMANDLINE_ARGS=', re.IGNORECASE)
_BAT_COMMENT = re.compile(r'^[ \t]*@?[ \t]*(?:rem(?:[ \t]|$)|::)', re.IGNORECASE)
_BAT_ANCHOR = re.compile(r'^([ \t]*)@?[ \t]*(?:rem|::)[ \t]*@?[ \t]*set[ \t]+"?COMMANDLINE_ARGS=', re.IGNORECASE)
_BAT_LAUNCH = re.compile(r'^([ \t]*)@?[ \t]*(?:call[ \t]+)?(?:"?[^"\s]*python[^"\s]*"?[ \t]+|%[A-Z_]+%[ \t]+)?'
                         r'"?[^"\s]*(?:webui\.bat|launch\.py|webui\.py|main\.py)\b', re.IGNORECASE)
# The line that starts the web UI: an assignment after it comes too late to matter.
_SH_LAUNCH = re.compile(r'^([ \t]*)(?:exec[ \t]+)?(?:(?:bash|sh|source|\.)[ \t]+)?'
                        r'(?:"?[^"\s#]*python[^"\s#]*"?[ \t]+)?"?[^"\s#]*(?:webui\.sh|launch\.py|webui\.py|main\.py)\b')

_ENV_ASSIGNMENT = re.compile(r'^[ \t]*COMMANDLINE_ARGS[ \t]*=')
_ENV_EXPORT = re.compile(r'^[ \t]*export[ \t]+COMMANDLINE_ARGS[ \t]*=')
_ENV_COMMENT = re.compile(r'^[ \t]*[#;]')
_ENV_ANCHOR = re.compile(r'^([ \t]*)[#;]+[ \t]*COMMANDLINE_ARGS[ \t]*=')

_BOOLEAN_WORDS = {'true': True, 'yes': True, 'on': True, 'false': False, 'no': False, 'off': False}


class LaunchArgsError(Exception):
    """A file or a request this module will not act on; the file stays as it is."""

    def __init__(self, msg, line_no=None, line=None):
        if line_no is not None:
            msg = '%s (line %d: %s)' % (msg, line_no, mask_line(line))
        super(LaunchArgsError, self).__init__(msg)
        self.line_no = line_no


def detect_format(path):
    """``bat`` for .bat/.cmd, ``sh`` for .sh, else ``env`` (systemd EnvironmentFiles
    usually have no extension, e.g. /etc/default/sd-webui)."""
    lower = path.lower()
    if lower.endswith(('.bat', '.cmd')):
        return 'bat'
    if lower.endswith('.sh'):
        return 'sh'
    return 'env'


# ---------------------------------------------------------------- the file level

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


class Assignment(object):
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


def _unbalanced(line_no, line):
    return LaunchArgsError('unbalanced quotes in the COMMANDLINE_ARGS value (a value that goes on '
                           'over several lines is not supported)', line_no=line_no, line=line)


def _decode_sh(line, start, line_no):
    """Decode a bash assignment value starting at ``start``; returns (value, end, style)."""
    i, n = start, len(line)
    chars, segments = [], []
    while i < n:
        c = line[i]
        if c in ' \t;&|<>()':
            break
        if c == '~' and i > start and line[i - 1] in ':=' and segments and segments[-1] == 'bare' \
                and line[i - 2:i - 1] != '\\':
            raise LaunchArgsError('the COMMANDLINE_ARGS value has an unquoted ~ after ":" or "=", which bash '
                                  'expands to a home directory, so its arguments are only known when the '
                                  'script runs; quote it ("~") to keep it literal', line_no=line_no, line=line)
        if c == "'":
            close = line.find("'", i + 1)
            if close < 0:
                raise _unbalanced(line_no, line)
            chars.append(line[i + 1:close])
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
                    raise LaunchArgsError('the COMMANDLINE_ARGS value is built with shell expansion ($VAR, '
                                          '${VAR}, $(cmd) or backticks), so its arguments are only known '
                                          'when the script runs', line_no=line_no, line=line)
                chars.append(c)
                i += 1
        elif c == '\\':
            if i + 1 >= n:
                raise LaunchArgsError('the COMMANDLINE_ARGS value goes on over several lines, which is '
                                      'not supported', line_no=line_no, line=line)
            chars.append(line[i + 1])
            segments.append('bare')
            i += 2
        elif c in '$`' or (c == '~' and i == start):
            raise LaunchArgsError('the COMMANDLINE_ARGS value is built with shell expansion ($VAR, '
                                  '${VAR}, $(cmd), backticks or ~), so its arguments are only known '
                                  'when the script runs', line_no=line_no, line=line)
        else:
            chars.append(c)
            segments.append('bare')
            i += 1
    return ''.join(chars), i, _style(segments)


def _decode_env(line, start, line_no):
    """Decode a systemd EnvironmentFile value (src/basic/env-file.c, one line)."""
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
                chars.append(line[i + 1:close])
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
                    raise LaunchArgsError('the COMMANDLINE_ARGS value goes on over several lines, which '
                                          'is not supported', line_no=line_no, line=line)
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


def _check_bat_value(value, quoted, line_no, line):
    if '%' in value:
        raise LaunchArgsError('the COMMANDLINE_ARGS value uses %VAR% expansion, so its arguments are '
                              'only known when the script runs', line_no=line_no, line=line)
    inside = quoted
    for c in value:
        if c == '"':
            inside = not inside
        elif not inside and c in '&|<>^':
            raise LaunchArgsError('the COMMANDLINE_ARGS value contains a cmd.exe operator or escape '
                                  '(& | < > ^) outside quotes', line_no=line_no, line=line)


def split_lines(text):
    """Lines with their line endings, so that ''.join() gives ``text`` back."""
    return _LINE.findall(text)


def _content(line):
    if line.endswith('\r\n'):
        return line[:-2], '\r\n'
    if line.endswith('\n'):
        return line[:-1], '\n'
    return line, ''


def _parse_line(fmt, index, line):
    content, eol = _content(line)
    line_no = index + 1
    if fmt == 'sh':
        match = _SH_ASSIGNMENT.match(content)
        if match.group(1):
            raise LaunchArgsError('COMMANDLINE_ARGS is appended to (+=), so part of its value comes from '
                                  'elsewhere', line_no=line_no, line=content)
        value, end, style = _decode_sh(content, match.end(), line_no)
        if not _SH_REST.match(content[end:]):
            raise LaunchArgsError('unexpected text after the COMMANDLINE_ARGS value', line_no=line_no, line=content)
        rest = content[end:]
        return Assignment(index, content[:match.end()], content[match.end():end], rest, style, value, eol)
    if fmt == 'bat':
        match = _BAT_ASSIGNMENT.match(content)
        if match.group(1):
            close = content.rfind('"')
            if close < match.end():
                raise LaunchArgsError('unbalanced quotes in the COMMANDLINE_ARGS assignment', line_no=line_no, line=content)
            raw, suffix = content[match.end():close], content[close:]
        else:
            raw, suffix = content[match.end():], ''
        _check_bat_value(raw, bool(match.group(1)), line_no, content)
        return Assignment(index, content[:match.end()], raw, suffix, 'raw', raw, eol)
    match = _ENV_ASSIGNMENT.match(content)
    value, style = _decode_env(content, match.end(), line_no)
    start = match.end()
    while start < len(content) and content[start] in ' \t':
        start += 1
    end = max(len(content.rstrip(' \t')), start)
    if content[start:end].endswith('\\') and end < len(content):
        end += 1
    return Assignment(index, content[:start], content[start:end], content[end:], style, value, eol)


def _is_assignment(fmt, content):
    if fmt == 'sh':
        return bool(_SH_ASSIGNMENT.match(content))
    if fmt == 'bat':
        return bool(_BAT_ASSIGNMENT.match(content))
    return bool(_ENV_ASSIGNMENT.match(content))


def _check_other_forms(fmt, index, content):
    line_no = index + 1
    if fmt == 'sh':
        if not content.lstrip().startswith('#') and _SH_OTHER_ASSIGNMENT.search(content):
            raise LaunchArgsError('COMMANDLINE_ARGS is set in a form this module does not edit (only '
                                  '"export COMMANDLINE_ARGS=..." or "COMMANDLINE_ARGS=..." on a line of '
                                  'its own)', line_no=line_no, line=content)
    elif fmt == 'bat':
        if not _BAT_COMMENT.match(content) and _BAT_OTHER_ASSIGNMENT.search(content):
            raise LaunchArgsError('COMMANDLINE_ARGS is set in a form this module does not edit (only '
                                  '"set COMMANDLINE_ARGS=..." on a line of its own)', line_no=line_no, line=content)
    elif _ENV_EXPORT.match(content):
        raise LaunchArgsError('systemd does not read "export" in an EnvironmentFile: this line sets '
                              'nothing', line_no=line_no, line=content)


def find_assignment(lines, fmt):
    """The active assignment of ``lines``, or None. Refuses files it cannot edit safely."""
    found = None
    for index, line in enumerate(lines):
        content = _content(line)[0]
        if _is_assignment(fmt, content):
            if found is not None:
                raise LaunchArgsError('more than one active COMMANDLINE_ARGS assignment (the first is '
                                      'line %d: %s); keep one' % (found.index + 1, mask_line(lines[found.index])),
                                      line_no=index + 1, line=content)
            found = _parse_line(fmt, index, line)
        else:
            _check_other_forms(fmt, index, content)
    return found


def encode_value(value, style, fmt):
    """The raw text of the line's value for the variable's text ``value``."""
    if fmt == 'bat':
        return value
    if style == "'":
        return _single_quoted_or_double(value)
    if style == 'bare':
        if fmt == 'sh' and (value == '' or _SH_BARE_SAFE.match(value)):
            return value
        if fmt == 'env' and '\\' not in value and value == value.strip(' \t') and value[:1] not in ('"', "'"):
            return value
    return _double_quoted(value)


def _render_line(assignment, value, fmt):
    return assignment.prefix + encode_value(value, assignment.style, fmt) + assignment.suffix


# ---------------------------------------------------------------- the flag level

class _Item(object):
    """One flag with its values, or a stray word; ``entries`` say how to write it.

    An entry is (original word index or None, raw text or None): None raw keeps the
    original word's bytes; an index keeps the original spacing to its neighbour.
    """

    __slots__ = ('flag', 'values', 'inline', 'entries', 'removed')

    def __init__(self, flag, values, inline, entries):
        self.flag = flag
        self.values = values
        self.inline = inline
        self.entries = entries
        self.removed = False


def _takes(arity):
    if arity == catalog.SWITCH:
        return 0
    if arity in (catalog.ONE, catalog.OPTIONAL, catalog.APPEND):
        return 1
    return None


def _group(words, ui):
    items = []
    i = 0
    while i < len(words):
        value = words[i].value
        if not _is_flag(value):
            items.append(_Item(None, [value], False, [(i, None)]))
            i += 1
            continue
        if value.startswith('--') and '=' in value:
            flag, inline_value = value.split('=', 1)
            items.append(_Item(flag, [inline_value], True, [(i, None)]))
            i += 1
            continue
        item = _Item(value, [], False, [(i, None)])
        i += 1
        limit = _takes(catalog.arity(ui, value))
        while i < len(words) and (limit is None or len(item.values) < limit) and not _is_flag(words[i].value):
            item.values.append(words[i].value)
            item.entries.append((i, None))
            i += 1
        items.append(item)
    return items


def parse_args(value, ui='a1111'):
    """Flag occurrences of a COMMANDLINE_ARGS text as (flag, values, inline) tuples."""
    return [(it.flag, list(it.values), it.inline) for it in _group(split_words(value), ui)]


def _render_item(flag, values, inline):
    """One flag occurrence as a user would write it, secret values masked."""
    if is_secret(flag):
        values = [catalog.MASK for _v in values]
    if flag is None:
        return ' '.join(values)
    if inline:
        return '%s=%s' % (flag, values[0])
    return ' '.join([flag] + list(values))


def mask_args(args, ui='a1111'):
    """An argument list with the values of secret flags replaced by the mask, grouped as
    the UI's argparse groups them."""
    masked = []
    for item in _group([Word(0, 0, arg) for arg in args], ui):
        if item.flag is None:
            masked.extend(item.values)
        elif item.inline:
            masked.append(item.flag + '=' + (catalog.MASK if is_secret(item.flag) else item.values[0]))
        else:
            masked.append(item.flag)
            masked.extend(catalog.MASK if is_secret(item.flag) else v for v in item.values)
    return masked


def command_line(args, ui='a1111'):
    """The masked arguments as one line a user can read or paste into a shell."""
    return ' '.join(arg if catalog.MASK in arg else shlex.quote(arg) for arg in mask_args(args, ui))


def secret_values(value, ui='a1111'):
    """Values of secret flags in a COMMANDLINE_ARGS text (for Ansible's no_log_values)."""
    found = set()
    for item in _group(split_words(value), ui):
        if is_secret(item.flag):
            found.update(v for v in item.values if v)
    return found


def normalize_flag(name, ui=None):
    """``lowvram``, ``--lowvram`` and ``Low_VRAM``-style YAML keys name the same flag.

    argparse only knows the dashed, lower-case spelling the UI defines, so ``_`` becomes
    ``-``, and the case is folded where that gives a flag the UI's catalog knows.
    """
    name = str(name).strip()
    if not name.startswith('-'):
        name = '--' + name
    if not _FLAG_NAME.match(name):
        raise LaunchArgsError('%r is not a flag name' % name)
    if ui is not None and catalog.arity(ui, name) is not None:
        return name
    name = name.replace('_', '-')
    if ui is not None and catalog.arity(ui, name) is None and catalog.arity(ui, name.lower()) is not None:
        name = name.lower()
    return name


def flag_value(flag, value, ui):
    """The value a task gave, with Ansible's boolean words (``"true"``, ``"no"``: what
    ``-a 'flags="listen=true"'`` gives) read as booleans. No flag of the catalogs takes
    one of these words as its value; ``"1"`` and ``"0"`` stay values (``--directml 1``)."""
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[value.strip().lower()]
    return value


def unknown_flag_warning(flag, ui):
    """A warning for a flag the UI's catalog does not define, naming the closest one."""
    entry = catalog.CATALOG[ui]
    known = sorted(set(entry['values']) | set(entry['switches']))
    close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
    hint = '; did you mean %s?' % close[0] if close else ''
    return ('%s is not a flag %s is known to define (%s)%s; it is written as given, and the web UI '
            'refuses to start on a flag it does not define (validate_with checks the installed version)'
            % (flag, entry['name'], entry['definitions'], hint))


def _value_text(flag, value, fmt):
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, tuple)):
        raise LaunchArgsError('flag %s: a value must be a string or a number, not %r' % (flag, value))
    text = str(value)
    if any(c in text for c in '\r\n\x00'):
        raise LaunchArgsError('flag %s: a value cannot contain a line break' % flag)
    if fmt == 'bat' and ('%' in text or '"' in text):
        raise LaunchArgsError('flag %s: a value written to a .bat file cannot contain %% or a double quote' % flag)
    if _is_flag(text):
        raise LaunchArgsError('flag %s: the value %r starts with "-", argparse would read it as a flag'
                              % (flag, text if not is_secret(flag) else catalog.MASK))
    return text


class _Editor(object):
    def __init__(self, text, ui, fmt, inner):
        self.text = text
        self.ui = ui
        self.fmt = fmt
        self.inner = inner
        self.words = split_words(text)
        self.items = _group(self.words, ui)
        self.warnings = []

    def quote(self, value):
        return _quote_word(value, self.inner, self.fmt)

    def live(self, flag):
        return [it for it in self.items if not it.removed and it.flag == flag]

    def new_item(self, flag, values):
        entries = [(None, self.quote(flag))] + [(None, self.quote(v)) for v in values]
        return _Item(flag, list(values), False, entries)

    def insert(self, item, before=None):
        if before is None:
            self.items.append(item)
        else:
            self.items.insert(self.items.index(before), item)

    def set_present(self, flag, present):
        occurrences = self.live(flag)
        if not present:
            for item in occurrences:
                item.removed = True
        elif not occurrences:
            self.insert(self.new_item(flag, []))

    def set_occurrence(self, item, values):
        if item.values == values:
            return
        if item.inline and len(values) == 1:
            item.entries = [(item.entries[0][0], self.quote(item.flag + '=' + values[0]))]
        elif item.inline:
            item.entries = [(item.entries[0][0], self.quote(item.flag))] + [(None, self.quote(v)) for v in values]
        else:
            old = item.entries[1:]
            entries = [item.entries[0]]
            for k, value in enumerate(values):
                if k < len(old):
                    entries.append(old[k] if item.values[k] == value else (old[k][0], self.quote(value)))
                else:
                    entries.append((None, self.quote(value)))
            item.entries = entries
        item.values = list(values)
        item.inline = item.inline and len(values) == 1

    def set_values(self, flag, wanted):
        """``wanted``: the values of each occurrence, in order."""
        occurrences = self.live(flag)
        for item, values in zip(occurrences, wanted):
            self.set_occurrence(item, values)
        for item in occurrences[len(wanted):]:
            item.removed = True
        anchor = None
        if occurrences and len(wanted) > len(occurrences):
            following = self.items.index(occurrences[-1]) + 1
            anchor = self.items[following] if following < len(self.items) else None
        for values in wanted[len(occurrences):]:
            self.insert(self.new_item(flag, values), before=anchor)

    def apply_flag(self, flag, value):
        arity = catalog.arity(self.ui, flag)
        if flag in catalog.CATALOG[self.ui]['ignored_memory_flags'] and value is True:
            self.warnings.append('%s ignores %s: its own memory management decides; to force a mode use '
                                 'memory_mode (e.g. always-low-vram)' % (catalog.CATALOG[self.ui]['name'], flag))
        if value is True or value is False:
            if value and arity in (catalog.ONE, catalog.MANY, catalog.APPEND):
                raise LaunchArgsError('flag %s takes a value: give the value, or false to remove it' % flag)
            self.set_present(flag, value)
            return
        if arity == catalog.SWITCH:
            raise LaunchArgsError('flag %s is a switch: use true or false' % flag)
        if isinstance(value, (list, tuple)):
            values = [_value_text(flag, v, self.fmt) for v in value]
            if arity in (catalog.ONE, catalog.OPTIONAL):
                raise LaunchArgsError('flag %s takes one value, not a list' % flag)
            if not values and arity != catalog.ANY:
                raise LaunchArgsError('flag %s needs at least one value; use false to remove it' % flag)
        else:
            values = [_value_text(flag, value, self.fmt)]
        if arity == catalog.APPEND:
            self.set_values(flag, [[v] for v in values])
        else:
            self.set_values(flag, [values])

    def apply_memory_mode(self, mode):
        entry = catalog.CATALOG[self.ui]
        modes = catalog.memory_modes(self.ui)
        if mode not in modes:
            ignored = [f.lstrip('-') for f in entry['ignored_memory_flags']]
            if mode not in ignored:
                raise LaunchArgsError('%s has no memory mode %r; its modes: %s'
                                      % (entry['name'], mode, ', '.join(modes)))
            self.warnings.append('%s ignores --%s: its own memory management decides, so no memory flag is '
                                 'written; to force a mode choose one of: %s'
                                 % (entry['name'], mode, ', '.join(m for m in modes if m != 'none')))
            mode = 'none'
        target = catalog.memory_flag(self.ui, mode)
        group = catalog.memory_group(self.ui)
        present = [it for it in self.items if not it.removed and it.flag in group]
        kept = next((it for it in present if it.flag == target), None)
        if target and kept is None:
            self.insert(self.new_item(target, []), before=present[0] if present else None)
        for item in present:
            if item is not kept:
                item.removed = True

    def result(self):
        """The new variable text: kept words keep their bytes and their spacing."""
        words, text = self.words, self.text
        if not words:
            lead, tail = text, ''
        else:
            lead, tail = text[:words[0].start], text[words[-1].end:]
        out = []
        previous = None
        for item in self.items:
            if item.removed:
                continue
            for index, raw in item.entries:
                if out:
                    if previous is not None and index == previous + 1:
                        out.append(text[words[previous].end:words[index].start])
                    else:
                        out.append(' ')
                out.append(text[words[index].start:words[index].end] if raw is None else raw)
                previous = index
        return lead + ''.join(out) + tail


def _inner_style(value, words, fmt, outer):
    for word in words:
        for c in value[word.start:word.end]:
            if c in '\'"':
                return c
    if fmt == 'bat' or outer == "'":
        return '"'
    return "'"


def _occurrences(value, ui):
    return [(it.flag, tuple(it.values), it.inline) for it in _group(split_words(value), ui)]


def _multiset_minus(first, second):
    left = Counter(second)
    out = []
    for entry in first:
        if left[entry]:
            left[entry] -= 1
        else:
            out.append(entry)
    return out


class EditResult(object):
    __slots__ = ('text', 'changed', 'args_before', 'args_after', 'added', 'removed', 'warnings',
                 'line_no', 'secrets', 'value_after')

    def __init__(self, **kwargs):
        for key in self.__slots__:
            setattr(self, key, kwargs.get(key))


def read_value(text, fmt):
    """The COMMANDLINE_ARGS text a file sets ('' when it sets none)."""
    assignment = find_assignment(split_lines(text), fmt)
    return assignment.value if assignment else ''


def _insertion_point(lines, fmt):
    """Where a new assignment goes: after the stock commented-out one, else before the
    line that starts the web UI (an assignment after it has no effect), else at the end.
    Returns (index, indent)."""
    anchor = {'sh': _SH_ANCHOR, 'bat': _BAT_ANCHOR, 'env': _ENV_ANCHOR}[fmt]
    launch_pattern = {'sh': _SH_LAUNCH, 'bat': _BAT_LAUNCH}.get(fmt)
    launch = None
    for index, line in enumerate(lines):
        content = _content(line)[0]
        match = launch_pattern.match(content) if launch_pattern else None
        if match and not (fmt == 'bat' and _BAT_COMMENT.match(content)):
            launch = (index, match.group(1))
            break
    for index, line in enumerate(lines[:launch[0] if launch else len(lines)]):
        match = anchor.match(_content(line)[0])
        if match:
            return index + 1, match.group(1)
    return launch or (len(lines), '')


def _new_assignment(value, fmt, indent):
    if fmt == 'sh':
        return indent + 'export COMMANDLINE_ARGS=' + _double_quoted(value)
    if fmt == 'bat':
        return indent + 'set COMMANDLINE_ARGS=' + value
    return indent + 'COMMANDLINE_ARGS=' + _double_quoted(value)


def _check_written(fmt, index, content, expected):
    """Decode the line just written: what the UI reads must be what was meant."""
    assignment = _parse_line(fmt, index, content)
    if assignment.value != expected:
        raise LaunchArgsError('internal error: the rewritten COMMANDLINE_ARGS line would not read back '
                              'as intended; nothing was written', line_no=index + 1, line=content)


def _wanted_flags(flags, ui, warnings):
    """The task's flags as (flag, value), names normalised, unknown ones warned about."""
    wanted = {}
    for name, value in flags.items():
        flag = normalize_flag(name, ui)
        if flag in wanted:
            raise LaunchArgsError('flags names %s twice (as %r and another spelling); give it once' % (flag, name))
        wanted[flag] = flag_value(flag, value, ui)
        if catalog.arity(ui, flag) is None:
            warnings.append(unknown_flag_warning(flag, ui))
    return list(wanted.items())


def _memory_request(wanted, memory_mode, ui):
    """The one memory mode a request asks for, from memory_mode and the flags together.

    The memory flags of a UI are one exclusive choice: a memory flag set true in flags
    chooses that mode (and so removes the others, as memory_mode would); a contradiction
    is refused rather than guessed.
    """
    modes = dict((flag, name) for name, flag in catalog.CATALOG[ui]['memory_modes'] if flag)
    target = dict(catalog.CATALOG[ui]['memory_modes']).get(memory_mode)
    chosen = [flag for flag, value in wanted if value is True and flag in modes]
    if len(chosen) > 1:
        raise LaunchArgsError('flags asks for %s at once; %s takes one memory mode'
                              % (' and '.join(chosen), catalog.CATALOG[ui]['name']))
    for flag, value in wanted:
        if memory_mode == 'keep':
            break
        if value is True and flag in catalog.memory_group(ui) and flag != target:
            raise LaunchArgsError('flags asks for %s but memory_mode is %s' % (flag, memory_mode))
        if value is False and flag == target:
            raise LaunchArgsError('flags removes %s but memory_mode %s sets it' % (flag, memory_mode))
    if chosen and memory_mode == 'keep':
        return modes[chosen[0]]
    return memory_mode


def edit_text(text, fmt, ui='a1111', flags=None, memory_mode='keep', create=True):
    """Apply ``flags`` and ``memory_mode`` to the COMMANDLINE_ARGS assignment of ``text``.

    Everything outside the assignment's value is returned byte for byte; an unchanged
    value returns ``text`` itself.
    """
    if fmt not in FORMATS:
        raise LaunchArgsError('unknown format %r; one of %s' % (fmt, ', '.join(FORMATS)))
    if ui not in catalog.CATALOG:
        raise LaunchArgsError('unknown ui %r; one of %s' % (ui, ', '.join(catalog.UIS)))
    lines = split_lines(text)
    assignment = find_assignment(lines, fmt)
    before = assignment.value if assignment else ''
    outer = assignment.style if assignment else '"'
    try:
        editor = _Editor(before, ui, fmt, _inner_style(before, split_words(before), fmt, outer))
    except ValueError as exc:
        raise LaunchArgsError('the COMMANDLINE_ARGS value cannot be split into arguments as the web UI '
                              'does (%s)' % exc, line_no=assignment.index + 1, line=lines[assignment.index])
    wanted = _wanted_flags(flags or {}, ui, editor.warnings)
    memory_mode = _memory_request(wanted, memory_mode, ui)
    target = dict(catalog.CATALOG[ui]['memory_modes']).get(memory_mode)
    for flag, value in wanted:
        if value is True and target and flag == target:
            # Placed by apply_memory_mode, where the flag it replaces stood.
            continue
        editor.apply_flag(flag, value)
    if memory_mode != 'keep':
        editor.apply_memory_mode(memory_mode)
    after = editor.result()
    if fmt == 'bat':
        _check_bat_value(after, assignment is not None and '"' in assignment.prefix, None, None)
    new_lines = list(lines)
    changed = after != before
    line_no = assignment.index + 1 if assignment else None
    if changed and assignment:
        content = _render_line(assignment, after, fmt)
        _check_written(fmt, assignment.index, content, after)
        new_lines[assignment.index] = content + assignment.eol
    elif changed and split_words(after):
        if not create:
            raise LaunchArgsError('the file has no active COMMANDLINE_ARGS assignment and create is false')
        eol = next((_content(line)[1] for line in lines if _content(line)[1]), '\r\n' if fmt == 'bat' else '\n')
        index, indent = _insertion_point(lines, fmt)
        content = _new_assignment(after, fmt, indent)
        _check_written(fmt, index, content, after)
        if index > 0 and not _content(new_lines[index - 1])[1]:
            new_lines[index - 1] += eol
            new_lines.insert(index, content)
        else:
            new_lines.insert(index, content + eol)
        line_no = index + 1
    else:
        changed = False
    if fmt == 'sh' and (assignment or changed):
        final = new_lines if changed else lines
        if not any(_SH_EXPORTED.search(_content(line)[0]) or _content(line)[0].lstrip().startswith('export ')
                   and _SH_ASSIGNMENT.match(_content(line)[0]) for line in final):
            editor.warnings.append('COMMANDLINE_ARGS is set but never exported, so the web UI will not see it; '
                                   'add "export COMMANDLINE_ARGS"')
    occurrences_before = _occurrences(before, ui)
    occurrences_after = _occurrences(after, ui) if changed else occurrences_before
    return EditResult(
        text=''.join(new_lines) if changed else text,
        changed=changed,
        args_before=[w.value for w in split_words(before)],
        args_after=[w.value for w in split_words(after)] if changed else [w.value for w in split_words(before)],
        added=[_render_item(*o) for o in _multiset_minus(occurrences_after, occurrences_before)],
        removed=[_render_item(*o) for o in _multiset_minus(occurrences_before, occurrences_after)],
        warnings=editor.warnings,
        line_no=line_no,
        secrets=secret_values(before, ui) | secret_values(after, ui),
        value_after=after if changed else before,
    )


def mask_text(text, fmt, ui='a1111'):
    """``text`` with the values of secret flags masked, for diffs: on the assignment as the
    UI reads it, and on every other line (a commented-out assignment) word by word."""
    lines = split_lines(text)
    assignment = find_assignment(lines, fmt)
    masked = [line if assignment is not None and k == assignment.index else _secrets.mask_words(line)
              for k, line in enumerate(lines)]
    if assignment is not None and secret_values(assignment.value, ui):
        editor = _Editor(assignment.value, ui, fmt,
                         _inner_style(assignment.value, split_words(assignment.value), fmt, assignment.style))
        for item in editor.items:
            if is_secret(item.flag) and item.values:
                editor.set_occurrence(item, [catalog.MASK for _v in item.values])
        masked[assignment.index] = _render_line(assignment, editor.result(), fmt) + assignment.eol
    return ''.join(masked)
