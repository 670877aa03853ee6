# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark playbook's decisions, as plain functions of what it saw (controller side).

Which memory modes to try and in which order, what the web UI's API answer to the probe
and to one txt2img request means (speed, or out of memory), which trials an earlier run
already proved would run out of memory, which mode wins, which mode the UI is left on
whatever happened, the mode autotune chose as ``site`` reads it back, and the report
(benchmark.json and its Markdown summary). Nothing here talks to a host; the playbook
calls these through its action plugins (benchmark_trials, benchmark_report) and the unit
tests call them directly.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.plugin_utils import _memory_mode

REPORT_VERSION = 1
MEMORY_VERSION = 1
# Web UIs that serve A1111's /sdapi/v1/txt2img: those whose profile says so (Forge and
# SD.Next keep A1111's API).
API_UIS = tuple(ui for ui, entry in catalog.CATALOG.items() if entry['api'] == 'sdapi')
PHASES = ('current', 'before', 'autotune', 'after')
# How far the free VRAM may move from what autotune saw before its choice no longer
# holds for site. Readings wobble by a few MiB; a desktop, a second program or a driver
# change moves them by hundreds.
TUNED_TOLERANCE_MIB = 128


class BenchmarkError(ValueError):
    pass


# Which modes, and what runs now ---------------------------------------------------------


def modes_to_try(ui, model='sd15', modes=None) -> list:
    """The memory modes to try, fastest first.

    By default the modes of the memory-mode table for ``ui`` and ``model`` (for A1111 and
    SD 1.5: none, medvram, lowvram; for SDXL: none, medvram-sdxl, lowvram): the modes that
    make a difference for that model family. ``--medvram-sdxl`` only acts while an SDXL
    model is loaded, so with SD 1.5 it is ``none`` again. ``modes`` replaces the list; it
    is put in the UI's own fastest-first order.
    """
    if ui not in API_UIS:
        raise BenchmarkError('%s has no txt2img API of A1111\'s shape; benchmarkable: %s' % (ui, ', '.join(API_UIS)))
    order = catalog.memory_modes(ui)
    if modes:
        if isinstance(modes, str) or not isinstance(modes, (list, tuple)):
            raise BenchmarkError('modes must be a list of memory modes, got %r' % (modes,))
        unknown = [m for m in modes if m not in order]
        if unknown:
            raise BenchmarkError(
                '%s has no memory mode %s; its modes: %s' % (ui, ', '.join(map(repr, unknown)), ', '.join(order))
            )
        return [m for m in order if m in modes]
    try:
        return [mode for mode, _mib in _memory_mode.table(ui, model)]
    except _memory_mode.MemoryModeError as exc:
        raise BenchmarkError(str(exc)) from exc


def running_mode(cmd_flags, ui) -> str:
    """The memory mode of the running UI, from its /sdapi/v1/cmd-flags answer.

    That answer is the UI's parsed options (``medvram: true``). Where several memory flags
    are set the slowest one acts, as in A1111 (``--lowvram`` wins over ``--medvram``).
    """
    if not isinstance(cmd_flags, dict):
        raise BenchmarkError('expected the /sdapi/v1/cmd-flags answer (a dict), got %s' % type(cmd_flags).__name__)
    found = 'none'
    for mode, flag in catalog.CATALOG[ui]['memory_modes']:
        if flag and cmd_flags.get(flag[2:].replace('-', '_')) is True:
            found = mode
    if found != 'none' or 'none' in catalog.memory_modes(ui):
        return found
    raise BenchmarkError('%s runs with no memory flag, and has no such mode' % ui)


def probe(status, url='', cmd_flags=None, ui='a1111') -> dict:
    """Whether the UI can be benchmarked, and its memory mode now, from the status and
    answer of GET /sdapi/v1/cmd-flags.

    ``status`` is the HTTP status, or -1 (or None) when nothing answered. A1111 mounts its
    API routes only under ``--api`` (404 without); under ``--api-auth`` a missing or wrong
    login gets 401. A UI without A1111's API (ComfyUI) is not benchmarkable, whatever
    answered.
    """
    if ui not in API_UIS:
        return {
            'benchmarkable': False,
            'mode': None,
            'reason': '%s has no txt2img API of A1111\'s shape (benchmarkable: %s)' % (ui, ', '.join(API_UIS)),
        }
    status = -1 if status is None else int(status)
    if status == 200:
        return {'benchmarkable': True, 'mode': running_mode(cmd_flags, ui), 'reason': 'the API answers on %s' % url}
    if status == 404:
        reason = 'the web UI runs without --api (%s answers 404): add api: true to webui_flags' % url
    elif status in (401, 403):
        reason = 'the API asks for a login (--api-auth) and benchmark_api_auth is missing or wrong (%s answers %d)' % (
            url,
            status,
        )
    elif status < 0:
        reason = 'nothing answers on %s: the web UI is not running' % url
    else:
        reason = '%s answers HTTP %d' % (url, status)
    return {'benchmarkable': False, 'mode': None, 'reason': reason}


