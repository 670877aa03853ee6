# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The digests of site's converged path, on real files, a real user switch and a real
HTTP server on this machine."""

from __future__ import annotations

import os
import pathlib
import pwd
import socket
import sys
import tempfile

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _fingerprint

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "action"))
from local_playbook import web_ui_port  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / 'etc'
    (root / 'sub').mkdir(parents=True)
    (root / 'a.conf').write_text('one\n')
    (root / 'sub' / 'b.conf').write_text('two\n')
    return root


def test_a_folder_digest_changes_with_a_file_content_mode_name_or_a_new_file(folder):
    first = _fingerprint.tree(str(folder))
    assert first == _fingerprint.tree(str(folder))
    (folder / 'sub' / 'b.conf').write_text('three\n')
    second = _fingerprint.tree(str(folder))
    assert second != first
    os.chmod(str(folder / 'a.conf'), 0o600)
    third = _fingerprint.tree(str(folder))
    assert third != second
    (folder / 'c.conf').write_text('')
    fourth = _fingerprint.tree(str(folder))
    assert fourth != third
    (folder / 'c.conf').rename(folder / 'd.conf')
    assert _fingerprint.tree(str(folder)) != fourth


def test_a_link_is_fingerprinted_by_its_target_name_never_followed(folder, tmp_path):
    outside = tmp_path / 'outside'
    outside.write_text('secret\n')
    (folder / 'link').symlink_to(outside)
    before = _fingerprint.tree(str(folder))
    outside.write_text('changed, and never read\n')
    assert _fingerprint.tree(str(folder)) == before
    (folder / 'link').unlink()
    (folder / 'link').symlink_to(tmp_path / 'elsewhere')
    assert _fingerprint.tree(str(folder)) != before
    # A link as the root itself is not walked into either.
    (tmp_path / 'root-link').symlink_to(folder)
    assert _fingerprint.tree(str(tmp_path / 'root-link')) != _fingerprint.tree(str(folder))


def test_a_missing_path_and_a_large_file_by_its_metadata(tmp_path, monkeypatch):
    assert _fingerprint.tree(str(tmp_path / 'nothing')) == _fingerprint.MISSING
    big = tmp_path / 'model.gguf'
    big.write_bytes(b'x' * 64)
    monkeypatch.setattr(_fingerprint, 'CONTENT_LIMIT', 16)
    first = _fingerprint.tree(str(big))
    with open(str(big), 'r+b') as handle:
        handle.write(b'y')  # same size; a new mtime
    os.utime(str(big), ns=(1, 1))
    assert _fingerprint.tree(str(big)) != first


def ordinary_user():
    assert os.geteuid() == 0, 'these tests switch to an ordinary user: run them as root, as make test does'
    return pwd.getpwnam('nobody')


def test_as_user_reads_with_the_users_rights_only(tmp_path):
    user = ordinary_user()
    top = tempfile.mkdtemp(prefix='fingerprint-')
    try:
        os.chmod(top, 0o755)
        private = os.path.join(top, 'private')
        with open(private, 'w', encoding='utf-8') as handle:
            handle.write('root only\n')
        os.chmod(private, 0o600)
        public = os.path.join(top, 'public')
        with open(public, 'w', encoding='utf-8') as handle:
            handle.write('everyone\n')
        os.chmod(public, 0o644)
        as_nobody = _fingerprint.as_user(user.pw_name, _fingerprint.trees, [private, public])
        as_root = _fingerprint.trees([private, public])
        # Root reads the private file; the user cannot, and so neither does the reader.
        assert as_root[private] != as_nobody[private]
        assert as_nobody[public] == as_root[public]
        assert _fingerprint.as_user(user.pw_name, os.geteuid) == user.pw_uid
    finally:
        for name in ('private', 'public'):
            os.unlink(os.path.join(top, name))
        os.rmdir(top)


def test_as_user_says_what_failed():
    ordinary_user()
    with pytest.raises(_fingerprint.FingerprintError, match='no user vramfree-nobody-here'):
        _fingerprint.as_user('vramfree-nobody-here', os.getcwd)
    with pytest.raises(_fingerprint.FingerprintError, match='ZeroDivisionError'):
        _fingerprint.as_user('nobody', divmod, 1, 0)


def test_identity_names_uid_groups_home_and_shell():
    user = ordinary_user()
    text = _fingerprint.identity(user.pw_name)
    assert text.startswith('%d:%d ' % (user.pw_uid, user.pw_gid)) and 'home=%s' % user.pw_dir in text
    assert _fingerprint.identity('vramfree-nobody-here') == _fingerprint.MISSING


def test_the_probe_gives_the_status_line_or_the_error():
    with web_ui_port() as port:
        assert _fingerprint.probe('127.0.0.1', port, '/ok').startswith('HTTP/1.0 200')
        assert _fingerprint.probe('127.0.0.1', port, '/nothing').startswith('HTTP/1.0 404')
    with socket.socket() as free:
        free.bind(('127.0.0.1', 0))
        closed = free.getsockname()[1]
    assert _fingerprint.probe('127.0.0.1', closed, '/ok').startswith('error: ')
