# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import pathlib
import shutil
import stat
import tempfile

import pytest
from ansible.module_utils import basic
from module_args import patch_module_args  # pylint: disable=wrong-import-order

from ansible_collections.vramfree.webui.plugins.modules import webui_flags

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / 'fixtures' / 'launch'


def install(name, path):
    """Copy a fixture as the user has it: .bat files are stored with LF, used with CRLF."""
    data = (FIXTURES / name).read_bytes()
    if name.endswith('.bat'):
        data = data.replace(b'\n', b'\r\n')
    path.write_bytes(data)
    return path


@pytest.fixture
def script(tmp_path):
    return install('webui-user.sh', tmp_path / 'webui-user.sh')


def test_drops_lowvram_and_reports_it(run_module, script):
    outcome = run_module(webui_flags.main, dict(path=str(script), memory_mode='none'))
    result = outcome.result
    assert result['changed'] is True
    assert result['args'] == ['--xformers', '--listen', '--port', '7860', '--ckpt-dir', '/srv/sd models']
    assert result['removed'] == ['--lowvram']
    assert result['added'] == []
    assert result['command_line'] == "--xformers --listen --port 7860 --ckpt-dir '/srv/sd models'"
    assert result['msg'] == 'COMMANDLINE_ARGS changed on line 14'
    assert 'diff' not in result and 'backup_file' not in result
    lines = script.read_text().splitlines(True)
    assert lines[13] == (
        'export COMMANDLINE_ARGS="--xformers --listen --port 7860 --ckpt-dir \'/srv/sd models\'"'
        '  # GTX 970, desktop on\n'
    )
    again = run_module(webui_flags.main, dict(path=str(script), memory_mode='none')).result
    assert again['changed'] is False
    assert again['msg'] == 'COMMANDLINE_ARGS already as asked'


def test_check_mode_reports_the_change_and_writes_nothing(run_module, script):
    before = script.read_bytes()
    result = run_module(
        webui_flags.main, dict(path=str(script), memory_mode='none', _ansible_check_mode=True, _ansible_diff=True)
    ).result
    assert result['changed'] is True
    assert script.read_bytes() == before
    assert result['diff']['before'] == before.decode()
    assert result['diff']['after'] == before.decode().replace(' --lowvram', '', 1)
    assert result['diff']['before_header'] == '%s (content)' % script
    assert result['diff']['after_header'] == '%s (content)' % script


def test_secrets_never_leave_the_module(run_module, tmp_path):
    path = tmp_path / 'sd-webui'
    path.write_text('COMMANDLINE_ARGS="--listen --gradio-auth admin:hunter2 --lowvram"\n')
    outcome = run_module(
        webui_flags.main,
        dict(
            path=str(path),
            format='env',
            memory_mode='none',
            flags={'api-auth': 'api:s3cr3t pass', 'gradio-auth': 'admin:n3w'},
            _ansible_diff=True,
        ),
    )
    shown = json.dumps(outcome.result)
    for secret in ('hunter2', 's3cr3t', 'n3w'):
        assert secret not in shown
    assert outcome.no_log_values >= {'admin:hunter2', 'api:s3cr3t pass', 'admin:n3w'}
    assert outcome.result['args'] == ['--listen', '--gradio-auth', '********', '--api-auth', '********']
    assert outcome.result['diff']['after'] == 'COMMANDLINE_ARGS="--listen --gradio-auth ******** --api-auth ********"\n'
    assert path.read_text() == "COMMANDLINE_ARGS=\"--listen --gradio-auth admin:n3w --api-auth 'api:s3cr3t pass'\"\n"


