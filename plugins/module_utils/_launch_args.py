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
from ansible_collections.vramfree.webui.plugins.module_utils import _launch_formats
from ansible_collections.vramfree.webui.plugins.module_utils import _secrets
from ansible_collections.vramfree.webui.plugins.module_utils._launch_error import LaunchArgsError
from ansible_collections.vramfree.webui.plugins.module_utils._secrets import is_secret
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import Word, first_quote, split_words
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import is_flag as _is_flag

NAME = 'COMMANDLINE_ARGS'

_FLAG_NAME = re.compile(r'^--?[A-Za-z0-9][A-Za-z0-9_.-]*$')
_BOOLEAN_WORDS = {'true': True, 'yes': True, 'on': True, 'false': False, 'no': False, 'off': False}
FORMATS = _launch_formats.NAMES
split_lines = _launch_formats.split_lines


def detect_format(path):
    """``bat`` for .bat/.cmd, ``sh`` for .sh, else ``env`` (systemd EnvironmentFiles
    usually have no extension, e.g. /etc/default/sd-webui)."""
    return _launch_formats.detect(path)


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


def _value_text(flag, value, check_value):
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, tuple)):
        raise LaunchArgsError('flag %s: a value must be a string or a number, not %r' % (flag, value))
    text = str(value)
    if any(c in text for c in '\r\n\x00'):
        raise LaunchArgsError('flag %s: a value cannot contain a line break' % flag)
    check_value(flag, text)
    if _is_flag(text):
        raise LaunchArgsError('flag %s: the value %r starts with "-", argparse would read it as a flag'
                              % (flag, text if not is_secret(flag) else catalog.MASK))
    return text


class _Editor(object):
    def __init__(self, text, ui, quote, check_value):
        self.text = text
        self.ui = ui
        self.quote = quote
        self.check_value = check_value
        self.words = split_words(text)
        self.items = _group(self.words, ui)
        self.warnings = []

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
            values = [_value_text(flag, v, self.check_value) for v in value]
            if arity in (catalog.ONE, catalog.OPTIONAL):
                raise LaunchArgsError('flag %s takes one value, not a list' % flag)
            if not values and arity != catalog.ANY:
                raise LaunchArgsError('flag %s needs at least one value; use false to remove it' % flag)
        else:
            values = [_value_text(flag, value, self.check_value)]
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


def _editor(value, ui, file_format, outer):
    """An editor over ``value`` whose new words are quoted for ``file_format``: in the
    quote the value already uses, else in the one the line's ``outer`` quoting suits."""
    inner = first_quote(value, split_words(value)) or file_format.default_inner_quote(outer)

    def quote(word):
        return file_format.quote_word(word, inner)
    return _Editor(value, ui, quote, file_format.check_task_value)


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
    assignment = _launch_formats.get(fmt).find_assignment(split_lines(text))
    return assignment.value if assignment else ''


def _check_written(file_format, index, content, expected):
    """Decode the line just written: what the UI reads must be what was meant."""
    assignment = file_format.parse_line(index, content)
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


def _line_eol(line):
    return _launch_formats.line_content(line)[1]


def edit_text(text, fmt, ui='a1111', flags=None, memory_mode='keep', create=True):
    """Apply ``flags`` and ``memory_mode`` to the COMMANDLINE_ARGS assignment of ``text``.

    Everything outside the assignment's value is returned byte for byte; an unchanged
    value returns ``text`` itself.
    """
    file_format = _launch_formats.get(fmt)
    if ui not in catalog.CATALOG:
        raise LaunchArgsError('unknown ui %r; one of %s' % (ui, ', '.join(catalog.UIS)))
    lines = split_lines(text)
    assignment = file_format.find_assignment(lines)
    before = assignment.value if assignment else ''
    outer = assignment.style if assignment else '"'
    try:
        editor = _editor(before, ui, file_format, outer)
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
    file_format.check_edited_value(after, assignment)
    new_lines = list(lines)
    changed = after != before
    line_no = assignment.index + 1 if assignment else None
    if changed and assignment:
        content = file_format.render(assignment, after)
        _check_written(file_format, assignment.index, content, after)
        new_lines[assignment.index] = content + assignment.eol
    elif changed and split_words(after):
        if not create:
            raise LaunchArgsError('the file has no active COMMANDLINE_ARGS assignment and create is false')
        eol = next((_line_eol(line) for line in lines if _line_eol(line)), file_format.new_file_eol)
        index, indent = file_format.insertion_point(lines)
        content = file_format.new_assignment(after, indent)
        _check_written(file_format, index, content, after)
        if index > 0 and not _line_eol(new_lines[index - 1]):
            new_lines[index - 1] += eol
            new_lines.insert(index, content)
        else:
            new_lines.insert(index, content + eol)
        line_no = index + 1
    else:
        changed = False
    if assignment or changed:
        editor.warnings.extend(file_format.warnings(new_lines if changed else lines))
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
    file_format = _launch_formats.get(fmt)
    lines = split_lines(text)
    assignment = file_format.find_assignment(lines)
    masked = [line if assignment is not None and k == assignment.index else _secrets.mask_words(line)
              for k, line in enumerate(lines)]
    if assignment is not None and secret_values(assignment.value, ui):
        editor = _editor(assignment.value, ui, file_format, assignment.style)
        for item in editor.items:
            if is_secret(item.flag) and item.values:
                editor.set_occurrence(item, [catalog.MASK for _v in item.values])
        masked[assignment.index] = file_format.render(assignment, editor.result()) + assignment.eol
    return ''.join(masked)
