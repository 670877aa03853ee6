# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report of site: per host and GPU, the VRAM before and after, who held it,
what was done to the desktop and the web UI, and which hosts failed and why.

Built from each host's facts as plain data (written as report.json), and rendered as
Markdown and HTML; nothing here talks to a host. The files are written on the controller,
into the report folder.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile

from ansible_collections.vramfree.webui.plugins.plugin_utils._vram_report import vram_table
from ansible_collections.vramfree.webui.plugins.plugin_utils._webui_report import webui_table

DESKTOP_UNITS = ('display-manager.service',)
REPORT_VERSION = 1
REPORT_FOLDER = 'vramfree-report'
# What the benchmark playbook leaves in the same folder.
BENCHMARK_FILE = 'benchmark.json'
FILE_MODE = 0o644
FOLDER_MODE = 0o755


class ReportError(ValueError):
    pass


def report_dir(given=None, cwd=None) -> str:
    """The report folder, absolute: ``given`` (relative ones from the working folder), or
    vramfree-report in it. The working folder is the process's own (os.getcwd()), never
    the PWD environment variable, which whoever changed folder may have left stale."""
    base = cwd if cwd is not None else os.getcwd()
    return os.path.normpath(os.path.join(base, os.path.expanduser(given) if given else REPORT_FOLDER))


def _holders(gpu: dict, desktop_units) -> list:
    holders = []
    for proc in sorted(gpu.get('processes') or [], key=lambda p: -(p.get('used_memory_mib') or 0)):
        unit = proc.get('unit')
        holders.append(
            {
                'pid': proc.get('pid'),
                'name': (proc.get('name') or 'unknown').rsplit('/', 1)[-1],
                'used_mib': proc.get('used_memory_mib'),
                'unit': unit,
                'desktop': proc.get('type') == 'graphics' or unit in desktop_units,
            }
        )
    return holders


def _snapshot(gpu: dict | None, desktop_units) -> dict | None:
    if gpu is None:
        return None
    return {
        'used_mib': gpu.get('memory_used_mib'),
        'free_mib': gpu.get('memory_free_mib'),
        'processes_supported': bool(gpu.get('processes_supported')),
        'holders': _holders(gpu, desktop_units),
        'error': gpu.get('error'),
    }


def _gpus(before: dict | None, after: dict | None, desktop_units) -> list:
    by_index = {}
    for when, facts in (('before', before), ('after', after)):
        for gpu in (facts or {}).get('gpus') or []:
            entry = by_index.setdefault(
                gpu.get('index'),
                {
                    'index': gpu.get('index'),
                    'name': gpu.get('name'),
                    'uuid': gpu.get('uuid'),
                    'total_mib': gpu.get('memory_total_mib'),
                    'before': None,
                    'after': None,
                },
            )
            entry[when] = _snapshot(gpu, desktop_units)
    return [by_index[key] for key in sorted(by_index, key=lambda i: (i is None, i))]


def site_record(hostvars: dict) -> dict:
    """What site recorded on one host, picked from its hostvars."""

    def get(key):
        return _lookup(hostvars, key)

    return {
        'before': get('vramfree_vram_before'),
        'after': get('vramfree_vram_after'),
        'gpu_plan': get('vramfree_gpu_plan'),
        'desktop_stopped': get('vramfree_desktop_stopped'),
        'webui': get('webui_result'),
        'proxy': get('proxy_result'),
        'host': get('inventory_hostname'),
        'failure': get('vramfree_failure'),
        # Set by the collection's fleet strategy when the host became unreachable: the
        # task it was on (Ansible itself keeps no trace of it a play can read).
        'lost_on': get('vramfree_unreachable_task'),
    }


def _lookup(mapping, key):
    """``mapping[key]``, or along a list of keys; None where any step is missing."""
    for step in key if isinstance(key, (list, tuple)) else [key]:
        try:
            mapping = mapping[step]
        except (KeyError, TypeError, IndexError):
            return None
    return mapping


