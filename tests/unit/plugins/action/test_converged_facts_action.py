# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The converged_facts action and module, run by ansible-playbook itself against this
machine: a record, the check that finds the host as recorded, and the checks that find
it changed. This machine has no GPU: the plans are those of a host without one, made
from the measurement the action takes, as on a real box. The web UI's probe is a real
HTTP server; the user's file is read as the user nobody."""

from __future__ import annotations

import os
import pathlib
import tempfile

import pytest
from local_playbook import run_local, web_ui_port

from ansible_collections.vramfree.webui.plugins.module_utils import _fingerprint

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    webui_port: 7860
    files: {paths: ["%(etc)s"], user: nobody, user_paths: ["%(user_file)s"], units: [],
            probe: {host: 127.0.0.1, port: %(port)d, path: /}}
    common: {path: "%(record)s", state_file: "%(state)s"}
  tasks:
    - name: The webui role's plan
      vramfree.webui.webui_plan:
        ignore_units: [webui.service]
      register: plan

    - name: A check before anything was recorded
      vramfree.webui.converged_facts: "{{ common | combine({'ignore_units': ['webui.service']}) }}"
      register: first

    - name: Record
      vramfree.webui.converged_facts: >-
        {{ common | combine({'record': true, 'request_digest': first.request_digest, 'plan': plan,
                             'watch': files, 'facts': {'webui_result': {'memory_mode': 'keep'}}}) }}
      register: recorded

    - name: Check again
      vramfree.webui.converged_facts: "{{ common | combine({'ignore_units': ['webui.service']}) }}"
      register: second

    - name: Check with another request
      vramfree.webui.converged_facts: "{{ common | combine({'ignore_units': ['webui.service']}) }}"
      vars:
        webui_port: 7861
      register: other_request

    - name: Check with an option that cannot be templated here (a role this host does not run would need it)
      vramfree.webui.converged_facts: "{{ common | combine({'ignore_units': ['webui.service']}) }}"
      vars:
        webui_api_key: "{{ a_secret_this_host_has_not }}"
      register: untemplated

    - name: Show
      ansible.builtin.debug:
        msg: "RESULTS={{ {'first': first, 'recorded': recorded, 'second': second, 'other': other_request,
                               'untemplated': untemplated} | to_json }}"
"""


@pytest.fixture
def web_ui():
    with web_ui_port() as port:
        yield port


@pytest.fixture
def files(tmp_path):
    assert os.geteuid() == 0, 'the record reads a file as the user nobody: run the tests as root, as make test does'
    etc = tmp_path / 'etc'
    etc.mkdir()
    (etc / 'webui.service').write_text('[Service]\n')
    # pytest's tmp_path is root's alone: the user's file is where nobody can read it.
    top = tempfile.mkdtemp(prefix='converged-')
    os.chmod(top, 0o755)
    user_file = pathlib.Path(top) / 'webui-user.sh'
    user_file.write_text('export COMMANDLINE_ARGS="--xformers"\n')
    os.chmod(str(user_file), 0o644)
    yield {
        'etc': etc,
        'user_file': user_file,
        'record': tmp_path / 'lib' / 'converged.json',
        'state': tmp_path / 'state.fact',
    }
    user_file.unlink()
    os.rmdir(top)


def run_playbook(tmp_path, values, *extra):
    return run_local(tmp_path, PLAYBOOK % values, 'RESULTS', *extra)


def values(files, web_ui):
    return dict(
        etc=files['etc'],
        user_file=files['user_file'],
        port=web_ui,
        record=files['record'],
        state=files['state'],
    )


def test_a_recorded_host_is_converged_until_a_file_or_the_request_changes(tmp_path, files, web_ui):
    results = run_playbook(tmp_path, values(files, web_ui))
    assert results['first']['converged'] is False
    assert results['first']['reasons'] == ['no run has converged this host yet']
    assert results['recorded']['recorded'] is True and results['recorded']['changed'] is False
    # Root's alone, in a folder only root enters: it keeps the host's facts.
    assert os.stat(str(files['record'])).st_mode & 0o777 == 0o600
    assert os.stat(str(files['record'].parent)).st_mode & 0o777 == 0o700
    second = results['second']
    assert (second['converged'], second['reasons']) == (True, []), second['reasons']
    assert second['facts'] == {'webui_result': {'memory_mode': 'keep'}}
    # site's own GPU plan comes with it (no GPU here).
    assert second['gpu']['index'] is None and 'gpus' in second['gpu_vram']
    assert results['other']['reasons'] == ['the request changed (the options set for this host, or the collection)']
    # Compared as written: no failure, and another request than the recorded one.
    assert results['untemplated']['failed'] is False
    assert results['untemplated']['reasons'] == results['other']['reasons']

    # A change in root's folder, then in the user's file: each named, the record kept.
    (files['etc'] / 'webui.service').write_text('[Service]\nUser=root\n')
    files['user_file'].write_text('export COMMANDLINE_ARGS="--xformers --listen"\n')
    again = run_playbook(tmp_path, values(files, web_ui))
    assert again['first']['reasons'] == [
        "root's files changed: %s" % files['etc'],
        "the web UI's user's files changed: %s" % files['user_file'],
    ]


def test_a_file_the_user_cannot_read_is_read_as_the_user(tmp_path, files, web_ui):
    run_playbook(tmp_path, values(files, web_ui))
    # Readable by root only: the digest the module reports is the one nobody gets (the
    # file unreadable), never root's (its content).
    os.chmod(str(files['user_file']), 0o600)
    found = run_playbook(tmp_path, values(files, web_ui))['first']
    assert found['reasons'] == ["the web UI's user's files changed: %s" % files['user_file']]
    path = str(files['user_file'])
    as_nobody = _fingerprint.as_user('nobody', _fingerprint.trees, [path])
    assert found['observed']['user_paths'] == as_nobody
    assert as_nobody != _fingerprint.trees([path])


def test_check_mode_records_nothing(tmp_path, files, web_ui):
    results = run_playbook(tmp_path, values(files, web_ui), '--check')
    assert results['recorded']['recorded'] is False
    assert not files['record'].exists()
    assert results['second']['reasons'] == ['no run has converged this host yet']