# One request ----------------------------------------------------------------------------

OOM_MARKERS = ('out of memory', 'outofmemoryerror')


def out_of_memory_text(body) -> str | None:
    """The message of an out-of-memory answer, or None when it is not one.

    A1111's API answers an exception with HTTP 500 and ``{"error": type name, "detail",
    "body", "errors": str(exception)}``: torch's ``OutOfMemoryError`` ("CUDA out of
    memory. Tried to allocate ..."), or a ``RuntimeError`` with that text from older torch.
    Any text (a journal excerpt of a UI that died at start) is searched the same way.
    """
    if isinstance(body, dict):
        parts = [str(body.get(key) or '') for key in ('error', 'errors', 'detail', 'body')]
        text = ': '.join(p for p in parts if p)
    elif isinstance(body, (list, tuple)):
        text = '\n'.join(str(line) for line in body)
    else:
        text = str(body or '')
    lowered = text.lower()
    if any(marker in lowered for marker in OOM_MARKERS):
        for line in text.splitlines():
            if any(marker in line.lower() for marker in OOM_MARKERS):
                return line.strip()[:300]
    return None


def trial(answer, mode, phase='current', steps=20, images=1) -> dict:
    """One trial from the request's answer, as the report keeps it.

    ``answer`` is what the request script printed: ``status`` (HTTP status, -1 when nothing
    answered), ``elapsed_s`` (wall time of the request measured on the host), ``body``
    (the JSON answer, images left out) or ``text``, and ``error`` (a connection error).

    Seconds per image is the wall time divided by the images made; s/it is that divided by
    the steps. The API does not report s/it: this one includes the request's overhead
    (prompt encoding, VAE decode, HTTP), so it is a little above the console's figure on a
    warm UI.
    """
    if phase not in PHASES:
        raise BenchmarkError('phase must be one of %s, got %r' % (', '.join(PHASES), phase))
    if not isinstance(answer, dict):
        raise BenchmarkError('expected the request\'s answer (a dict), got %s' % type(answer).__name__)
    steps, images = _positive(steps, 'steps'), _positive(images, 'images')
    status = answer.get('status')
    status = -1 if status is None else int(status)
    body = answer.get('body')
    result = {
        'phase': phase,
        'mode': mode,
        'ok': False,
        'oom': False,
        'error': None,
        'http_status': status,
        'seconds_per_image': None,
        'seconds_per_it': None,
        'simulated': bool(isinstance(body, dict) and body.get('simulated') is True),
        'remembered': False,
    }
    if status == 200 and isinstance(body, dict):
        elapsed = answer.get('elapsed_s')
        if isinstance(elapsed, bool) or not isinstance(elapsed, (int, float)) or elapsed < 0:
            raise BenchmarkError('the answer has no elapsed_s (seconds), got %r' % (elapsed,))
        per_image = float(elapsed) / images
        result.update(ok=True, seconds_per_image=round(per_image, 4), seconds_per_it=round(per_image / steps, 4))
        return result
    result.update(
        failed_answer(
            answer,
            status,
            out_of_memory_text,
            lambda detail: detail.get('errors') or detail.get('detail') or json.dumps(detail, sort_keys=True),
        )
    )
    return result


def failed_answer(answer, status, oom_text, detail_of) -> dict:
    """What a request that did not succeed says, for its trial record: out of memory when
    ``oom_text`` finds it in the answer, no answer, or the HTTP status and the answer's
    detail (``detail_of`` picks it from a JSON body)."""
    body = answer.get('body')
    oom = oom_text(body if body is not None else answer.get('text'))
    if oom:
        return {'oom': True, 'error': 'out of memory: %s' % oom}
    if status < 0:
        return {'error': 'no answer: %s' % (answer.get('error') or 'connection failed')}
    detail = body if body is not None else answer.get('text')
    if isinstance(detail, dict):
        detail = detail_of(detail)
    return {'error': 'HTTP %d: %s' % (status, str(detail or '')[:300])}