def by_host(hostvars, hosts, key) -> dict:
    """``{host: hostvars[host][key]}`` for each of ``hosts`` (None where unset); ``key``
    may be a list of keys to go down (``['ansible_facts', 'gpu_vram']``)."""
    if isinstance(hosts, str) or not hasattr(hosts, '__iter__'):
        raise ReportError('expected a list of host names, got %s' % type(hosts).__name__)
    return {host: _lookup(_lookup(hostvars, host), key) for host in hosts}


def site_records(hostvars, hosts, reached=None) -> dict:
    """``{host: site_record(hostvars[host])}`` for each of ``hosts``.

    ``reached`` (``ansible_play_hosts``) is the hosts still in the play at the end. One
    of ``hosts`` missing from it became unreachable (or failed outside site's block):
    Ansible records no failure for it, so its record gets one here, saying how far the
    run got on it, instead of passing for a host that finished.
    """
    for value, what in ((hosts, 'hosts'), (reached, 'reached')):
        if value is not None and (isinstance(value, str) or not hasattr(value, '__iter__')):
            raise ReportError('expected a list of host names for %s, got %s' % (what, type(value).__name__))
    records = {host: site_record(_lookup(hostvars, host) or {}) for host in hosts}
    if reached is not None:
        reached = set(reached)
        for host, record in records.items():
            if host not in reached and not record['failure']:
                record['failure'] = {'task': record.get('lost_on'), 'msg': _lost_msg(record), 'unreachable': True}
    return records


def _lost_msg(record: dict) -> str:
    """Why a host left the play without a failure of its own, and how far it got."""
    steps = (
        ('webui', 'after the web UI step'),
        ('desktop_stopped', 'after the desktop step'),
        ('before', 'after the first VRAM measurement'),
    )
    where = next((text for key, text in steps if record.get(key) is not None), 'before its first task')
    return 'unreachable: the host stopped answering %s; run site again once it is back' % where


def access(host, webui, proxy) -> dict | None:
    """How to reach a host's web UI from elsewhere: the proxy's URL, or the tunnel."""
    if not isinstance(webui, dict) or not webui.get('configured'):
        return None
    if isinstance(proxy, dict) and proxy.get('url'):
        return {'how': 'proxy', 'url': proxy['url'], 'allow': proxy.get('allow'), 'auth': bool(proxy.get('auth'))}
    if not host:
        return None
    # playbook tunnel writes a "<host>-webui" entry into the laptop's ssh config.
    return {
        'how': 'tunnel',
        'command': 'ssh -N %s-webui' % host,
        'url': 'http://localhost:<local port that tunnel.yml printed>/',
    }


def _status(failure) -> str:
    if not failure:
        return 'ok'
    return 'unreachable' if isinstance(failure, dict) and failure.get('unreachable') else 'failed'


def host_entry(facts: dict, desktop_units=DESKTOP_UNITS) -> dict:
    """One host's part of the report from what site recorded on it."""
    if not isinstance(facts, dict):
        raise ReportError('expected a mapping of what site recorded, got %s' % type(facts).__name__)
    failure = facts.get('failure')
    plan = facts.get('gpu_plan') or {}
    webui = facts.get('webui')
    return {
        'status': _status(failure),
        'failure': failure,
        'backend': (facts.get('after') or facts.get('before') or {}).get('backend'),
        'gpus': _gpus(facts.get('before'), facts.get('after'), desktop_units),
        'desktop': {'stopped': bool(facts.get('desktop_stopped')), 'reason': plan.get('reason')},
        'webui': webui if isinstance(webui, dict) else None,
        'access': access(facts.get('host'), webui, facts.get('proxy')),
    }


def build(fleet: dict, benchmark=None, desktop_units=DESKTOP_UNITS) -> dict:
    """The report for ``{host: recorded facts}``, hosts in name order, with each host's
    part of a benchmark.json (the benchmark playbook's) where one is given."""
    if not isinstance(fleet, dict):
        raise ReportError('expected a mapping of host name to recorded facts, got %s' % type(fleet).__name__)
    if benchmark is not None and not isinstance(benchmark, dict):
        raise ReportError('expected the benchmark report (a mapping), got %s' % type(benchmark).__name__)
    measured = (benchmark or {}).get('hosts') or {}
    hosts = {host: host_entry(fleet[host], desktop_units) for host in sorted(fleet)}
    for host, entry in hosts.items():
        entry['benchmark'] = measured.get(host)
    return {
        'version': REPORT_VERSION,
        'hosts': hosts,
        'failed': sorted(h for h, entry in hosts.items() if entry['status'] != 'ok'),
    }


