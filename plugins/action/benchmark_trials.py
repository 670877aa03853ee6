# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probe the web UI's API, or run the benchmark's trials on one host (see
plugins/modules/benchmark_trials.py). The decisions are plugin_utils/_benchmark.py's
(image UIs) and _llm_bench.py's (LLM servers, by their profile's ``api``); this shell
runs the modules they ask for."""

from __future__ import annotations

import base64
import contextlib
import json

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vramfree.webui.plugins.module_utils import _launch_args
from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark, _llm_bench, _remote, _webui_plan

# Seconds a systemctl or journalctl call may take: a unit stuck in its stop can hold them.
SYSTEMCTL_TIMEOUT = 60
RESTART_TIMEOUT = 300
# On top of the request's own timeout, for Python's start and the answer's transfer.
REQUEST_SLACK = 60

SPEC = {
    'state': {'type': 'str', 'choices': ['probe', 'run'], 'default': 'run'},
    'listen': {'type': 'str', 'default': '127.0.0.1'},
    'port': {'type': 'int', 'default': 7860},
    'auth': {'type': 'str', 'default': '', 'no_log': True},
    'ui': {'type': 'str', 'default': 'a1111'},
    'python': {'type': 'str', 'default': 'python3'},
    'api_script': {'type': 'str', 'required': True},
    'unit': {'type': 'str', 'default': 'webui.service'},
    'launch_file': {'type': 'path'},
    'user': {'type': 'str', 'default': 'sd'},
    'flags': {'type': 'dict', 'default': {}, 'no_log': True},
    'model': {'type': 'str', 'default': 'sd15'},
    'modes': {'type': 'list', 'elements': 'str', 'default': []},
    'request': {'type': 'dict', 'default': {}},
    'warmup_steps': {'type': 'int', 'default': 2},
    'timeout': {'type': 'int', 'default': 600},
    'start_timeout': {'type': 'int', 'default': 600},
    'compare': {'type': 'bool', 'default': False},
    'autotune': {'type': 'bool', 'default': False},
    'autotune_all': {'type': 'bool', 'default': False},
    'mode_before': {'type': 'str'},
    'planned_mode': {'type': 'str'},
    'gpus': {'type': 'list', 'elements': 'dict', 'default': []},
    'gpu_index': {'type': 'int'},
    'launch_args': {'type': 'list', 'elements': 'str', 'default': [], 'no_log': True},
    'memory_before': {'type': 'raw'},
    'oom_margin_mib': {'type': 'int', 'default': 128},
    # The LLM servers (the profile's api ollama or openai).
    'api': {'type': 'str', 'default': 'sdapi'},
    'api_key': {'type': 'str', 'default': '', 'no_log': True},
    'llm_model': {'type': 'str', 'default': ''},
    'llm_request': {'type': 'dict', 'default': {}},
    'warmup_tokens': {'type': 'int', 'default': 8},
    'planned_layers': {'type': 'int'},
    'model_info': {'type': 'dict'},
    'max_trials': {'type': 'int', 'default': _llm_bench.DEFAULT_MAX_TRIALS},
    'unit_file': {'type': 'path'},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        _spec, args = self.validate_argument_spec(argument_spec=SPEC)
        self._vars = task_vars or {}
        self._args = args
        # Knocked on from the host itself, where the UI binds: the same endpoint as the
        # webui role waits on.
        self._url = _webui_plan.endpoint(args['listen'], args['port'])['probe_url'].rstrip('/')
        self._changed = False
        self._diffs = []
        llm = args['api'] in _llm_bench.APIS
        if args['state'] == 'probe':
            return self._probe_llm() if llm else self._probe()
        return self._run_llm() if llm else self._run()

    # The two states ----------------------------------------------------------------------

    def _probe(self):
        url = self._url + '/sdapi/v1/cmd-flags'
        if self._args['ui'] in _benchmark.API_UIS:
            answer = self._api({'action': 'get', 'url': url, 'timeout': 30})
        else:
            answer = {'status': -1, 'body': None}
        # The answer holds the UI's options, --api-auth's password among them: only the
        # verdict leaves this plugin.
        probe = _benchmark.probe(answer.get('status'), url, answer.get('body'), self._args['ui'])
        return dict(probe, changed=False, url=self._url + '/')

    def _run(self):
        a = self._args
        if not a['launch_file'] or not a['mode_before']:
            raise AnsibleActionFail('state=run needs launch_file and mode_before (from state=probe)')
        try:
            modes = _benchmark.modes_to_try(a['ui'], a['model'], a['modes'])
            gpu = _benchmark.gpu_record(a['gpus'], a['gpu_index'])
            key = _benchmark.conditions(
                a['ui'],
                a['model'],
                gpu,
                a['request'].get('width', 512),
                a['request'].get('height', 512),
                a['launch_args'],
            )
            run = _benchmark.Run(
                self,
                a['mode_before'],
                modes,
                steps=a['request'].get('steps', 20),
                warmup_steps=a['warmup_steps'],
                compare=a['compare'],
                autotune=a['autotune'],
                autotune_all=a['autotune_all'],
                planned_mode=a['planned_mode'],
                memory_before=a['memory_before'],
                key=key,
                free_mib=(gpu or {}).get('memory_free_mib'),
                margin_mib=a['oom_margin_mib'],
                check_mode=bool(self._task.check_mode),
            )
        except (_benchmark.BenchmarkError, TypeError, ValueError) as exc:
            raise AnsibleActionFail('benchmark_trials: %s' % exc) from exc
        result = {'modes': modes, 'gpu': gpu, 'changed': False}
        failure = None
        try:
            run.run()
        except (_benchmark.HostError, _benchmark.BenchmarkError) as exc:
            failure = str(exc)
        result.update(
            changed=self._changed,
            trials=run.trials,
            lines=run.lines,
            chosen=run.chosen,
            written_back=run.written_back(),
            left_on=run.left_on,
            up=run.up,
            # The launch file's changes as webui_flags showed them (its secrets masked by
            # it): the task is no_log, so the playbook prints them under --diff.
            diffs=self._diffs,
        )
        if failure is not None:
            # What was measured and where the UI was left stay in the result, for the report.
            result.update(failed=True, msg=failure)
            return result
        result.update(memory=run.memory_after(gpu), problem=run.problem(self._url, a['unit']))
        return result

    def _probe_llm(self):
        a = self._args
        url = self._url + _llm_bench.PROBE_PATH[a['api']]
        answer = self._api({'action': 'get', 'url': url, 'timeout': 30})
        probe = _llm_bench.probe(a['api'], answer.get('status'), url, answer.get('body'), a['llm_model'])
        return dict(probe, changed=False, url=self._url + '/')

    def _run_llm(self):
        a = self._args
        self._unit_file = a['unit_file'] or '/etc/systemd/system/' + a['unit']
        self._unit_text = None
        try:
            gpu = _benchmark.gpu_record(a['gpus'], a['gpu_index'])
            total = _llm_bench.layers_total(a['model_info'])
            layers_before, key = None, None
            if a['api'] in _llm_bench.LAYER_APIS:
                # The role's unit, root's file in root's folder: its --n-gpu-layers is the
                # one number a trial changes.
                self._unit_text = self._slurp(self._unit_file)
                layers_before = _llm_bench.unit_layers(self._unit_text)
                _text, line = _llm_bench.unit_with_layers(self._unit_text, layers_before or 0)
                key = _llm_bench.conditions(a['ui'], a['model_info'], gpu, line)
            run = _llm_bench.Run(
                self,
                a['api'],
                layers_before=layers_before,
                planned=a['planned_layers'],
                total=total,
                tokens=a['llm_request'].get('tokens', 128),
                warmup_tokens=a['warmup_tokens'],
                compare=a['compare'],
                autotune=a['autotune'],
                max_trials=a['max_trials'],
                memory_before=a['memory_before'],
                key=key,
                free_mib=(gpu or {}).get('memory_free_mib'),
                margin_mib=a['oom_margin_mib'],
                model=a['llm_model'] or None,
                check_mode=bool(self._task.check_mode),
            )
        except (_benchmark.BenchmarkError, TypeError, ValueError) as exc:
            raise AnsibleActionFail('benchmark_trials: %s' % exc) from exc
        except _benchmark.HostError as exc:
            raise AnsibleActionFail('benchmark_trials: %s' % exc) from exc
        result = {'modes': [], 'gpu': gpu, 'changed': False, 'layers_total': total}
        failure = None
        try:
            run.run()
        except (_benchmark.HostError, _benchmark.BenchmarkError) as exc:
            failure = str(exc)
        if a['autotune'] and not run.tunes:
            run.lines.append('No autotune: the server places its GPU layers itself, from the free VRAM.')
        result.update(
            changed=self._changed,
            trials=run.trials,
            lines=run.lines,
            chosen=None if run.chosen is None else str(run.chosen),
            mode_before=None if layers_before is None else str(layers_before),
            written_back=run.written_back(),
            left_on=run.left_on,
            up=run.up,
            diffs=self._diffs,
        )
        if failure is not None:
            result.update(failed=True, msg=failure)
            return result
        result.update(memory=run.memory_after(gpu, a['model_info']), problem=run.problem(self._url, a['unit']))
        return result

    # What _llm_bench.Run asks of the host ----------------------------------------------

    def complete(self, tokens):
        a = self._args
        order = _llm_bench.completion(a['api'], self._url, a['llm_request'], tokens, a['llm_model'] or None)
        return self._api(dict(order, timeout=a['timeout']))

    def set_layers(self, layers, restart):
        a = self._args
        text, line = _llm_bench.unit_with_layers(self._unit_text, layers)
        # Root's file, and the one line of it that holds the number: the rest stays as
        # the webui role wrote it.
        edit = self._module(
            'ansible.legacy.lineinfile',
            {'path': self._unit_file, 'regexp': r'^\s*ExecStart\s*=\s*\S', 'line': line, 'create': False},
            'lineinfile on %s (%d GPU layers)' % (self._unit_file, layers),
        )
        self._unit_text = text
        if self._keep(edit):
            self._command(['systemctl', 'daemon-reload'], SYSTEMCTL_TIMEOUT)
        if not restart:
            return True
        return self._restart(_llm_bench.WAIT_PATH[a['api']])

    def _slurp(self, path):
        found = self._module('ansible.legacy.slurp', {'src': path}, 'reading %s' % path)
        try:
            return base64.b64decode(found.get('content') or '').decode('utf-8')
        except (ValueError, UnicodeDecodeError) as exc:
            raise _benchmark.HostError('%s is not a text unit: %s' % (path, exc)) from exc

    # What _benchmark.Run asks of the host ---------------------------------------------

    def txt2img(self, steps):
        a = self._args
        return self._api(
            {
                'action': 'txt2img',
                'url': self._url + '/sdapi/v1/txt2img',
                'payload': dict(a['request'], steps=steps),
                'timeout': a['timeout'],
            }
        )

    def switch(self, mode, restart):
        a = self._args
        # The web UI's user's file: edited as that user, a link there refused (as the
        # webui role does).
        with self._become_user(a['user']):
            edit = self._module(
                'vramfree.webui.webui_flags',
                {'path': a['launch_file'], 'ui': a['ui'], 'memory_mode': mode, 'create': False, 'follow': False},
                'webui_flags on %s (memory mode %s)' % (a['launch_file'], mode),
            )
        self._keep(edit)
        if not restart:
            return True
        return self._restart('/sdapi/v1/cmd-flags')

    # What both ask of the host ---------------------------------------------------------

    def _keep(self, edit):
        """Whether a module's edit changed the file; its diff is kept for --diff."""
        changed = bool(edit.get('changed'))
        self._changed |= changed
        if changed and edit.get('diff'):
            self._diffs.append(edit['diff'])
        return changed

    def _restart(self, wait_path):
        """Restarts the unit and waits until ``wait_path`` answers; whether it did."""
        a = self._args
        # The unit allows 5 starts in 10 minutes (StartLimitBurst), manual ones included:
        # trials and an operator's restarts can use them up, and systemd would then
        # refuse this start and leave the service stopped.
        self._command(['systemctl', 'reset-failed', a['unit']], SYSTEMCTL_TIMEOUT)
        self._command(['systemctl', 'restart', a['unit']], RESTART_TIMEOUT)
        self._changed = True
        # Gives up early when systemd had to restart the service (it exited, e.g. out of
        # memory while loading the model or its GPU layers).
        answer = self._api(
            {
                'action': 'wait',
                'url': self._url + wait_path,
                'timeout': a['start_timeout'],
                'unit': a['unit'],
            }
        )
        return answer.get('status') == 200

    def journal(self):
        lines = self._command(
            ['journalctl', '--unit', self._args['unit'], '--lines', '30', '--no-pager', '--output', 'cat'],
            SYSTEMCTL_TIMEOUT,
        ).get('stdout_lines', [])
        # A1111 prints its arguments, passwords among them; a server's key is masked too.
        secrets = _launch_args.flag_secrets(self._args['flags'])
        if self._args['api_key']:
            secrets.add(self._args['api_key'])
        return _launch_args.mask_log([str(line) for line in lines], secrets)

    # Modules ------------------------------------------------------------------------------

    def _api(self, order):
        """playbooks/files/webui_api.py run on the host with the order on stdin, so that
        the login never shows in a process list. Only reads the UI (or waits for it):
        also under --check."""
        order = dict(order, auth=self._args['auth'], bearer=self._args['api_key'])
        timeout = int(order['timeout']) + REQUEST_SLACK
        with self._check_mode(False):
            result = self._module(
                'ansible.legacy.command',
                {
                    'argv': ['timeout', str(timeout), self._args['python'], '-c', self._args['api_script']],
                    'stdin': json.dumps(order),
                },
                'the web UI API request (%s %s)' % (order['action'], order['url']),
            )
        try:
            return json.loads(result.get('stdout') or '')
        except ValueError as exc:
            raise _benchmark.HostError('the web UI API script printed no answer (rc %s)' % result.get('rc')) from exc

    def _command(self, argv, timeout):
        return self._module('ansible.legacy.command', {'argv': ['timeout', str(timeout)] + list(argv)}, ' '.join(argv))

    def _module(self, name, args, what=None):
        result = _remote.execute_module(self, name, args, self._vars)
        # The command module's invocation holds its stdin, the API login with it.
        result.pop('invocation', None)
        if result.get('failed') or result.get('rc', 0) != 0:
            detail = (result.get('stderr') or '').strip()[-500:] or result.get('msg') or 'failed'
            raise _benchmark.HostError('%s (rc %s): %s' % (what or name, result.get('rc', '-'), detail))
        return result

    @contextlib.contextmanager
    def _check_mode(self, value):
        before = self._task.check_mode
        self._task.check_mode = value
        try:
            yield
        finally:
            self._task.check_mode = before

    @contextlib.contextmanager
    def _become_user(self, user):
        """Run the modules inside as ``user`` rather than the task's become user."""
        become = self._connection.become
        if become is None:
            raise _benchmark.HostError('benchmark_trials needs become (to edit the launch file as %s)' % user)
        before = become.get_option('become_user')
        # Mitogen keeps one interpreter per user: forget root's so that the next module
        # gets one as the new user, and the other way round after.
        forget = getattr(self._connection, '_put_connection', None)
        become.set_option('become_user', user)
        if forget:
            forget()
        try:
            yield
        finally:
            become.set_option('become_user', before)
            if forget:
                forget()