def failed_start(mode, phase, journal_lines) -> dict:
    """A trial whose UI did not come back after the restart with ``mode``; out of memory
    when its log says so (a UI that runs out while loading the model at start)."""
    oom = out_of_memory_text(journal_lines)
    return {
        'phase': phase,
        'mode': mode,
        'ok': False,
        'oom': bool(oom),
        'error': ('out of memory at start: %s' % oom) if oom else 'the web UI did not answer after the restart',
        'http_status': -1,
        'seconds_per_image': None,
        'seconds_per_it': None,
        'simulated': False,
        'remembered': False,
    }


def _positive(value, name) -> int:
    """A whole number >= 1 (an int, or its digits as text, as templated values may be)."""
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise BenchmarkError('%s must be a whole number >= 1, got %r' % (name, value))
    if int(value) < 1:
        raise BenchmarkError('%s must be a whole number >= 1, got %r' % (name, value))
    return int(value)


# What an earlier run proved -------------------------------------------------------------


def conditions(ui, model, gpu, width, height, args) -> dict:
    """What a trial's out-of-memory result depends on, besides the free VRAM: the UI and
    model family, the GPU, the image size, and the launch arguments other than the memory
    flags (``--xformers`` or ``--no-half`` change what fits). The arguments are kept as a
    digest: they may hold a masked secret, and nothing else is needed of them."""
    memory_flags = set(catalog.memory_group(ui)) if ui in catalog.CATALOG else set()
    others = [a for a in (args or []) if a not in memory_flags]
    gpu = gpu or {}
    return {
        'ui': ui,
        'model': model,
        'gpu': gpu_identity(gpu),
        'width': int(width),
        'height': int(height),
        'args_sha256': hashlib.sha256('\0'.join(others).encode('utf-8')).hexdigest(),
    }


def _loaded(memory):
    """What an earlier run left, as a dict: given as read from its file (text) or already
    parsed. A file that is not this JSON (cut short, edited by hand) counts as nothing
    remembered, so the modes are tried again rather than the run failing."""
    if isinstance(memory, (str, bytes)):
        try:
            memory = json.loads(memory)
        except ValueError:
            return None
    if not isinstance(memory, dict) or memory.get('version') != MEMORY_VERSION:
        return None
    return memory


def remembered_oom(memory, key, mode, free_mib, margin_mib=128):
    """The free MiB at which an earlier run saw ``mode`` run out of memory under the same
    conditions ``key``, when the GPU has no more free now than that plus ``margin_mib``
    (trying again could only run out again); None otherwise (try it).

    Free VRAM wobbles by a few MiB between readings, hence the margin. With the free VRAM
    unknown (no GPU reading) nothing is remembered.
    """
    memory = _loaded(memory)
    if memory is None or memory.get('conditions') != key:
        return None
    seen = (memory.get('out_of_memory') or {}).get(mode)
    if seen is None or free_mib is None:
        return None
    if int(free_mib) <= int(seen) + int(margin_mib):
        return int(seen)
    return None


def remembered_trial(mode, seen_free_mib) -> dict:
    return {
        'phase': 'autotune',
        'mode': mode,
        'ok': False,
        'oom': True,
        'error': 'out of memory in an earlier run with %d MiB free, and no more is free now: not tried again'
        % seen_free_mib,
        'http_status': None,
        'seconds_per_image': None,
        'seconds_per_it': None,
        'simulated': False,
        'remembered': True,
    }


def memory(previous, key, trials, free_mib, chosen=None) -> dict:
    """What this run leaves for the next one: the modes that ran out of memory and the
    most free MiB they ran out with, and the mode autotune chose (``tuned``; see
    :func:`tuned_mode`). Timings are not kept: the file changes only when what fits
    changes, so a second run with the same results leaves it as it is.

    ``tuned`` is the UI, model family, GPU (of ``key``), the mode ``chosen`` and the free
    MiB it was chosen with; none when nothing was chosen (no mode completed, or the UI did
    not come back on it) or the free VRAM is unknown. An earlier ``tuned`` of the same
    mode on the same GPU, within :data:`TUNED_TOLERANCE_MIB` of the free VRAM now, is kept
    as it was, so that readings a few MiB apart do not rewrite the file.
    """
    oom = {}
    previous = _loaded(previous)
    same = previous is not None and previous.get('conditions') == key
    if same:
        oom.update(previous.get('out_of_memory') or {})
    for item in trials or []:
        if item.get('oom') and not item.get('remembered') and free_mib is not None:
            oom[item['mode']] = max(int(free_mib), int(oom.get(item['mode'], 0)))
        elif item.get('ok'):
            oom.pop(item['mode'], None)
    result = {'version': MEMORY_VERSION, 'conditions': key, 'out_of_memory': dict(sorted(oom.items()))}
    if chosen is not None and free_mib is not None and key.get('gpu'):
        tuned = {
            'mode': chosen,
            'ui': key.get('ui'),
            'model': key.get('model'),
            'gpu': key['gpu'],
            'free_mib': int(free_mib),
        }
        earlier = previous.get('tuned') if same else None
        if (
            isinstance(earlier, dict)
            and {k: earlier.get(k) for k in ('mode', 'ui', 'model', 'gpu')}
            == {k: tuned[k] for k in ('mode', 'ui', 'model', 'gpu')}
            and _within(earlier.get('free_mib'), tuned['free_mib'], TUNED_TOLERANCE_MIB)
        ):
            tuned = earlier
        result['tuned'] = tuned
    return result