def _mib(value) -> str:
    return '-' if value is None else '%d MiB' % value


def _holder_text(snapshot: dict | None) -> str:
    if snapshot is None:
        return '-'
    if snapshot.get('error'):
        return 'error: %s' % snapshot['error']
    if not snapshot['processes_supported']:
        return '(not listed by the driver)'
    return ', '.join('%s %s' % (h['name'], _mib(h['used_mib'])) for h in snapshot['holders']) or 'none'


def _cell(text) -> str:
    return str(text).replace('|', '\\|').replace('\n', ' ')


def _access_text(reach) -> str:
    if not reach:
        return '-'
    if reach['how'] == 'proxy':
        return '%s (for %s%s)' % (
            reach['url'],
            reach['allow'] if isinstance(reach['allow'], str) else ', '.join(reach['allow'] or []),
            ', with a password' if reach['auth'] else '',
        )
    return '`%s`, then %s' % (reach['command'], reach['url'])


def _bench_cells(bench: dict) -> list:
    """Mode, s/it, s/image, before, speed-up, simulated: from one host's benchmark."""
    if bench.get('status') != 'ok':
        return [bench.get('status') or '-', '-', '-', bench.get('reason') or '-', '-', '-']
    compare = bench.get('compare') or {}
    chosen = bench.get('chosen_mode') or bench.get('mode_before')
    ran = [t for t in bench.get('trials') or [] if t.get('ok') and t.get('mode') == chosen]
    last = ran[-1] if ran else {}
    before = compare.get('before') or {}
    return [
        chosen or '-',
        '%s' % last.get('seconds_per_it', '-'),
        '%s' % last.get('seconds_per_image', '-'),
        '%s at %s s/it' % (before['mode'], before.get('seconds_per_it')) if before.get('mode') else '-',
        'x%s' % compare['speedup'] if compare.get('speedup') else '-',
        'yes' if bench.get('simulated') else 'no',
    ]


def _llm_text(trial) -> str:
    """One LLM server trial in words: tokens per second, its GPU layers and share in VRAM."""
    parts = ['%s tokens/s' % trial.get('tokens_per_second', '-')]
    if trial.get('layers') is not None:
        parts.append('%s GPU layers' % trial['layers'])
    if trial.get('vram_share') is not None:
        parts.append('%d%% in VRAM' % round(trial['vram_share'] * 100))
    return ', '.join(parts)


def _llm_cells(bench: dict) -> list:
    """Measured, before, speed-up, simulated: from one LLM server's benchmark (its figures
    are tokens per second, not s/it)."""
    if bench.get('status') != 'ok':
        return [bench.get('status') or '-', bench.get('reason') or '-', '-', '-']
    compare = bench.get('compare') or {}
    ran = [t for t in bench.get('trials') or [] if t.get('ok')]
    last = compare.get('after') or (ran[-1] if ran else None)
    before = compare.get('before')
    return [
        _llm_text(last) if last else '-',
        _llm_text(before) if before else '-',
        'x%s' % compare['speedup'] if compare.get('speedup') else '-',
        'yes' if bench.get('simulated') or (last or {}).get('simulated') else 'no',
    ]