def test_secret_in_a_refused_line_is_not_shown(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    path.write_text('export COMMANDLINE_ARGS="--gradio-auth admin:hunter2 $EXTRA"\n')
    outcome = run_module(webui_flags.main, dict(path=str(path), flags={'gradio-auth': 'x:topsecret'}), fails=True)
    assert 'hunter2' not in outcome.result['msg'] and 'topsecret' not in json.dumps(outcome.result)
    assert 'x:topsecret' in outcome.no_log_values


REFUSED = [
    ('webui-user.sh', b'export COMMANDLINE_ARGS="--a"\nexport COMMANDLINE_ARGS="--b"\n', 'more than one active'),
    ('webui-user.sh', b'#!/bin/bash\nexport COMMANDLINE_ARGS="--a\n', 'unbalanced quotes'),
    ('webui-user.sh', b'export COMMANDLINE_ARGS="$EXTRA --lowvram"\n', 'shell expansion'),
    ('webui-user.sh', b'export COMMANDLINE_ARGS="${EXTRA} --lowvram"\n', 'shell expansion'),
    ('webui-user.sh', b'export COMMANDLINE_ARGS="$(cat f) --lowvram"\n', 'shell expansion'),
    ('webui-user.sh', b'export COMMANDLINE_ARGS="`cat f` --lowvram"\n', 'shell expansion'),
    ('webui-user.bat', b'set COMMANDLINE_ARGS=%EXTRA% --lowvram\r\n', '%VAR% expansion'),
    ('sd-webui', b'COMMANDLINE_ARGS=\'--lowvram\n', 'unbalanced quotes'),
]


@pytest.mark.parametrize('name, content, message', REFUSED)
def test_refusals_leave_the_file_byte_identical(run_module, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(b'\xff\xfe not utf-8 \r\n' + content)
    outcome = run_module(webui_flags.main, dict(path=str(path), memory_mode='none', backup=True), fails=True)
    assert message in outcome.result['msg']
    assert outcome.result['msg'].startswith('%s: ' % path)
    assert outcome.result['msg'].endswith('; the file was left as it was')
    assert '(line 2: ' in outcome.result['msg'] or '(line 3: ' in outcome.result['msg']
    assert path.read_bytes() == b'\xff\xfe not utf-8 \r\n' + content
    assert sorted(os.listdir(tmp_path)) == [name]


def test_missing_file_with_create_false_is_refused(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    outcome = run_module(webui_flags.main, dict(path=str(path), flags={'api': True}, create=False), fails=True)
    assert outcome.result['msg'] == '%s does not exist and create is false' % path
    assert not path.exists()


def test_directory_is_refused(run_module, tmp_path):
    outcome = run_module(webui_flags.main, dict(path=str(tmp_path), flags={'api': True}), fails=True)
    assert outcome.result['msg'] == '%s is a directory, not a launch script' % tmp_path
    assert os.listdir(tmp_path) == []


def test_missing_file_is_created_with_the_assignment_and_mode(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    result = run_module(webui_flags.main, dict(path=str(path), flags={'api': True, 'port': 7860}, mode='0640')).result
    assert result['changed'] is True
    assert path.read_text() == 'export COMMANDLINE_ARGS="--api --port 7860"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_backup_keeps_the_old_content(run_module, script):
    before = script.read_bytes()
    result = run_module(webui_flags.main, dict(path=str(script), memory_mode='none', backup=True)).result
    assert pathlib.Path(result['backup_file']).read_bytes() == before
    assert script.read_bytes() != before


def test_symlink_is_followed_and_kept(run_module, script, tmp_path):
    link = tmp_path / 'link.sh'
    link.symlink_to(script)
    run_module(webui_flags.main, dict(path=str(link), memory_mode='none'))
    assert link.is_symlink()
    assert '--lowvram' not in script.read_text()


def test_with_follow_false_a_link_is_refused_and_nothing_moves(run_module, tmp_path):
    # The web UI's user replaced webui-user.sh with a link to a file only root may write
    # (here, a stand-in for /etc/passwd): nothing is written through it, and no owner or
    # mode is set on it.
    victim = tmp_path / 'etc' / 'passwd'
    victim.parent.mkdir()
    victim.write_bytes(b'root:x:0:0:root:/root:/bin/bash\n')
    victim.chmod(0o644)
    link = tmp_path / 'ui' / 'webui-user.sh'
    link.parent.mkdir()
    link.symlink_to(victim)
    before = (victim.read_bytes(), victim.stat().st_mode, victim.stat().st_uid)
    failed = run_module(
        webui_flags.main, dict(path=str(link), memory_mode='none', follow=False, mode='0600'), fails=True
    ).result
    assert failed['msg'].startswith('%s is a symbolic link (to %s) and follow is false' % (link, victim))
    assert (victim.read_bytes(), victim.stat().st_mode, victim.stat().st_uid) == before
    assert link.is_symlink() and [p.name for p in link.parent.iterdir()] == ['webui-user.sh']
    assert [p.name for p in victim.parent.iterdir()] == ['passwd']


def test_with_follow_false_a_plain_file_is_edited_as_usual(run_module, script):
    result = run_module(webui_flags.main, dict(path=str(script), memory_mode='none', follow=False)).result
    assert result['changed'] is True and '--lowvram' not in script.read_text()


def test_write_goes_through_a_temporary_file_in_the_same_directory(run_module, script, monkeypatch):
    moves = []
    real_move = webui_flags.AnsibleModule.atomic_move

    def atomic_move(self, src, dest, *args, **kwargs):
        moves.append((os.path.dirname(src), dest))
        return real_move(self, src, dest, *args, **kwargs)

    monkeypatch.setattr(webui_flags.AnsibleModule, 'atomic_move', atomic_move)
    run_module(webui_flags.main, dict(path=str(script), memory_mode='none'))
    assert moves == [(str(script.parent), str(script))]
    assert sorted(os.listdir(script.parent)) == ['webui-user.sh']


def test_bat_and_env_fixtures(run_module, tmp_path):
    for name in ('webui-user.bat', 'sd-webui.env'):
        path = install(name, tmp_path / name)
        before = path.read_bytes()
        assert (b'\r\n' in before) == name.endswith('.bat')
        result = run_module(webui_flags.main, dict(path=str(path), memory_mode='none')).result
        assert result['removed'] == ['--lowvram']
        after = path.read_bytes()
        assert before.replace(b' --lowvram', b'', 1) == after
        assert run_module(webui_flags.main, dict(path=str(path), memory_mode='none')).result['changed'] is False


def test_validate_with_refuses_flags_the_installed_ui_does_not_define(run_module, script):
    before = script.read_bytes()
    outcome = run_module(
        webui_flags.main,
        dict(
            path=str(script),
            memory_mode='none',
            flags={'opt-sdp-attention': True},
            validate_with=[str(FIXTURES / 'a1111_cmd_args.py.txt')],
        ),
        fails=True,
    )
    assert outcome.result['unknown_flags'] == ['--opt-sdp-attention']
    assert outcome.result['msg'].startswith('--opt-sdp-attention not defined by ')
    assert script.read_bytes() == before


def test_validate_with_accepts_a_result_the_ui_defines(run_module, tmp_path):
    path = tmp_path / 'comfyui.env'
    path.write_text('COMMANDLINE_ARGS=--listen 0.0.0.0 --lowvram\n')
    result = run_module(
        webui_flags.main,
        dict(
            path=str(path),
            ui='comfyui',
            memory_mode='normalvram',
            flags={'fast': []},
            validate_with=str(FIXTURES / 'comfyui_cli_args.py.txt'),
        ),
    ).result
    assert result['args'] == ['--listen', '0.0.0.0', '--normalvram', '--fast']
    assert path.read_text() == 'COMMANDLINE_ARGS=--listen 0.0.0.0 --normalvram --fast\n'


def test_forge_warns_about_a1111_memory_flags(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    path.write_text('export COMMANDLINE_ARGS="--lowvram"\n')
    outcome = run_module(webui_flags.main, dict(path=str(path), ui='forge', memory_mode='medvram'))
    assert outcome.result['removed'] == ['--lowvram']
    assert outcome.warnings == [
        'Stable Diffusion WebUI Forge ignores --medvram: its own memory management decides, so no memory flag is '
        'written; to force a mode choose one of: always-gpu, always-high-vram, always-low-vram, always-no-vram, '
        'always-cpu'
    ]


def test_format_comes_from_the_path_given_not_the_link_target(run_module, tmp_path):
    dotfile = tmp_path / '.webui-config'
    dotfile.write_text('export COMMANDLINE_ARGS="--xformers --lowvram"\n')
    link = tmp_path / 'webui-user.sh'
    link.symlink_to(dotfile)
    result = run_module(webui_flags.main, dict(path=str(link), memory_mode='none')).result
    assert result['removed'] == ['--lowvram']
    assert dotfile.read_text() == 'export COMMANDLINE_ARGS="--xformers"\n' and link.is_symlink()


def as_nobody(func):
    """Run ``func`` in a child process without root's right to write anywhere, and return
    what it returns (JSON-able). Root writes into read-only directories, so a test of a
    directory that cannot be written needs an ordinary user."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 0
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            payload = json.dumps(func())
        except BaseException as exc:  # noqa: B036 - everything must reach the parent
            payload, code = json.dumps({'child_error': repr(exc)}), 1
        os.write(write, payload.encode())
        os._exit(code)
    os.close(write)
    data = b''
    while True:
        chunk = os.read(read, 65536)
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to switch to an ordinary user')
def test_unsafe_writes_when_only_the_file_is_writable(run_module, monkeypatch):
    # pytest's tmp_path is private to root; the ordinary user needs a way in.
    top = pathlib.Path(tempfile.mkdtemp(prefix='webui-flags-'))
    os.chmod(str(top), 0o755)
    folder = top / 'sd'
    folder.mkdir()
    script = install('webui-user.sh', folder / 'webui-user.sh')
    os.chmod(str(script), 0o666)
    os.chmod(str(folder), 0o555)
    monkeypatch.setenv('HOME', str(top / 'home'))
    monkeypatch.setenv('TMPDIR', '/tmp')
    try:
        _unsafe_writes_scenario(run_module, folder, script)
    finally:
        os.chmod(str(folder), 0o755)
        shutil.rmtree(str(top))


def _unsafe_writes_scenario(run_module, folder, script):

    def attempt(unsafe):
        def run():
            try:
                outcome = run_module(
                    webui_flags.main, dict(path=str(script), memory_mode='none', unsafe_writes=unsafe), fails=not unsafe
                )
            except AssertionError as exc:
                return {'assertion': str(exc)}
            return {'msg': outcome.result['msg'], 'changed': outcome.result.get('changed')}

        return as_nobody(run)

    before = script.read_bytes()
    refused = attempt(False)
    assert refused['msg'].startswith('cannot write a temporary file in %s: [Errno 13] Permission denied' % folder)
    assert script.read_bytes() == before
    written = attempt(True)
    assert written == {'msg': 'COMMANDLINE_ARGS changed on line 14', 'changed': True}
    assert script.read_bytes() == before.replace(b' --lowvram', b'', 1)
    assert sorted(os.listdir(str(folder))) == ['webui-user.sh']


def test_check_mode_reports_a_mode_change(run_module, script):
    script.chmod(0o644)
    before = script.read_bytes()
    result = run_module(webui_flags.main, dict(path=str(script), mode='0600', _ansible_check_mode=True)).result
    assert result['changed'] is True
    assert stat.S_IMODE(script.stat().st_mode) == 0o644 and script.read_bytes() == before
    assert run_module(webui_flags.main, dict(path=str(script), mode='0600')).result['changed'] is True
    assert stat.S_IMODE(script.stat().st_mode) == 0o600
    result = run_module(webui_flags.main, dict(path=str(script), mode='0600', _ansible_check_mode=True)).result
    assert result['changed'] is False


@pytest.mark.parametrize('check_mode', [True, False])
def test_create_in_a_missing_directory_fails_the_same_in_check_mode(run_module, tmp_path, check_mode):
    path = tmp_path / 'missing' / 'webui-user.sh'
    outcome = run_module(
        webui_flags.main, dict(path=str(path), flags={'api': True}, _ansible_check_mode=check_mode), fails=True
    )
    assert outcome.result['msg'] == '%s cannot be created: the directory %s does not exist' % (path, path.parent)
    assert not path.parent.exists()


def test_secret_on_a_commented_line_is_masked_in_the_diff(run_module, tmp_path):
    path = tmp_path / 'webui-user.sh'
    path.write_text(
        '#export COMMANDLINE_ARGS="--gradio-auth admin:old"\nexport COMMANDLINE_ARGS="--api-au=s3cr3t --lowvram"\n'
    )
    result = run_module(webui_flags.main, dict(path=str(path), memory_mode='none', _ansible_diff=True)).result
    shown = json.dumps(result)
    assert 'admin:old' not in shown and 's3cr3t' not in shown
    assert result['diff']['after'] == (
        '#export COMMANDLINE_ARGS="--gradio-auth ********"\nexport COMMANDLINE_ARGS="--api-au=********"\n'
    )
    assert result['args'] == ['--api-au=********']


def test_boolean_words_from_the_command_line_form(run_module, script):
    result = run_module(webui_flags.main, dict(path=str(script), flags='listen=true api=yes lowvram=no')).result
    assert '--lowvram' not in result['args'] and '--api' in result['args']
    assert result['args'].count('--listen') == 1


def test_a_failed_move_leaves_no_temporary_file(tmp_path, monkeypatch):
    # The real fail_json (not the run_module fixture's), whose clean-up is what is tested.
    path = install('webui-user.sh', tmp_path / 'webui-user.sh')
    before = path.read_bytes()

    def failing_move(self, src, dest, unsafe_writes=False, keep_dest_attrs=True):
        self.fail_json(msg='Could not replace file: %s to %s: simulated rename failure' % (src, dest))

    monkeypatch.setattr(basic.AnsibleModule, 'atomic_move', failing_move)
    with patch_module_args({'path': str(path), 'memory_mode': 'none'}):
        with pytest.raises(SystemExit) as caught:
            webui_flags.main()
    assert caught.value.code == 1
    assert sorted(os.listdir(tmp_path)) == ['webui-user.sh']
    assert path.read_bytes() == before