def _within(seen, now, tolerance) -> bool:
    if isinstance(seen, bool) or not isinstance(seen, int) or isinstance(now, bool) or not isinstance(now, int):
        return False
    return abs(now - seen) <= int(tolerance)


def gpu_identity(gpu):
    """How the memory file names a GPU: its UUID, or its name where the driver gives no
    UUID (amdgpu's sysfs)."""
    gpu = gpu or {}
    return gpu.get('uuid') or gpu.get('name')


def tuned_mode(memory, ui, model, gpu, free_mib, tolerance_mib=TUNED_TOLERANCE_MIB):
    """The mode an earlier autotune chose, when it still holds for ``site``; else None.

    It holds while the UI and the model family are the same, the web UI's GPU is the same
    one (its UUID), and that GPU's free VRAM (``free_mib``, the web UI's own VRAM counted
    as free, as both the benchmark and the webui role count it) is within
    ``tolerance_mib`` of what autotune saw, either way: less room may not fit the mode any
    more, more room may fit a faster one. ``memory`` is the benchmark's file on the host
    (text, or parsed); one that is not its JSON holds nothing. Returns the ``tuned``
    record (mode, ui, model, gpu, free_mib).
    """
    memory = _loaded(memory)
    tuned = (memory or {}).get('tuned')
    if not isinstance(tuned, dict) or free_mib is None or isinstance(free_mib, bool):
        return None
    identity = gpu_identity(gpu)
    if not identity or tuned.get('gpu') != identity or (tuned.get('ui'), tuned.get('model')) != (ui, model):
        return None
    if ui not in catalog.CATALOG or tuned.get('mode') not in catalog.memory_modes(ui):
        return None
    if not _within(tuned.get('free_mib'), int(free_mib), tolerance_mib):
        return None
    return tuned


def model_identity(model_info):
    """What tells one GGUF model file from another for autotune: its name, layers and size."""
    if not isinstance(model_info, dict):
        return None
    return '%s/%s layers/%s MiB' % (
        model_info.get('name'),
        model_info.get('block_count'),
        model_info.get('file_size_mib'),
    )


def tuned_layers(memory, gpu, free_mib, model_info, tolerance_mib=TUNED_TOLERANCE_MIB):
    """The --n-gpu-layers an earlier autotune proved loads, while that still holds; else None.

    llama-server's counterpart of :func:`tuned_mode`: the same GPU (UUID), the same model
    file (:func:`model_identity`), and the free VRAM within ``tolerance_mib`` of what the
    autotune saw. Returns ``{layers, free_mib}``."""
    memory = _loaded(memory)
    tuned = (memory or {}).get('tuned')
    if not isinstance(tuned, dict) or free_mib is None or isinstance(free_mib, bool):
        return None
    layers = tuned.get('layers')
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 0:
        return None
    identity = gpu_identity(gpu)
    if not identity or tuned.get('gpu') != identity or tuned.get('model') != model_identity(model_info):
        return None
    if not _within(tuned.get('free_mib'), int(free_mib), tolerance_mib):
        return None
    return {'layers': layers, 'free_mib': tuned.get('free_mib')}


# The winner -----------------------------------------------------------------------------


def choose(trials, modes) -> str | None:
    """The fastest mode that completed: the lowest s/it among successful autotune trials,
    a tie going to the mode earlier (faster) in ``modes``; None when none completed."""
    order = {mode: position for position, mode in enumerate(modes or [])}
    done = [t for t in trials or [] if t.get('phase') == 'autotune' and t.get('ok')]
    if not done:
        return None
    best = min(done, key=lambda t: (t['seconds_per_it'], order.get(t['mode'], len(order))))
    return best['mode']


