# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the action tests share: ansible-playbook itself run against this machine, and a
real HTTP server to stand for a web UI's port."""

from __future__ import annotations

import contextlib
import http.server
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import threading


def run_local(tmp_path, playbook: str, marker: str, *extra) -> dict:
    """Run ``playbook`` on localhost with this checkout's collection; return the JSON a
    debug task printed after ``marker=`` (``msg: "MARKER={{ ... | to_json }}"``)."""
    (tmp_path / 'play.yml').write_text(playbook)
    (tmp_path / 'hosts.yml').write_text(
        'all:\n  hosts:\n    localhost: {ansible_connection: local, ansible_python_interpreter: %s}\n' % sys.executable
    )
    origin = importlib.util.find_spec('ansible_collections.vramfree.webui.plugins.action.webui_plan').origin
    base = pathlib.Path(origin).parents[5]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(base), ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0')
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'hosts.yml', 'play.yml', *extra],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    prefix = '"msg": "%s=' % marker
    line = next(line for line in run.stdout.splitlines() if prefix in line)
    return json.loads(json.loads('{' + line.strip() + '}')['msg'][len(marker) + 1 :])


class _Answer(http.server.BaseHTTPRequestHandler):
    """200 on /ok and /, 404 elsewhere."""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200 if self.path in ('/', '/ok') else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def web_ui_port():
    """A real HTTP server on 127.0.0.1; yields its port."""
    server = http.server.HTTPServer(('127.0.0.1', 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
