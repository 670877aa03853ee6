# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fingerprints of what the roles leave on a host, for the converged path of ``site``.

A converged re-run reads the host once and compares what it finds with what the last run
that converged left (see plugins/action/converged_facts.py). A fingerprint is a digest:
it says whether something changed, never what it holds, so passwords and keys in the
files fingerprinted never leave the host.

Root's files are walked without following a link anywhere (``lstat``; a link is
fingerprinted by its target's name). The web UI's user's files are read by a child
process that has dropped to that user before it opens anything: root reads nothing the
user can write (``as_user``).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import socket
import stat
import warnings

# Above this size a file is fingerprinted by its metadata, not its content: a model of
# several GB is not read on every run.
CONTENT_LIMIT = 1024 * 1024
MISSING = 'missing'


class FingerprintError(Exception):
    pass


def _entry(path, rel):
    """One line per path: its type, mode and owner, and its content's digest (file) or
    target (link)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return '%s %s' % (rel, MISSING)
    except OSError as exc:
        return '%s unreadable %s' % (rel, exc.strerror)
    head = '%s %o %d:%d' % (rel, info.st_mode, info.st_uid, info.st_gid)
    if stat.S_ISLNK(info.st_mode):
        return '%s -> %s' % (head, os.readlink(path))
    if not stat.S_ISREG(info.st_mode):
        return head
    if info.st_size > CONTENT_LIMIT:
        return '%s size=%d mtime=%d ino=%d' % (head, info.st_size, info.st_mtime_ns, info.st_ino)
    digest = hashlib.sha256()
    try:
        # O_NOFOLLOW: a link swapped in after the lstat is refused, not read.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, 'O_NONBLOCK', 0))
    except OSError as exc:
        return '%s unreadable %s' % (head, exc.strerror)
    with os.fdopen(fd, 'rb') as handle:
        for block in iter(lambda: handle.read(65536), b''):
            digest.update(block)
    return '%s sha256=%s' % (head, digest.hexdigest())


def tree(path):
    """The digest of ``path``: a file, a link, or a folder and everything under it
    (links inside are not followed), or ``missing``."""
    if not os.path.lexists(path):
        return MISSING
    lines = [_entry(path, '.')]
    if os.path.isdir(path) and not os.path.islink(path):
        for top, folders, files in os.walk(path, followlinks=False):
            folders.sort()
            for name in sorted(folders + files):
                full = os.path.join(top, name)
                lines.append(_entry(full, os.path.relpath(full, path)))
    return hashlib.sha256('\n'.join(lines).encode('utf-8', 'surrogateescape')).hexdigest()


def trees(paths):
    return {path: tree(path) for path in paths}


def as_user(user, func, *args):
    """``func(*args)`` run in a child process that is ``user`` (its groups included)
    before it does anything: what it reads, it reads with the user's rights. Returns
    what ``func`` returned (JSON), or raises FingerprintError."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise FingerprintError('no user %s on the host' % user) from None
    if os.geteuid() != 0:
        if os.geteuid() != entry.pw_uid:
            raise FingerprintError('reading as %s needs root (become: true)' % user)
        return func(*args)
    groups = os.getgrouplist(user, entry.pw_gid)
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork in a process with threads (Mitogen's); the child
        # only reads files and exits, taking no lock another thread could hold.
        warnings.simplefilter('ignore', DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's work is checked through its answer
        code = 1
        try:
            os.close(read_end)
            os.setgroups(groups)
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            answer = {'ok': func(*args)}
        except BaseException as exc:  # pylint: disable=broad-exception-caught
            answer = {'error': '%s: %s' % (type(exc).__name__, exc)}
        try:
            with os.fdopen(write_end, 'w', encoding='utf-8') as out:
                json.dump(answer, out)
            code = 0
        finally:
            os._exit(code)  # pylint: disable=protected-access
    os.close(write_end)
    with os.fdopen(read_end, encoding='utf-8') as incoming:
        text = incoming.read()
    os.waitpid(pid, 0)
    try:
        answer = json.loads(text)
    except ValueError:
        raise FingerprintError('the reader running as %s gave no answer' % user) from None
    if 'error' in answer:
        raise FingerprintError('reading as %s failed: %s' % (user, answer['error']))
    return answer['ok']


def probe(host, port, path, timeout=5.0):
    """The status line the web UI answers to ``GET path`` (HTTP/1.0), or ``error: ...``."""
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as conn:
            conn.sendall(('GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' % (path, host)).encode('ascii'))
            data = b''
            while b'\n' not in data and len(data) < 4096:
                chunk = conn.recv(1024)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        return 'error: %s' % exc
    return data.split(b'\n', 1)[0].decode('latin-1').strip()


def identity(user):
    """``user``'s uid, gid, groups, home and shell, or ``missing``: a change of any is a change."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return MISSING
    return '%d:%d groups=%s home=%s shell=%s' % (
        entry.pw_uid,
        entry.pw_gid,
        ','.join(str(gid) for gid in sorted(os.getgrouplist(user, entry.pw_gid))),
        entry.pw_dir,
        entry.pw_shell,
    )


def sha256_text(text):
    return hashlib.sha256(text.encode('utf-8', 'surrogateescape')).hexdigest()