def settle(trials, modes, mode_before) -> dict:
    """The mode to leave the web UI on once the trials are over, whatever happened (a
    trial failed, the run stopped midway): the fastest autotune trial that completed
    (:func:`choose`), else the "after" mode when its trial completed, else the mode the
    UI had before. Returns ``{mode, reason}``; it is never a mode that failed in this run,
    unless the UI had it before and nothing else completed."""
    fastest = choose(trials, modes)
    if fastest is not None:
        return {'mode': fastest, 'reason': 'the fastest memory mode that completed the request'}
    after = [t for t in trials or [] if t.get('phase') == 'after' and t.get('ok')]
    if after:
        return {'mode': after[-1]['mode'], 'reason': 'the mode site would choose, which completed the request'}
    return {
        'mode': mode_before,
        'reason': 'the memory mode it had before: no other mode completed the request',
    }


def comparison(before, after) -> dict | None:
    """Before and after the change, and the speed-up (before's s/it over after's: 2.0 is
    twice as fast). None unless both completed."""
    if not (isinstance(before, dict) and isinstance(after, dict) and before.get('ok') and after.get('ok')):
        return None
    keep = ('mode', 'seconds_per_it', 'seconds_per_image', 'simulated')
    speedup = before['seconds_per_it'] / after['seconds_per_it'] if after['seconds_per_it'] else None
    return {
        'before': {k: before.get(k) for k in keep},
        'after': {k: after.get(k) for k in keep},
        'speedup': None if speedup is None else round(speedup, 3),
    }


# The report -----------------------------------------------------------------------------


def host_entry(record) -> dict:
    """One host's part of benchmark.json from what the playbook recorded on it (None: it
    recorded nothing, the host was unreachable)."""
    if record is None:
        record = {'failure': {'task': None, 'msg': 'nothing recorded: the host was unreachable'}}
    if not isinstance(record, dict):
        raise BenchmarkError('expected a mapping of what the benchmark recorded, got %s' % type(record).__name__)
    trials = list(record.get('trials') or [])
    failure = record.get('failure')
    benchmarkable = bool(record.get('benchmarkable'))
    if failure:
        status = 'failed'
    elif not benchmarkable:
        status = 'not_benchmarkable'
    else:
        status = 'ok'
    entry = {
        'status': status,
        # image: a web UI's memory modes, s/it; llm: a server's GPU layers, tokens/s.
        'kind': 'image',
        'reason': record.get('reason'),
        'failure': failure,
        'ui': record.get('ui'),
        'url': record.get('url'),
        'gpu': record.get('gpu'),
        'mode_before': record.get('mode_before'),
        'trials': trials,
        'chosen_mode': record.get('chosen_mode'),
        'written_back': bool(record.get('written_back')),
        'left_on': record.get('left_on') or None,
        'compare': None,
        'simulated': any(t.get('simulated') for t in trials),
    }
    if _is_llm(record):
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.vramfree.webui.plugins.plugin_utils import _llm_bench

        return _llm_bench.host_entry(record, entry)
    before = _last(trials, 'before')
    # After the change: its own measurement, else the chosen mode's autotune trial (with
    # the trials fastest first the UI runs on it already; it is not measured twice).
    after = _last(trials, 'after') or _last(
        [t for t in trials if t.get('ok') and t.get('mode') == record.get('chosen_mode')], 'autotune'
    )
    entry['compare'] = comparison(before, after)
    return entry


def _is_llm(record):
    """Whether a host's record is an LLM server's: its profile's ``api`` is one of
    _llm_bench.APIS (recorded by the playbook), not A1111's."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.vramfree.webui.plugins.plugin_utils import _llm_bench

    return record.get('api') in _llm_bench.APIS


def _last(trials, phase):
    found = [t for t in trials if t.get('phase') == phase]
    return found[-1] if found else None


def build(fleet, request=None, llm_request=None) -> dict:
    """benchmark.json for ``{host: record}``, hosts in name order. ``llm_request`` is the
    LLM servers' completion, kept when one of the hosts runs one."""
    if not isinstance(fleet, dict):
        raise BenchmarkError('expected a mapping of host name to benchmark record, got %s' % type(fleet).__name__)
    hosts = {host: host_entry(fleet[host]) for host in sorted(fleet)}
    llm = any(entry.get('kind') == 'llm' for entry in hosts.values())
    return {
        'version': REPORT_VERSION,
        'request': request or {},
        'llm_request': (llm_request or {}) if llm else None,
        'simulated': any(entry['simulated'] for entry in hosts.values()),
        'hosts': hosts,
        'failed': sorted(h for h, e in hosts.items() if e['status'] == 'failed'),
        'not_benchmarkable': sorted(h for h, e in hosts.items() if e['status'] == 'not_benchmarkable'),
    }


def _seconds(value) -> str:
    return '-' if value is None else '%.3f' % value