def markdown(report: dict) -> str:
    """The report as a Markdown document."""
    if not isinstance(report, dict) or 'hosts' not in report:
        raise ReportError('expected a report built by fleet_report')
    lines = [
        '# VRAM report',
        '',
        '| Host | GPU | Total | Used before | Used after | Free after | Held before | Held after |',
        '|---|---|---:|---:|---:|---:|---|---|',
    ]
    for host, entry in report['hosts'].items():
        if not entry['gpus']:
            lines.append('| %s | no GPU found | - | - | - | - | - | - |' % _cell(host))
        for gpu in entry['gpus']:
            before, after = gpu['before'] or {}, gpu['after'] or {}
            lines.append(
                '| %s | %s: %s | %s | %s | %s | %s | %s | %s |'
                % (
                    _cell(host),
                    gpu['index'],
                    _cell(gpu['name'] or 'unknown'),
                    _mib(gpu['total_mib']),
                    _mib(before.get('used_mib')),
                    _mib(after.get('used_mib')),
                    _mib(after.get('free_mib')),
                    _cell(_holder_text(gpu['before'])),
                    _cell(_holder_text(gpu['after'])),
                )
            )
    lines += [
        '',
        '## Web UIs',
        '',
        '| Host | UI | GPU | Memory mode | Why | URL on the host | From elsewhere |',
        '|---|---|---|---|---|---|---|',
    ]
    for host, entry in report['hosts'].items():
        webui = entry['webui']
        if not webui:
            lines.append('| %s | - | - | not run | - | - | - |' % _cell(host))
        elif not webui.get('configured'):
            lines.append(
                '| %s | %s | - | not configured | %s | - | - |'
                % (_cell(host), _cell(webui.get('ui')), _cell(webui.get('memory_reason') or 'no GPU'))
            )
        else:
            lines.append(
                '| %s | %s | %s | %s | %s | %s | %s |'
                % (
                    _cell(host),
                    _cell(webui.get('ui')),
                    webui.get('gpu'),
                    _cell(webui.get('memory_mode')),
                    _cell(webui.get('memory_reason')),
                    _cell(webui.get('url')),
                    _cell(_access_text(entry.get('access'))),
                )
            )
    measured = [(host, entry['benchmark']) for host, entry in report['hosts'].items() if entry.get('benchmark')]
    benchmarked = [(host, bench) for host, bench in measured if bench.get('kind') != 'llm']
    servers = [(host, bench) for host, bench in measured if bench.get('kind') == 'llm']
    if servers:
        lines += [
            '',
            '## LLM servers benchmark',
            '',
            '| Host | Measured | Before | Speed-up | Simulated |',
            '|---|---|---|---:|---|',
        ]
        for host, bench in servers:
            lines.append('| %s | %s |' % (_cell(host), ' | '.join(_cell(c) for c in _llm_cells(bench))))
    if benchmarked:
        lines += [
            '',
            '## Benchmark',
            '',
            '| Host | Mode | s/it | s/image | Before | Speed-up | Simulated |',
            '|---|---|---:|---:|---|---:|---|',
        ]
        for host, bench in benchmarked:
            lines.append('| %s | %s |' % (_cell(host), ' | '.join(_cell(c) for c in _bench_cells(bench))))
    if report['failed']:
        lines += ['', '## Failed hosts', '']
        lines += ['- **%s**: %s' % (host, why) for host, why in _failures(report)]
    return '\n'.join(lines) + '\n'


def _failures(report: dict) -> list:
    """[(host, why)] for the failed hosts of a report, in its order."""
    out = []
    for host in report['failed']:
        failure = report['hosts'][host]['failure'] or {}
        task = ' (task: %s)' % failure['task'] if failure.get('task') else ''
        out.append((host, '%s%s' % (failure.get('msg') or 'failed', task)))
    return out


