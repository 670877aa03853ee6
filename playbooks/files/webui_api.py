# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Talk to a web UI's A1111-shaped API, or an LLM server's, from the GPU host itself (run
by the vramfree.webui.benchmark_trials action of playbooks/benchmark.yml).

The action runs this with the host's python3 and hands it one JSON object on stdin, so
that the API login or key never shows in a process list:
  {"action": "get" | "wait" | "txt2img" | "post" | "generate",
   "url": "http://127.0.0.1:7860/sdapi/v1/...",
   "auth": "user:password" or "" (HTTP basic), "bearer": an API key or "" (llama-server's
   Authorization: Bearer), "payload": {...} (txt2img, post, generate), "timeout": seconds,
   "unit": "webui.service" (wait: give up early once systemd had to restart it),
   "ps_url": Ollama's /api/ps (generate: asked right after the completion)}
txt2img and post send the payload; generate does too, then GETs ps_url, whose answer
comes back as "ps" ({"status", "body"}) beside the completion's.
It prints one JSON object and exits 0 whatever the web UI answered:
  {"status": HTTP status or -1, "elapsed_s": wall time of the request in seconds,
   "body": the JSON answer (its base64 images replaced by their count, Ollama's context
   tokens left out, a generated text cut short) or null,
   "text": the start of a non-JSON answer, "error": why nothing answered, or null}
ansible.builtin.uri would do the HTTP, but reports whole seconds only; a benchmark needs
the request's wall time measured on the host to the millisecond.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request


def request(url, auth='', payload=None, timeout=60.0, bearer=''):
    data = None if payload is None else json.dumps(payload).encode('utf-8')
    req = urllib.request.Request(url, data=data, method='GET' if data is None else 'POST')
    if data is not None:
        req.add_header('Content-Type', 'application/json')
    if bearer:
        req.add_header('Authorization', 'Bearer ' + bearer)
    elif auth:
        req.add_header('Authorization', 'Basic ' + base64.b64encode(auth.encode('utf-8')).decode('ascii'))
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (OSError, ValueError) as exc:
        return {
            'status': -1,
            'elapsed_s': time.monotonic() - started,
            'body': None,
            'text': None,
            'error': str(getattr(exc, 'reason', exc)),
        }
    elapsed = time.monotonic() - started
    try:
        body = json.loads(raw.decode('utf-8'))
    except ValueError:
        return {
            'status': status,
            'elapsed_s': elapsed,
            'body': None,
            'text': raw[:2000].decode('utf-8', 'replace'),
            'error': None,
        }
    if isinstance(body, dict) and isinstance(body.get('images'), list):
        # A 512x512 PNG is ~400 KB of base64: the benchmark needs only how many there are.
        body['images'] = len(body['images'])
    if isinstance(body, dict):
        # Ollama's context is the conversation's token ids; the generated text is not
        # measured. The figures are all the benchmark reads.
        body.pop('context', None)
        for key in ('response', 'content'):
            if isinstance(body.get(key), str):
                body[key] = body[key][:200]
    return {'status': status, 'elapsed_s': elapsed, 'body': body, 'text': None, 'error': None}


def restarted(unit):
    """Whether systemd had to restart the unit (the web UI exited) or gave up on it."""
    if not unit:
        return False
    show = subprocess.run(
        ['systemctl', 'show', unit, '--property=NRestarts,ActiveState'],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        check=False,
    )
    props = dict(line.split('=', 1) for line in show.stdout.splitlines() if '=' in line)
    return props.get('NRestarts', '0') not in ('', '0') or props.get('ActiveState') == 'failed'


def wait(url, auth, timeout, unit, bearer=''):
    """GET url until it answers something other than a refused connection, the unit is
    restarted by systemd, or the time is up. A1111 mounts its API routes after Gradio's
    server is up, so the API's own URL is the one to wait for; llama-server's /health
    answers 503 until its model is loaded, so it is waited for past that too."""
    deadline = time.monotonic() + timeout
    while True:
        answer = request(url, auth, timeout=10, bearer=bearer)
        if answer['status'] in (200, 401, 403, 404) or restarted(unit):
            return answer
        if time.monotonic() > deadline:
            answer['error'] = 'no answer after %d s: %s' % (timeout, answer['error'] or answer['status'])
            return answer
        time.sleep(2)


def main():
    order = json.load(sys.stdin)
    timeout = float(order.get('timeout') or 60)
    auth, bearer = order.get('auth') or '', order.get('bearer') or ''
    if order['action'] == 'wait':
        answer = wait(order['url'], auth, timeout, order.get('unit'), bearer)
    elif order['action'] in ('txt2img', 'post', 'generate'):
        answer = request(order['url'], auth, order.get('payload') or {}, timeout, bearer)
        if order['action'] == 'generate' and order.get('ps_url'):
            # Where Ollama put the model that answered, while it is still loaded.
            ps = request(order['ps_url'], auth, None, 30, bearer)
            answer['ps'] = {'status': ps['status'], 'body': ps['body']}
    else:
        answer = request(order['url'], auth, None, timeout, bearer)
    json.dump(answer, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