def table_rows(report) -> list:
    """One row per trial (host, phase, mode, s/it, s/image, result), hosts in order."""
    rows = []
    for host, entry in sorted((report or {}).get('hosts', {}).items()):
        if entry.get('kind') == 'llm':
            # Their rows are _llm_bench.table_rows', in a table of their own.
            continue
        if entry['status'] != 'ok' and not entry['trials']:
            why = entry.get('reason') or (entry.get('failure') or {}).get('msg')
            rows.append((host, '-', '-', '-', '-', '%s: %s' % (entry['status'].replace('_', ' '), why)))
            continue
        for item in entry['trials']:
            if item['ok']:
                result = 'ok' + (' (simulated)' if item['simulated'] else '')
                if item['phase'] == 'autotune' and item['mode'] == entry.get('chosen_mode'):
                    result += ', chosen'
            else:
                result = item['error'] or 'failed'
            rows.append(
                (
                    host,
                    item['phase'],
                    item['mode'],
                    _seconds(item['seconds_per_it']),
                    _seconds(item['seconds_per_image']),
                    result,
                )
            )
        left = entry.get('left_on')
        if left:
            rows.append(
                (
                    host,
                    'left on',
                    left.get('mode'),
                    '-',
                    '-',
                    ('running: ' if left.get('running') else 'NOT running: ') + str(left.get('reason') or ''),
                )
            )
        if entry['compare']:
            rows.append(
                (
                    host,
                    'speed-up',
                    '%s -> %s' % (entry['compare']['before']['mode'], entry['compare']['after']['mode']),
                    '-',
                    '-',
                    'x%.2f' % entry['compare']['speedup'],
                )
            )
    return rows


HEADERS = ('HOST', 'PHASE', 'MODE', 'S/IT', 'S/IMAGE', 'RESULT')


def _padded(headers, rows) -> list:
    rows = [headers] + rows
    widths = [max(len(str(row[col])) for row in rows) for col in range(len(headers))]

    def line(cells):
        return '  '.join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return [line(rows[0]), '  '.join('-' * w for w in widths)] + [line(row) for row in rows[1:]]


def _llm_rows(report):
    """The LLM servers' headers and rows (_llm_bench), or None when no host runs one."""
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.vramfree.webui.plugins.plugin_utils import _llm_bench

    if not any(e.get('kind') == 'llm' for e in (report or {}).get('hosts', {}).values()):
        return None
    return _llm_bench.HEADERS, _llm_bench.table_rows(report)


def _has_image_hosts(report):
    hosts = (report or {}).get('hosts', {})
    return not hosts or any(e.get('kind') != 'llm' for e in hosts.values())


def table(report) -> list:
    """The trials as plain-text lines, columns padded to fit: the image UIs' table, then
    the LLM servers' (tokens per second) when a host runs one."""
    lines = _padded(HEADERS, table_rows(report)) if _has_image_hosts(report) else []
    llm = _llm_rows(report)
    if llm:
        lines += ([''] if lines else []) + _padded(*llm)
    return lines


def markdown(report) -> str:
    """benchmark.md: the request, then one table of every trial."""
    request = (report or {}).get('request') or {}
    lines = ['# Web UI benchmark', '']
    if request and _has_image_hosts(report):
        lines.append(
            'One txt2img request: %s steps, %sx%s, seed %s, sampler %s.'
            % (
                request.get('steps'),
                request.get('width'),
                request.get('height'),
                request.get('seed'),
                request.get('sampler_name'),
            )
        )
        lines.append('')
    if report.get('simulated'):
        lines += [
            '**Simulated**: some answers came from a stand-in web UI (no GPU, no image); '
            'their timings and out-of-memory errors are made up by it.',
            '',
        ]
    if _has_image_hosts(report):
        lines += _markdown_table(HEADERS, table_rows(report))
    llm = _llm_rows(report)
    if llm:
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.vramfree.webui.plugins.plugin_utils import _llm_bench

        said = _llm_bench.request_line(report.get('llm_request'))
        lines += ([''] if len(lines) > 2 else []) + ['## LLM servers', ''] + ([said, ''] if said else [])
        lines += _markdown_table(*llm)
    return '\n'.join(lines) + '\n'


def _markdown_table(headers, rows) -> list:
    lines = ['| ' + ' | '.join(headers) + ' |', '|' + '---|' * len(headers)]
    for row in rows:
        lines.append('| ' + ' | '.join(str(cell).replace('|', '\\|') for cell in row) + ' |')
    return lines


# One host's run -------------------------------------------------------------------------


