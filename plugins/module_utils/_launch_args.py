# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read and rewrite the one line that sets ``COMMANDLINE_ARGS`` in a launch script.

Two levels of quoting meet on that line. The file's own language (bash for ``sh``,
cmd.exe for ``bat``, systemd's EnvironmentFile rules for ``env``) turns the line into the
environment variable's text; the web UI then runs ``shlex.split`` on that text (A1111's
``launch_utils``), which gives the arguments argparse sees. Both levels are decoded
exactly, words keep the bytes they were written with unless an edit touches them, and the
rewritten line is decoded again before it is returned, so what is written is what the UI
will read.

This file only ties the layers together: the file's format object
(``_launch_formats``) finds and decodes the assignment, the flag editor
(``_flag_editor``) edits the words, the format object encodes the result and says where
a new line goes, and the line is spliced back into the untouched rest of the file.

Pure functions over text: nothing here touches files or imports Ansible.
"""

from __future__ import annotations

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_args, _launch_formats, _secrets
from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.module_utils._flag_args import (
    command_line,
    mask_args,
    parse_args,
    secret_values,
)
from ansible_collections.vramfree.webui.plugins.module_utils._flag_editor import FlagEditor, normalize_flag
from ansible_collections.vramfree.webui.plugins.module_utils._launch_error import LaunchArgsError
from ansible_collections.vramfree.webui.plugins.module_utils._launch_formats import split_lines
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import first_quote, split_words

# The entry point the module and its tests use, so the layers below can move freely.
__all__ = [
    'FORMATS',
    'NAME',
    'EditResult',
    'LaunchArgsError',
    'command_line',
    'detect_format',
    'edit_text',
    'flag_secrets',
    'mask_args',
    'mask_log',
    'mask_text',
    'normalize_flag',
    'parse_args',
    'read_value',
    'secret_values',
    'split_lines',
]

NAME = 'COMMANDLINE_ARGS'
FORMATS = _launch_formats.NAMES


def detect_format(path):
    """``bat`` for .bat/.cmd, ``sh`` for .sh, else ``env`` (systemd EnvironmentFiles
    usually have no extension, e.g. /etc/default/sd-webui)."""
    return _launch_formats.detect(path)


def _editor(value, ui, file_format, outer):
    """An editor over ``value`` whose new words are quoted for ``file_format``: in the
    quote the value already uses, else in the one the line's ``outer`` quoting suits."""
    inner = first_quote(value, split_words(value)) or file_format.default_inner_quote(outer)

    def quote(word):
        return file_format.quote_word(word, inner)

    return FlagEditor(value, ui, quote, file_format.check_task_value)


class EditResult:
    __slots__ = (
        'text',
        'changed',
        'args_before',
        'args_after',
        'added',
        'removed',
        'warnings',
        'line_no',
        'secrets',
        'value_after',
    )

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
        raise LaunchArgsError(
            'internal error: the rewritten COMMANDLINE_ARGS line would not read back as intended; nothing was written',
            line_no=index + 1,
            line=content,
        )


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
        raise LaunchArgsError(
            'the COMMANDLINE_ARGS value cannot be split into arguments as the web UI does (%s)' % exc,
            line_no=assignment.index + 1,
            line=lines[assignment.index],
        ) from exc
    editor.apply_request(flags or {}, memory_mode)
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
    occurrences_before = _flag_args.occurrences(before, ui)
    occurrences_after = _flag_args.occurrences(after, ui) if changed else occurrences_before
    return EditResult(
        text=''.join(new_lines) if changed else text,
        changed=changed,
        args_before=[w.value for w in split_words(before)],
        args_after=[w.value for w in split_words(after)] if changed else [w.value for w in split_words(before)],
        added=[
            _flag_args.render_occurrence(*o) for o in _flag_args.multiset_minus(occurrences_after, occurrences_before)
        ],
        removed=[
            _flag_args.render_occurrence(*o) for o in _flag_args.multiset_minus(occurrences_before, occurrences_after)
        ],
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
    masked = [
        line if assignment is not None and k == assignment.index else _secrets.mask_words(line)
        for k, line in enumerate(lines)
    ]
    if assignment is not None and secret_values(assignment.value, ui):
        editor = _editor(assignment.value, ui, file_format, assignment.style)
        editor.mask_secrets()
        masked[assignment.index] = file_format.render(assignment, editor.result()) + assignment.eol
    return ''.join(masked)


def flag_secrets(flags):
    """The values a task's ``flags`` give secret flags (``api-auth: user:pw``), as text."""
    found = set()
    for name, value in (flags or {}).items():
        try:
            flag = normalize_flag(name)
        except LaunchArgsError:
            continue
        if _secrets.is_secret(flag) and not isinstance(value, bool) and value is not None:
            values = value if isinstance(value, (list, tuple)) else [value]
            found.update(str(v) for v in values if str(v))
    return found


def mask_log(lines, secrets=()):
    """Log lines fit to show or keep: the rest of a line after a secret flag hidden (A1111
    and Forge print every argument as they start), then every known secret value, and its
    halves (a password alone), hidden wherever else it appears."""
    hide = set()
    for value in secrets:
        hide.add(value)
        hide.update(part for part in value.split(':', 1)[1:] if len(part) >= 4)
    # Longest first, so a value is never half-masked by a shorter one inside it.
    ordered = sorted((v for v in hide if v), key=len, reverse=True)
    masked = []
    for line in lines:
        line = _secrets.mask_line(line)
        for value in ordered:
            line = line.replace(value, catalog.MASK)
        masked.append(line)
    return masked