def failure_lines(report: dict) -> list:
    """The end summary's lines on the failed hosts: one per host with why, or none."""
    if not isinstance(report, dict) or 'hosts' not in report or 'failed' not in report:
        raise ReportError('expected a report built by fleet_report')
    return ['%s: %s' % (host, why) for host, why in _failures(report)]


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
.gpu{margin:1em 0}.bar{display:flex;width:40em;height:1.4em;border:1px solid #888;margin:.2em 0}
.bar div{height:100%}.desktop{background:#d9534f}.other{background:#f0ad4e}.webui{background:#5b8def}
.free{background:#5cb85c}.reserved{background:#999}.legend span{display:inline-block;width:1em;height:1em;
margin:0 .3em 0 1em;vertical-align:middle}.failed{color:#b00}
"""


def _bar(label, total, snapshot) -> list:
    if not snapshot or snapshot.get('error') or not total:
        return ['<p>%s: %s</p>' % (label, _esc((snapshot or {}).get('error') or 'not measured'))]
    desktop = sum(h['used_mib'] or 0 for h in snapshot['holders'] if h['desktop'])
    webui = sum(h['used_mib'] or 0 for h in snapshot['holders'] if not h['desktop'] and h['unit'] == 'webui.service')
    other = max((snapshot['used_mib'] or 0) - desktop - webui, 0)
    free = snapshot['free_mib'] or 0
    reserved = max(total - desktop - webui - other - free, 0)
    parts = [('desktop', desktop), ('webui', webui), ('other', other), ('reserved', reserved), ('free', free)]
    cells = ''.join(
        '<div class="%s" style="width:%.2f%%" title="%s: %d MiB"></div>' % (kind, 100.0 * mib / total, kind, mib)
        for kind, mib in parts
        if mib
    )
    return [
        '<div>%s: %d MiB free of %d MiB (desktop %d, web UI %d, other and driver %d MiB)</div>'
        % (label, free, total, desktop, webui, other + reserved),
        '<div class="bar">%s</div>' % cells,
    ]


def _esc(text) -> str:
    return str(text).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')


def html(report: dict) -> str:
    """The report as one self-contained HTML page (no external assets: it opens from disk)."""
    if not isinstance(report, dict) or 'hosts' not in report:
        raise ReportError('expected a report built by fleet_report')
    out = [
        '<!DOCTYPE html>',
        '<html><head><meta charset="utf-8"><title>VRAM report</title>',
        '<style>%s</style></head><body>' % _STYLE,
        '<h1>VRAM report</h1>',
        '<p class="legend">VRAM held by<span class="desktop"></span>the desktop<span class="webui"></span>'
        'the web UI<span class="other"></span>other processes<span class="reserved"></span>'
        'the driver<span class="free"></span>free</p>',
    ]
    for host, entry in report['hosts'].items():
        out.append(
            '<h2>%s%s</h2>'
            % (
                _esc(host),
                ' <span class="failed">(%s)</span>' % _esc(entry['status']) if entry['status'] != 'ok' else '',
            )
        )
        if entry['failure']:
            out.append('<p class="failed">%s</p>' % _esc(entry['failure'].get('msg')))
        if not entry['gpus']:
            out.append('<p>No GPU found.</p>')
        for gpu in entry['gpus']:
            out.append('<div class="gpu"><h3>GPU %s: %s</h3>' % (_esc(gpu['index']), _esc(gpu['name'] or 'unknown')))
            out += _bar('Before', gpu['total_mib'], gpu['before'])
            out += _bar('After', gpu['total_mib'], gpu['after'])
            out.append('</div>')
        webui = entry['webui']
        if webui and webui.get('configured'):
            out.append(
                '<p>Web UI: %s on GPU %s, memory mode <b>%s</b> (%s). On the host: <code>%s</code>. '
                'From elsewhere: %s</p>'
                % (
                    _esc(webui.get('ui')),
                    _esc(webui.get('gpu')),
                    _esc(webui.get('memory_mode')),
                    _esc(webui.get('memory_reason')),
                    _esc(webui.get('url')),
                    _esc(_access_text(entry.get('access')).replace('`', '')),
                )
            )
        elif webui:
            out.append('<p>Web UI not configured: %s</p>' % _esc(webui.get('memory_reason')))
        if entry.get('benchmark') and entry['benchmark'].get('kind') == 'llm':
            measured, before, speedup, simulated = _llm_cells(entry['benchmark'])
            out.append(
                '<p>Benchmark%s: %s; before: %s; speed-up %s</p>'
                % (' (simulated)' if simulated == 'yes' else '', _esc(measured), _esc(before), _esc(speedup))
            )
        elif entry.get('benchmark'):
            mode, per_it, per_image, before, speedup, simulated = _bench_cells(entry['benchmark'])
            out.append(
                '<p>Benchmark%s: %s, %s s/it, %s s/image; before: %s; speed-up %s</p>'
                % (
                    ' (simulated)' if simulated == 'yes' else '',
                    _esc(mode),
                    _esc(per_it),
                    _esc(per_image),
                    _esc(before),
                    _esc(speedup),
                )
            )
    out.append('</body></html>')
    return '\n'.join(out) + '\n'


def play_report(hostvars, hosts, reached, benchmark=None) -> dict:
    """The report of a play on ``hosts`` (ansible_play_hosts_all), ``reached`` being those
    still in it (ansible_play_hosts)."""
    return build(site_records(hostvars, hosts, reached), benchmark)


def summary_lines(hostvars, reached, report: dict, webui=True) -> list:
    """What site prints at its end: the VRAM of the hosts still in the play before and
    after, their web UIs (unless the run left the web UI out), and the failed hosts."""
    lines = ['Before:'] + vram_table(by_host(hostvars, reached, 'vramfree_vram_before'))
    lines += ['', 'After:'] + vram_table(by_host(hostvars, reached, 'vramfree_vram_after'))
    if webui:
        lines += ['', 'Web UIs:'] + webui_table(by_host(hostvars, reached, 'webui_result'))
    if report['failed']:
        lines += ['', 'Failed:'] + failure_lines(report)
    return lines


def json_text(report: dict) -> str:
    """report.json: the text Ansible's to_nice_json(indent=2) gives, with a final line break."""
    return json.dumps(report, indent=2, sort_keys=True, separators=(',', ': ')) + '\n'


def report_files(report: dict) -> list:
    """[(file name, text)] of the report folder."""
    return [('report.json', json_text(report)), ('report.md', markdown(report)), ('report.html', html(report))]


def read_benchmark(folder: str):
    """The benchmark playbook's figures from its benchmark.json in ``folder``; None where
    there is none or it cannot be read (the report is written without them)."""
    try:
        with open(os.path.join(folder, BENCHMARK_FILE), encoding='utf-8') as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ReportError(
            '%s in %s is not JSON (%s): run the benchmark playbook again, or remove it' % (BENCHMARK_FILE, folder, exc)
        ) from None


def _folders_to_make(folder: str) -> list:
    """The folders of the path ``folder`` that do not exist yet, outermost first."""
    missing = []
    while not os.path.isdir(folder):
        if os.path.lexists(folder):
            raise ReportError('%s is not a folder: the report cannot be written into it' % folder)
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return missing[::-1]


def _current(path: str):
    """(bytes, mode) of the regular file at ``path``; (None, None) where there is none. A
    link or anything else in its place is replaced, never followed."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, None
    if not stat.S_ISREG(info.st_mode):
        return None, None
    with open(path, 'rb') as handle:
        return handle.read(), stat.S_IMODE(info.st_mode)


def _replace(folder: str, name: str, data: bytes) -> None:
    """Write ``folder/name`` whole or not at all: a reader never sees half a report."""
    descriptor, temporary = tempfile.mkstemp(prefix='.%s.' % name, dir=folder)
    try:
        with os.fdopen(descriptor, 'wb') as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), FILE_MODE)
        os.replace(temporary, os.path.join(folder, name))
    finally:
        # Still there only when the write failed.
        if os.path.lexists(temporary):
            os.unlink(temporary)


def write_files(folder: str, files, check=False) -> dict:
    """Write ``[(name, text)]`` into ``folder`` (made with mode 0755 where missing), each
    file with mode 0644, rewriting only those that differ. Under ``check`` nothing is
    written. Returns ``{'folders': made, 'files': changed names, 'diff': [...]}``."""
    made = _folders_to_make(folder)
    changed, diff = [], []
    if made:
        diff.append({'before': {'path': folder, 'state': 'absent'}, 'after': {'path': folder, 'state': 'directory'}})
    for name, text in files:
        path = os.path.join(folder, name)
        data = text.encode('utf-8')
        before, mode = _current(path)
        if before == data and mode == FILE_MODE:
            continue
        changed.append(name)
        if before != data:
            diff.append(
                {
                    'before_header': path,
                    'after_header': path,
                    'before': '' if before is None else before.decode('utf-8', 'replace'),
                    'after': text,
                }
            )
        else:
            diff.append(
                {'before': {'path': path, 'mode': '%04o' % mode}, 'after': {'path': path, 'mode': '%04o' % FILE_MODE}}
            )
    if not check:
        for path in made:
            os.mkdir(path, FOLDER_MODE)
            # mkdir's mode passes through the umask; the folder is meant to be readable.
            os.chmod(path, FOLDER_MODE)
        for name, text in files:
            if name in changed:
                _replace(folder, name, text.encode('utf-8'))
    return {'folders': made, 'files': changed, 'diff': diff}