def gpu_record(gpus, index):
    """The report's record of the web UI's GPU (index, name, uuid, total and free MiB), or
    None when the UI has no GPU of its own (``index`` None) or the reading lacks it."""
    if index is None:
        return None
    for gpu in gpus or []:
        if isinstance(gpu, dict) and gpu.get('index') == index:
            return {k: gpu[k] for k in ('index', 'name', 'uuid', 'memory_total_mib', 'memory_free_mib') if k in gpu}
    return None


def trial_line(item) -> str:
    """How one trial went, in one line for the run's output."""
    if item['ok']:
        said = '%.3f s/it, %.3f s per image' % (item['seconds_per_it'], item['seconds_per_image'])
    else:
        said = item['error']
    return '%s %s: %s%s' % (item['phase'], item['mode'], said, ' (simulated)' if item['simulated'] else '')


class HostError(Exception):
    """A step on the host failed (a restart refused, a command that broke): the run stops."""


class TrialRun:
    """The bookkeeping of a run of trials on one host, whatever a trial changes there (the
    web UI's memory mode, an LLM server's GPU layers): what was tried, what runs, and
    where the host is left. A subclass says what a value is called, how a trial is made and
    recorded, how autotune searches, and what it settles on.
    """

    # ``running`` while a restart has not answered: no value a trial would use.
    UNKNOWN = None
    # The key of a trial record and of ``settled`` that holds the value.
    FIELD = 'mode'
    # The messages, filled in by :meth:`settle` and :meth:`problem`.
    LEFT_LINE = '%s %s: %s.'
    NOT_UP = '%s %s %s %s'
    NONE_WORKED = '%s %s'
    TRIED = '%s: %s'

    def __init__(self, host, before, compare, memory_before, key, free_mib, margin_mib):
        self.host = host
        self.compare = bool(compare)
        self.memory_before = memory_before
        self.key = key
        self.free_mib = free_mib
        self.margin_mib = int(margin_mib)
        self.trials = []
        self.lines = []
        self.running = before
        self.up = True
        self.journal = []
        self.chosen = None
        self.settled = None
        self.left_on = None

    @property
    def before(self):
        """The value the host had before the run."""
        raise NotImplementedError

    def trial(self, value, phase):
        self.up = True
        seen = None
        if phase == 'autotune':
            seen = remembered_oom(self.memory_before, self.key, self._memory_key(value), self.free_mib, self.margin_mib)
        if seen is not None:
            item = self._remembered(value, seen)
        else:
            if value != self.running:
                self.switch(value)
            item = self._failed(value, phase) if not self.up else self.request(value, phase)
        self.trials.append(item)
        self.lines.append(self._line(item))
        return item

    def request(self, value, phase):
        """The warm-up (the first request after a start loads the model), then the timed
        request: the same request but for its size. A warm-up that fails is the trial."""
        warmup, timed = self._sizes()
        for size in ([warmup] if warmup > 0 else []) + [timed]:
            answer = self._ask(size)
            if not isinstance(answer, dict) or answer.get('status') != 200:
                break
        return self._record(answer, value, phase, size)

    def switch(self, value):
        restart = value != self.running
        if restart:
            # Until it answers on the new value it runs on none known: should the restart
            # fail, leaving it is then a restart too.
            self.running = self.UNKNOWN
        self.up = bool(self._apply(value, restart))
        self.journal = [] if self.up else list(self.host.journal())
        if self.up:
            self.running = value

    def run(self):
        """The trials, then the host left on a value that worked whatever happened in them."""
        after = self._after()
        try:
            if self.compare or not self.autotune:
                self.trial(self.before, 'before' if self.compare else 'current')
            if self.autotune:
                self.chosen = self._autotune()
            elif after is not None:
                item = self.trial(after, 'after')
                self.chosen = after if item['ok'] else None
        finally:
            if self.autotune or self._planned() is not None:
                self.settle()
        return self

    def settle(self):
        self.settled = self._settlement()
        value = self.settled[self.FIELD]
        # With the trials fastest first the winner usually runs already: then nothing
        # restarts.
        self.switch(value)
        self.left_on = dict(self._left_on(value), running=self.up, reason=self.settled['reason'])
        self.lines.append(self.LEFT_LINE % ('runs' if self.up else 'did NOT come back', value, self.settled['reason']))

    def problem(self, url, unit):
        """Why the host fails once what the run proved is kept, or None."""
        if not self.up:
            return self.NOT_UP % (
                url,
                self.settled[self.FIELD] if self.settled else '?',
                unit,
                ' / '.join(self.journal),
            )
        if self.autotune and self.chosen is None:
            tried = [t for t in self.trials if t['phase'] == 'autotune']
            return self.NONE_WORKED % (
                '; '.join(self.TRIED % (t[self.FIELD], t['error']) for t in tried),
                self.before,
            )
        return None

    def written_back(self):
        return self.chosen is not None and self.chosen != self.before

    # What a subclass says ------------------------------------------------------------

    def _memory_key(self, value):
        """``value`` as the memory of earlier runs names it."""
        return value

    def _remembered(self, value, seen):
        raise NotImplementedError

    def _failed(self, value, phase):
        raise NotImplementedError

    def _line(self, item):
        raise NotImplementedError

    def _sizes(self):
        """The warm-up's size (0: none) and the timed request's."""
        raise NotImplementedError

    def _ask(self, size):
        raise NotImplementedError

    def _record(self, answer, value, phase, size):
        raise NotImplementedError

    def _apply(self, value, restart):
        """Puts ``value`` on the host and, with ``restart``, restarts it; whether it answers."""
        raise NotImplementedError

    def _planned(self):
        """What site would write, measured after the run's first trial, or None."""
        raise NotImplementedError

    def _after(self):
        """The value of the 'after' trial, or None for none."""
        return self._planned()

    def _autotune(self):
        """The autotune trials; what they chose, or None."""
        raise NotImplementedError

    def _settlement(self):
        """Where to leave the host: ``FIELD`` and ``reason``."""
        raise NotImplementedError

    def _left_on(self, value):
        return {'mode': value}


