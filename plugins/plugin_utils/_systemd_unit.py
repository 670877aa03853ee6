# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write values into systemd unit files so that systemd reads back exactly those values.

systemd does not read every setting the same way (systemd.syntax(7), systemd.unit(5),
systemd.exec(5), systemd.service(5) "Command lines"):

- Every setting used here expands specifiers: a literal ``%`` is written ``%%``.
- A single path (``WorkingDirectory=``) is taken as it stands, spaces included: quotes
  would be part of the path (systemd then calls it "not absolute"), and no escape is
  read. Leading and trailing blanks are stripped, and a backslash at the end of a line
  joins the next line to it, so such paths cannot be written at all.
- A path list (``ReadWritePaths=``) is split into words at blanks; a double-quoted
  word may hold blanks, ``\\`` and ``\\"`` stand for a backslash and a quote, and a
  ``-`` before the word (outside the quotes) makes a missing path no error.
- A command line (``ExecStart=``) is split the same way and C escapes are read inside
  words; ``$NAME`` and ``${NAME}`` are replaced by environment variables in every word
  but the first (a literal ``$`` is ``$$`` there). The first word, the program, may
  hold no quote, backslash or control character at all ("Executable name contains
  special characters"), and ``$`` is literal in it.
- ``Environment=`` takes double-quoted ``NAME=value`` words with C escapes; values
  are not searched for ``$``.

A value systemd cannot be given (a newline, NUL or other control character; a path that
is relative or holds ``..``) is refused with an error that names the variable it came
from, rather than written into a unit that does something else.
"""

from __future__ import annotations

import re

_ENV_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")
# systemd's PATH_MAX: a longer path is refused as invalid.
_PATH_MAX = 4096


class UnitValueError(ValueError):
    """A value that no systemd unit setting can express."""


def _text(value, name):
    """The value as text, refusing what no unit file line can hold."""
    if isinstance(value, bool) or value is None or not isinstance(value, (str, int, float)):
        raise UnitValueError("%s must be text, not %s (%r)" % (name, type(value).__name__, value))
    value = str(value)
    for char in value:
        if char == "\0":
            raise UnitValueError("%s (%r) holds a NUL character, which no systemd unit can hold" % (name, value))
        if char == "\n" or char == "\r":
            raise UnitValueError(
                "%s (%r) holds a line break: a systemd unit setting is one line, and the rest would "
                "be read as settings of their own" % (name, value)
            )
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise UnitValueError("%s (%r) holds the control character %r, which systemd refuses" % (name, value, char))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnitValueError("%s (%r) is not valid UTF-8, which systemd requires" % (name, value)) from exc
    return value


def _specifiers(value):
    return value.replace("%", "%%")


def _quoted(value):
    """A double-quoted word whose backslashes and quotes are escaped.

    The same text reads back unchanged whether the setting reads C escapes
    (ExecStart=, Environment=) or only removes quotes (ReadWritePaths=): both turn
    ``\\\\`` into a backslash and ``\\"`` into a quote, and nothing else is escaped."""
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def _absolute(value, name):
    if not value.startswith("/"):
        raise UnitValueError("%s (%r) must be an absolute path: systemd refuses a relative one" % (name, value))
    if ".." in value.split("/"):
        raise UnitValueError(
            "%s (%r) holds a '..' part: systemd refuses a path that is not normalized; write the folder itself"
            % (name, value)
        )
    if len(value.encode("utf-8")) >= _PATH_MAX:
        raise UnitValueError("%s (%r) is longer than systemd's limit of %d bytes" % (name, value, _PATH_MAX - 1))
    return value


def text(value, name="value"):
    """A free-text setting that expands specifiers (Description=, User=).

    systemd strips blanks from both ends of it, which is harmless for a description."""
    value = _text(value, name)
    if value.endswith("\\"):
        raise UnitValueError(
            "%s (%r) ends with a backslash, which would join the unit's next line to this setting" % (name, value)
        )
    return _specifiers(value)


def comment(value, name="value"):
    """Text for a comment line: kept as it is, but it must stay on that line."""
    return _text(value, name)


def path(value, name="value"):
    """A setting that takes one path as it stands (WorkingDirectory=)."""
    value = _absolute(_text(value, name), name)
    if value != value.rstrip():
        raise UnitValueError(
            "%s (%r) ends with a blank, which systemd strips from a %s setting" % (name, value, "WorkingDirectory=")
        )
    if value.endswith("\\"):
        raise UnitValueError(
            "%s (%r) ends with a backslash, which would join the unit's next line to this setting" % (name, value)
        )
    return _specifiers(value)


def path_list(values, name="value"):
    """A setting that takes a list of paths (ReadWritePaths=).

    ``values`` is one path or a list of them. A path written with a leading ``-`` may
    be missing when the unit starts; every other path must exist then."""
    items = [values] if isinstance(values, str) else values
    if not isinstance(items, (list, tuple)):
        raise UnitValueError("%s must be a path or a list of paths, not %s" % (name, type(values).__name__))
    words = []
    for index, item in enumerate(items):
        item_name = name if isinstance(values, str) else "%s[%d]" % (name, index)
        item = _text(item, item_name)
        optional = item.startswith("-")
        item = _absolute(item[1:] if optional else item, item_name)
        words.append(("-" if optional else "") + _specifiers(_quoted(item)))
    return " ".join(words)


def executable(value, name="value"):
    """The first word of a command line (ExecStart=): the program, an absolute path."""
    value = _absolute(_text(value, name), name)
    bad = sorted({char for char in value if char in "\"'\\"})
    if bad:
        raise UnitValueError(
            "%s (%r) holds %s: systemd refuses an executable path with quotes or backslashes"
            % (name, value, " and ".join(repr(char) for char in bad))
        )
    # Quoted for its blanks; "$" is literal in the program's path, so it stays single.
    return _specifiers('"%s"' % value)


def argument(value, name="value"):
    """One argument of a command line (ExecStart=), after the program."""
    return _specifiers(_quoted(_text(value, name))).replace("$", "$$")


def path_argument(value, name="value"):
    """One argument of a command line that must be an absolute path (a program the
    command runs in its turn, a file it reads)."""
    return argument(_absolute(_text(value, name), name), name)


def command(words, name="value"):
    """A whole command line (ExecStart=) from its words, the program first.

    ``name`` names the variable the words came from; a list of names (one per word)
    names each word's own."""
    if isinstance(words, str) or not isinstance(words, (list, tuple)) or not words:
        raise UnitValueError("%s must be a non-empty list of words, the program first" % (name,))
    names = name if isinstance(name, (list, tuple)) else ["%s[%d]" % (name, i) for i in range(len(words))]
    if len(names) != len(words):
        raise UnitValueError("command: %d names for %d words" % (len(names), len(words)))
    return " ".join(
        [executable(words[0], names[0])] + [argument(word, word_name) for word, word_name in zip(words[1:], names[1:])]
    )


def environment(assignments, name="value"):
    """Environment= assignments from a mapping of variable to value (or one "NAME=value")."""
    if isinstance(assignments, str):
        var, sep, val = assignments.partition("=")
        if not sep:
            raise UnitValueError("%s (%r) must be NAME=value" % (name, assignments))
        assignments = {var: val}
    if not isinstance(assignments, dict) or not assignments:
        raise UnitValueError("%s must be a non-empty mapping of variable to value" % (name,))
    words = []
    for var, val in assignments.items():
        if not isinstance(var, str) or not _ENV_NAME.match(var):
            raise UnitValueError("%s: %r is not a valid environment variable name" % (name, var))
        words.append(_specifiers(_quoted("%s=%s" % (var, _text(val, name)))))
    return " ".join(words)


KINDS = {
    "text": text,
    "comment": comment,
    "path": path,
    "paths": path_list,
    "executable": executable,
    "argument": argument,
    "path_argument": path_argument,
    "command": command,
    "environment": environment,
}


def escape(value, kind, name="value"):
    """``value`` written for a setting of ``kind`` (one of KINDS)."""
    try:
        function = KINDS[kind]
    except KeyError:
        raise UnitValueError("unknown kind %r: one of %s" % (kind, ", ".join(sorted(KINDS)))) from None
    return function(value, name)