class Run(TrialRun):
    """The trials on one benchmarkable host, and where the web UI is left after them.

    ``host`` does what needs the host: ``switch(mode, restart)`` puts the memory mode in
    the launch file and, with ``restart``, restarts the UI and waits for its API; it
    returns whether the UI answers. ``journal()`` gives its last log lines, masked.
    ``txt2img(steps)`` makes the request and gives what ``playbooks/files/webui_api.py``
    printed. Each may raise :class:`HostError`. Every decision is taken here.
    """

    # Modes are non-empty strings.
    UNKNOWN = ''
    LEFT_LINE = 'The web UI %s on memory mode %s: %s.'
    NOT_UP = 'The web UI did not answer on %s after its restart on memory mode %s. Last lines of journalctl -u %s: %s'
    NONE_WORKED = 'No memory mode completed the request (%s); the web UI runs on %s again.'

    def __init__(
        self,
        host,
        mode_before,
        modes,
        steps=20,
        warmup_steps=2,
        compare=False,
        autotune=False,
        autotune_all=False,
        planned_mode=None,
        memory_before=None,
        key=None,
        free_mib=None,
        margin_mib=128,
        check_mode=False,
    ):
        self.mode_before = mode_before
        self.modes = list(modes or [])
        self.steps = _positive(steps, 'steps')
        if isinstance(warmup_steps, bool) or int(warmup_steps) < 0:
            raise BenchmarkError('warmup_steps must be a whole number >= 0, got %r' % (warmup_steps,))
        self.warmup_steps = int(warmup_steps)
        # A trial restarts the UI on another mode: never under --check.
        self.autotune = bool(autotune) and not check_mode
        self.autotune_all = bool(autotune_all)
        # "after" is what site would write: measured only without autotune, when site
        # has a GPU to plan for, and not under --check.
        self.planned_mode = planned_mode if (bool(compare) and not self.autotune and not check_mode) else None
        super().__init__(host, mode_before, compare, memory_before, key, free_mib, margin_mib)

    @property
    def before(self):
        return self.mode_before

    def _remembered(self, value, seen):
        return remembered_trial(value, seen)

    def _failed(self, value, phase):
        return failed_start(value, phase, self.journal)

    def _line(self, item):
        return trial_line(item)

    def _sizes(self):
        return self.warmup_steps, self.steps

    def _ask(self, size):
        return self.host.txt2img(size)

    def _record(self, answer, value, phase, size):
        return trial(answer, value, phase, size)

    def _apply(self, value, restart):
        return self.host.switch(value, restart)

    def _planned(self):
        return self.planned_mode

    def _autotune(self):
        stop = False
        for mode in self.modes:
            if stop:
                continue
            item = self.trial(mode, 'autotune')
            stop = item['ok'] and not self.autotune_all
        return choose(self.trials, self.modes)

    def _settlement(self):
        return settle(self.trials, self.modes, self.mode_before)

    def memory_after(self, gpu):
        """What to keep on the host for the next run and for site, or None: kept after
        autotune on a GPU that was read."""
        if not self.autotune or gpu is None:
            return None
        return memory(
            self.memory_before, self.key, self.trials, gpu.get('memory_free_mib'), self.chosen if self.up else None
        )
