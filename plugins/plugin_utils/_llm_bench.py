# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark's decisions for the LLM servers, as plain functions of what it saw
(controller side); the image UIs' are in _benchmark.py.

What a server's API answer to one completion means (tokens per second, the model's share
of VRAM, out of memory), which --n-gpu-layers llama-server's autotune tries next and when
it stops, the winner, the one number changed in the server's unit, what is remembered
for ``site`` (the record :func:`_benchmark.tuned_layers` reads), and the report's rows.
Which API a server speaks is its profile's ``api``: ``ollama`` (/api/generate, /api/ps)
or ``openai`` (llama-server: /completion, /props, /health).

Upstream shapes, as read: ollama/ollama v0.9.6 api/types.go (GenerateResponse's Metrics:
durations in nanoseconds, ``omitempty``, so a zero is an absent field;
ProcessModelResponse: ``size``, ``size_vram`` in bytes). ggml-org/llama.cpp b5900
tools/server/server.cpp and README.md (``/completion``'s ``timings`` and
``tokens_predicted``; ``/health`` answers 503 while the model loads; with an API key
every path but /health, /models, /v1/models and /api/tags (and /v1/health in later
builds) needs ``Authorization: Bearer``, /props among them;
ggml-cuda's ``cudaMalloc failed: out of memory`` and ``failed to allocate`` when a layer
count does not fit).
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark

API_OLLAMA = 'ollama'
API_OPENAI = 'openai'
# The APIs of the LLM servers' profiles; every other profile's (sdapi, None) is an image UI's.
APIS = (API_OLLAMA, API_OPENAI)
# The servers whose GPU layers the benchmark sets (llama-server's --n-gpu-layers). Ollama
# places the layers itself from the free VRAM: there is nothing of its to try.
LAYER_APIS = (API_OPENAI,)
LAYERS_FLAG = '--n-gpu-layers'
# llama.cpp's other spellings of it (common/arg.cpp): one of these beside the role's
# --n-gpu-layers would win or lose by its place, so the unit is not edited then.
LAYERS_ALIASES = ('-ngl', '--gpu-layers')
DEFAULT_MAX_TRIALS = 8
MIB = 1024 * 1024


class LlmBenchError(_benchmark.BenchmarkError):
    pass


def _api(api):
    if api not in APIS:
        raise LlmBenchError('api must be one of %s, got %r' % (', '.join(APIS), api))
    return api


# The probe ------------------------------------------------------------------------------


def ollama_model(tags, wanted=''):
    """The model to benchmark on Ollama, from its ``/api/tags`` answer: ``wanted`` when it
    is pulled (``name`` or ``name:latest``), else the only one pulled. Raises with what is
    there otherwise."""
    models = (tags or {}).get('models') if isinstance(tags, dict) else None
    if not isinstance(models, list):
        raise LlmBenchError('the /api/tags answer has no models list')
    names = sorted({str(m.get('name') or m.get('model')) for m in models if isinstance(m, dict)} - {'None'})
    wanted = str(wanted or '').strip()
    if wanted:
        for name in (wanted, wanted + ':latest'):
            if name in names:
                return name
        raise LlmBenchError(
            'benchmark_llm_model %s is not pulled on this host (pulled: %s)' % (wanted, ', '.join(names) or 'none')
        )
    if len(names) == 1:
        return names[0]
    if not names:
        raise LlmBenchError('no model is pulled on this host (ollama pull one, or set benchmark_llm_model)')
    raise LlmBenchError('several models are pulled (%s): set benchmark_llm_model to one' % ', '.join(names))


def probe(api, status, url='', body=None, wanted_model=''):
    """Whether the server can be benchmarked, from the status and answer of its probe:
    Ollama's ``GET /api/tags`` (which models are pulled) or llama-server's ``GET /props``
    (asked with the API key: 401 says the key is missing or wrong; 503, still loading).
    Returns ``{benchmarkable, mode (None: the layers are read from the unit), reason,
    model}``."""
    _api(api)
    status = -1 if status is None else int(status)
    verdict = {'benchmarkable': False, 'mode': None, 'reason': None, 'model': None}
    if status == 200:
        if api == API_OLLAMA:
            try:
                verdict['model'] = ollama_model(body, wanted_model)
            except LlmBenchError as exc:
                verdict['reason'] = str(exc)
                return verdict
        return dict(verdict, benchmarkable=True, reason='the API answers on %s' % url)
    if status in (401, 403):
        verdict['reason'] = '%s answers %d: the API key (benchmark_api_key, else webui_api_key) is missing or wrong' % (
            url,
            status,
        )
    elif status == 503:
        verdict['reason'] = '%s answers 503: the server is still loading its model' % url
    elif status < 0:
        verdict['reason'] = 'nothing answers on %s: the server is not running' % url
    else:
        verdict['reason'] = '%s answers HTTP %d' % (url, status)
    return verdict


# One request ----------------------------------------------------------------------------


def _count(body, key, where):
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LlmBenchError('%s has no %s (got %r)' % (where, key, value))
    if value <= 0:
        raise LlmBenchError('%s has %s %r: nothing to time' % (where, key, value))
    return value


def ollama_speed(body) -> dict:
    """Tokens per second from Ollama's non-streamed ``/api/generate`` answer:
    ``eval_count`` tokens in ``eval_duration`` nanoseconds (the generation alone, as
    ``ollama run --verbose`` reports its eval rate); the prompt's rate likewise, and the
    load and total seconds. A zero or missing count or duration is an error: Ollama
    leaves them out when zero."""
    where = "Ollama's /api/generate answer"
    if not isinstance(body, dict):
        raise LlmBenchError('%s is not a JSON object' % where)
    count = _count(body, 'eval_count', where)
    duration = _count(body, 'eval_duration', where)
    result = {
        'tokens': int(count),
        'tokens_per_second': round(count / duration * 1e9, 3),
        'prompt_tokens_per_second': None,
        'load_seconds': None,
        'total_seconds': None,
    }
    try:
        result['prompt_tokens_per_second'] = round(
            _count(body, 'prompt_eval_count', where) / _count(body, 'prompt_eval_duration', where) * 1e9, 3
        )
    except LlmBenchError:
        # A prompt Ollama had cached has no evaluation of its own: the generation is what counts.
        pass
    for key, name in (('load_duration', 'load_seconds'), ('total_duration', 'total_seconds')):
        value = body.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            result[name] = round(value / 1e9, 3)
    return result


def ollama_vram_share(ps, model) -> dict:
    """The share of ``model`` in VRAM from Ollama's ``/api/ps`` answer: ``size_vram`` /
    ``size`` (1.0: all on the GPU; below, Ollama put layers on the CPU), and both in MiB."""
    where = "Ollama's /api/ps answer"
    models = ps.get('models') if isinstance(ps, dict) else None
    if not isinstance(models, list):
        raise LlmBenchError('%s has no models list' % where)
    names = (model, model + ':latest') if model and ':' not in model else (model,)
    for entry in models:
        if isinstance(entry, dict) and (entry.get('name') in names or entry.get('model') in names):
            size = _count(entry, 'size', '%s for %s' % (where, model))
            vram = entry.get('size_vram', 0)
            # size_vram is omitted by nothing, but an all-CPU model has it 0.
            if isinstance(vram, bool) or not isinstance(vram, (int, float)) or vram < 0:
                raise LlmBenchError('%s for %s has no size_vram (got %r)' % (where, model, vram))
            return {
                'vram_share': round(min(vram / size, 1.0), 4),
                'size_mib': int(size // MIB),
                'size_vram_mib': int(vram // MIB),
            }
    raise LlmBenchError('%s does not list %s: it is not loaded' % (where, model))


def llamacpp_speed(body) -> dict:
    """Tokens per second from llama-server's ``/completion`` answer:
    ``timings.predicted_per_second`` (the generation alone), with ``timings.predicted_n``
    (or ``tokens_predicted``) tokens; the prompt's rate from ``prompt_per_second``."""
    where = "llama-server's /completion answer"
    if not isinstance(body, dict):
        raise LlmBenchError('%s is not a JSON object' % where)
    timings = body.get('timings')
    if not isinstance(timings, dict):
        raise LlmBenchError('%s has no timings' % where)
    try:
        tokens = _count(timings, 'predicted_n', where + "'s timings")
    except LlmBenchError:
        tokens = _count(body, 'tokens_predicted', where)
    rate = _count(timings, 'predicted_per_second', where + "'s timings")
    prompt = timings.get('prompt_per_second')
    prompt_ok = isinstance(prompt, (int, float)) and not isinstance(prompt, bool) and prompt > 0
    return {
        'tokens': int(tokens),
        'tokens_per_second': round(float(rate), 3),
        'prompt_tokens_per_second': round(float(prompt), 3) if prompt_ok else None,
        'load_seconds': None,
        'total_seconds': None,
    }


OOM_MARKERS = ('out of memory', 'cudamalloc failed', 'failed to allocate', 'unable to allocate')


def out_of_memory_text(body) -> str | None:
    """The out-of-memory line of an answer or a log, or None: torch's and CUDA's "out of
    memory", and ggml's "failed to allocate" / "unable to allocate" of a buffer that did
    not fit (llama-server exits with them when --n-gpu-layers asks too much)."""
    if isinstance(body, dict):
        error = body.get('error')
        if isinstance(error, dict):
            # llama-server's errors: {"error": {"code", "message", "type"}}.
            error = error.get('message')
        text = str(error or '')
    elif isinstance(body, (list, tuple)):
        text = '\n'.join(str(line) for line in body)
    else:
        text = str(body or '')
    for line in text.splitlines():
        if any(marker in line.lower() for marker in OOM_MARKERS):
            return line.strip()[:300]
    return None


def _record(phase, layers):
    if phase not in _benchmark.PHASES:
        raise LlmBenchError('phase must be one of %s, got %r' % (', '.join(_benchmark.PHASES), phase))
    return {
        'phase': phase,
        'mode': None if layers is None else str(layers),
        'layers': layers,
        'ok': False,
        'oom': False,
        'error': None,
        'http_status': None,
        'tokens': None,
        'tokens_per_second': None,
        'prompt_tokens_per_second': None,
        'load_seconds': None,
        'total_seconds': None,
        'elapsed_s': None,
        'vram_share': None,
        'size_mib': None,
        'size_vram_mib': None,
        'note': None,
        'simulated': False,
        'remembered': False,
    }


def trial(api, answer, phase='current', layers=None, model=None) -> dict:
    """One trial from what ``playbooks/files/webui_api.py`` printed for the completion
    (``status``, ``elapsed_s``, ``body``, ``text``, ``error``; for Ollama also ``ps``, the
    status and body of the ``/api/ps`` asked right after). ``layers`` is llama-server's
    --n-gpu-layers of the trial (None: Ollama, or not known). An answer of 200 without
    the timings is a failed trial saying what was missing."""
    _api(api)
    if not isinstance(answer, dict):
        raise LlmBenchError("expected the request's answer (a dict), got %s" % type(answer).__name__)
    result = _record(phase, layers)
    status = answer.get('status')
    status = -1 if status is None else int(status)
    body = answer.get('body')
    result['http_status'] = status
    result['simulated'] = bool(isinstance(body, dict) and body.get('simulated') is True)
    elapsed = answer.get('elapsed_s')
    if isinstance(elapsed, (int, float)) and not isinstance(elapsed, bool):
        result['elapsed_s'] = round(float(elapsed), 4)
    if status == 200 and isinstance(body, dict):
        try:
            result.update(ollama_speed(body) if api == API_OLLAMA else llamacpp_speed(body))
        except LlmBenchError as exc:
            result['error'] = str(exc)
            return result
        result['ok'] = True
        if api == API_OLLAMA:
            ps = answer.get('ps') or {}
            try:
                if ps.get('status') != 200:
                    raise LlmBenchError("Ollama's /api/ps answered %s" % ps.get('status'))
                result.update(ollama_vram_share(ps.get('body'), model))
            except LlmBenchError as exc:
                result['note'] = 'no VRAM share: %s' % exc
        return result
    result.update(_benchmark.failed_answer(answer, status, out_of_memory_text, _error_detail))
    return result


def _error_detail(body):
    # OpenAI-style servers nest it: {"error": {"message": ...}}; Ollama: {"error": "..."}.
    detail = body.get('error') or body
    if isinstance(detail, dict):
        detail = detail.get('message') or detail
    return detail


def failed_start(phase, layers, journal_lines) -> dict:
    """A trial whose server did not answer after its restart with ``layers``: out of
    memory when its log says so (llama-server exits while it loads the model)."""
    result = _record(phase, layers)
    oom = out_of_memory_text(journal_lines)
    result.update(
        oom=bool(oom),
        error=('out of memory at start: %s' % oom) if oom else 'the server did not answer after the restart',
        http_status=-1,
    )
    return result


def remembered_trial(layers, seen_free_mib) -> dict:
    result = _record('autotune', layers)
    result.update(
        oom=True,
        remembered=True,
        error='out of memory in an earlier run with %d MiB free, and no more is free now: not tried again'
        % seen_free_mib,
    )
    return result


def trial_line(item) -> str:
    """How one trial went, in one line for the run's output."""
    what = 'as it runs' if item.get('layers') is None else '%d GPU layers' % item['layers']
    if item['ok']:
        said = '%.1f tokens/s' % item['tokens_per_second']
        if item.get('vram_share') is not None:
            said += ', %d%% of the model in VRAM' % round(item['vram_share'] * 100)
        if item.get('note'):
            said += ' (%s)' % item['note']
    else:
        said = item['error']
    return '%s %s: %s%s' % (item['phase'], what, said, ' (simulated)' if item.get('simulated') else '')


# The server's unit ----------------------------------------------------------------------

# One word of a command line as systemd splits it: quoted, or up to the next blank.
_WORD = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[^\s"\']\S*')


def _exec_start(text):
    """The single ExecStart= line of the role's unit: (index of the line, value)."""
    if not isinstance(text, str):
        raise LlmBenchError('expected the unit as text, got %s' % type(text).__name__)
    lines = text.split('\n')
    found = [(i, line.split('=', 1)[1]) for i, line in enumerate(lines) if re.match(r'\s*ExecStart\s*=', line)]
    found = [(i, value) for i, value in found if value.strip()]
    if len(found) != 1:
        raise LlmBenchError(
            "the unit has %d ExecStart= lines, not the role's one: it is not the webui role's llama-server unit"
            % len(found)
        )
    index, value = found[0]
    if value.rstrip().endswith('\\'):
        raise LlmBenchError('the ExecStart= line goes on over several lines: it is not the webui role\'s unit')
    return lines, index, value


def _layer_words(value):
    """Where --n-gpu-layers' number is in the ExecStart= value: (start, end, layers) of
    the number's word, or None when the flag is not there."""
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(value)]
    plain = [w.strip('"\'') for _s, _e, w in words]
    aliases = [w for w in plain if w in LAYERS_ALIASES or w.split('=', 1)[0] in LAYERS_ALIASES]
    if aliases:
        raise LlmBenchError(
            'the unit gives the GPU layers as %s as well: remove it from webui_flags, which would fight autotune'
            % aliases[0]
        )
    found = [i for i, w in enumerate(plain) if w == LAYERS_FLAG or w.startswith(LAYERS_FLAG + '=')]
    if len(found) > 1:
        raise LlmBenchError('the unit gives %s %d times' % (LAYERS_FLAG, len(found)))
    if not found:
        return None
    i = found[0]
    if plain[i].startswith(LAYERS_FLAG + '='):
        start, end, word = words[i]
        number = plain[i].split('=', 1)[1]
        offset = word.index('=') + 1
        start = start + offset
    else:
        if i + 1 >= len(words):
            raise LlmBenchError('%s has no value in the unit' % LAYERS_FLAG)
        start, end, word = words[i + 1]
        number = plain[i + 1]
        if word != number:
            # Quoted: the digits inside the quotes.
            start, end = start + 1, end - 1
    if not number.isdigit():
        raise LlmBenchError('%s is %r in the unit, not a number of layers' % (LAYERS_FLAG, number))
    return start, end, int(number)


def unit_layers(text):
    """The --n-gpu-layers of the role's llama-server unit (its text), or None when the
    unit does not give it (llama-server's own default then)."""
    _lines, _index, value = _exec_start(text)
    found = _layer_words(value)
    return None if found is None else found[2]


def unit_with_layers(text, layers):
    """The unit with ``layers`` as --n-gpu-layers and not one other byte changed: the same
    unit as the role writes for that number (``webui_memory_mode`` set to it, or the
    autotuned number ``site`` reads back), so ``site`` after the benchmark changes nothing.
    Returns ``(text, the new ExecStart= line)``."""
    layers = _layers(layers, 'layers')
    lines, index, value = _exec_start(text)
    found = _layer_words(value)
    if found is None:
        value = value.rstrip() + ' %s %d' % (LAYERS_FLAG, layers)
    else:
        start, end, _old = found
        value = value[:start] + str(layers) + value[end:]
    line = lines[index].split('=', 1)[0] + '=' + value
    lines[index] = line
    return '\n'.join(lines), line


def _layers(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LlmBenchError('%s must be a whole number >= 0, got %r' % (name, value))
    return value


# Autotune of --n-gpu-layers -------------------------------------------------------------


def first_layers(planned, total):
    """Where autotune starts: the plan's number (the role's table, or an earlier
    autotune's), within 0..total."""
    total = _layers(total, 'layers_total')
    if planned is None:
        return total
    return min(_layers(planned, 'planned layers'), total)


def next_layers(history, planned, total, max_trials=DEFAULT_MAX_TRIALS):
    """The next --n-gpu-layers to try, or None: autotune is over.

    ``history`` is ``[(layers, loaded)]`` in the order tried; a trial loads when the
    server came up with it and completed the request (one that ran out of memory, or did
    not come back, does not). From the plan, up while each loads and down while none
    does, by steps that double (1, 2, 4, ...), so a plan that is nearly right costs two
    or three trials; then halving between the most that loaded and the least that did
    not. It stops when they are next to each other, all ``total`` layers loaded, not even
    0 loaded, or after ``max_trials`` trials.
    """
    total = _layers(total, 'layers_total')
    if isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1:
        raise LlmBenchError('max_trials must be a whole number >= 1, got %r' % (max_trials,))
    history = list(history or [])
    if not history:
        return first_layers(planned, total)
    if len(history) >= max_trials:
        return None
    tried = {n for n, _ok in history}
    loaded = [n for n, ok in history if ok]
    failed = [n for n, ok in history if not ok]
    low = max(loaded) if loaded else None
    high = min(failed) if failed else None
    if low is not None and high is not None:
        if high - low <= 1:
            return None
        candidate = (low + high) // 2
    elif high is None:
        if low >= total:
            return None
        candidate = min(total, low + 2 ** (len(loaded) - 1))
    else:
        if high <= 0:
            return None
        candidate = max(0, high - 2 ** (len(failed) - 1))
    # Two readings that disagree (more loaded than a count that failed): no more trials.
    return None if candidate in tried else candidate


def best_layers(history):
    """The most layers that loaded, below the least that did not; None when none loaded."""
    failed = [n for n, ok in history or [] if not ok]
    loaded = [n for n, ok in history or [] if ok and (not failed or n < min(failed))]
    if not loaded:
        loaded = [n for n, ok in history or [] if ok]
    return max(loaded) if loaded else None


# What is remembered ---------------------------------------------------------------------


def conditions(ui, model_info, gpu, exec_start_line) -> dict:
    """What a layer count's out of memory depends on besides the free VRAM: the server,
    the model file (:func:`_benchmark.model_identity`), the GPU, and the rest of its
    command line (--ctx-size, the KV cache type), kept as a digest with the layers' number
    left out."""
    line = str(exec_start_line or '')
    try:
        found = _layer_words(line.split('=', 1)[1] if '=' in line else line)
    except LlmBenchError:
        found = None
    if found is not None:
        value = line.split('=', 1)[1]
        line = value[: found[0]] + 'N' + value[found[1] :]
    return {
        'ui': ui,
        'model': _benchmark.model_identity(model_info),
        'gpu': _benchmark.gpu_identity(gpu),
        'args_sha256': hashlib.sha256(line.encode('utf-8')).hexdigest(),
    }


def memory(previous, key, trials, free_mib, chosen=None, model_info=None, gpu=None) -> dict:
    """What this run leaves for the next one and for ``site``, in the image UIs' shape
    (:func:`_benchmark.memory`): the layer counts that ran out of memory and the most free
    MiB they ran out with, and ``tuned``, ``{layers, gpu, model, free_mib}``, the record
    :func:`_benchmark.tuned_layers` reads. An earlier ``tuned`` of the same layers, GPU and
    model within the tolerance is kept as it was, so readings a few MiB apart leave the
    file as it is."""
    result = _benchmark.memory(previous, key, trials, free_mib, None)
    identity = _benchmark.gpu_identity(gpu)
    if chosen is None or free_mib is None or not identity:
        return result
    tuned = {
        'layers': _layers(chosen, 'chosen layers'),
        'gpu': identity,
        'model': _benchmark.model_identity(model_info),
        'free_mib': int(free_mib),
    }
    earlier = _benchmark._loaded(previous)
    earlier = earlier.get('tuned') if earlier and earlier.get('conditions') == key else None
    if (
        isinstance(earlier, dict)
        and {k: earlier.get(k) for k in ('layers', 'gpu', 'model')} == {k: tuned[k] for k in ('layers', 'gpu', 'model')}
        and _benchmark._within(earlier.get('free_mib'), tuned['free_mib'], _benchmark.TUNED_TOLERANCE_MIB)
    ):
        tuned = earlier
    result['tuned'] = tuned
    return result


# One host's run -------------------------------------------------------------------------


class Run(_benchmark.TrialRun):
    """The trials on one LLM server, and where it is left after them.

    ``host`` does what needs the host: ``complete(tokens)`` makes the completion request
    (and, for Ollama, asks /api/ps) and gives what ``webui_api.py`` printed;
    ``set_layers(layers, restart)`` puts ``layers`` in the server's unit and, with
    ``restart``, restarts it and waits for it; it returns whether it answers;
    ``journal()`` gives its last log lines, masked. Each may raise
    :class:`_benchmark.HostError`. Every decision is taken here.

    ``layers_before`` is the unit's --n-gpu-layers (None for Ollama: nothing is changed
    there); ``planned`` what ``site`` would write now; ``total`` the model's layers
    (``block_count + 1``, as llama.cpp counts the output layer).
    """

    FIELD = 'layers'
    LEFT_LINE = 'The server %s on %d GPU layers: %s.'
    NOT_UP = 'The server did not answer on %s after its restart on %s GPU layers. Last lines of journalctl -u %s: %s'
    NONE_WORKED = 'No GPU layer count loaded and completed the request (%s); the server runs on %s layers again.'
    TRIED = '%d: %s'

    def __init__(
        self,
        host,
        api,
        layers_before=None,
        planned=None,
        total=None,
        tokens=128,
        warmup_tokens=8,
        compare=False,
        autotune=False,
        max_trials=DEFAULT_MAX_TRIALS,
        memory_before=None,
        key=None,
        free_mib=None,
        margin_mib=128,
        model=None,
        check_mode=False,
    ):
        self.api = _api(api)
        self.tunes = api in LAYER_APIS and layers_before is not None
        self.layers_before = layers_before
        self.tokens = _benchmark._positive(tokens, 'tokens')
        if isinstance(warmup_tokens, bool) or int(warmup_tokens) < 0:
            raise LlmBenchError('warmup_tokens must be a whole number >= 0, got %r' % (warmup_tokens,))
        self.warmup_tokens = int(warmup_tokens)
        self.autotune = bool(autotune) and self.tunes and not check_mode
        if self.autotune and total is None:
            raise LlmBenchError("autotune needs the model's layer count (layers_total, from gguf_facts)")
        self.total = None if total is None else _layers(total, 'layers_total')
        self.max_trials = max_trials
        self.planned = None
        if self.tunes and bool(compare) and not self.autotune and not check_mode and planned is not None:
            self.planned = _layers(planned, 'planned layers')
        self.start = planned if planned is not None else layers_before
        self.model = model
        super().__init__(host, layers_before, compare, memory_before, key, free_mib, margin_mib)

    @property
    def before(self):
        return self.layers_before

    def _memory_key(self, value):
        return str(value)

    def _remembered(self, value, seen):
        return remembered_trial(value, seen)

    def _failed(self, value, phase):
        return failed_start(phase, value, self.journal)

    def _line(self, item):
        return trial_line(item)

    def _sizes(self):
        # Ollama loads the model at its first request.
        return self.warmup_tokens, self.tokens

    def _ask(self, size):
        return self.host.complete(size)

    def _record(self, answer, value, phase, size):
        return trial(self.api, answer, phase, value, self.model)

    def _apply(self, value, restart):
        return self.host.set_layers(value, restart)

    def _planned(self):
        return self.planned

    def _after(self):
        # Settled on all the same, but a second trial on the same layers proves nothing.
        return None if self.planned == self.layers_before else self.planned

    def _autotune(self):
        history = []
        start = first_layers(self.start, self.total)
        while True:
            layers = start if not history else next_layers(history, start, self.total, self.max_trials)
            if layers is None:
                break
            item = self.trial(layers, 'autotune')
            history.append((layers, item['ok']))
        return best_layers(history)

    def _settlement(self):
        if self.chosen is not None:
            reason = (
                'the most GPU layers that loaded and completed the request'
                if self.autotune
                else 'the layers site would choose, which completed the request'
            )
            return {'layers': self.chosen, 'reason': reason}
        return {'layers': self.layers_before, 'reason': 'the layers it had before: no other count loaded'}

    def _left_on(self, value):
        # benchmark_trials documents left_on's mode for every host.
        return {'mode': str(value), 'layers': value}

    def memory_after(self, gpu, model_info):
        """What to keep on the host for the next run and for site, or None: kept after
        autotune on a GPU that was read."""
        if not self.autotune or gpu is None:
            return None
        return memory(
            self.memory_before,
            self.key,
            self.trials,
            gpu.get('memory_free_mib'),
            self.chosen if self.up else None,
            model_info,
            gpu,
        )


# The report -----------------------------------------------------------------------------


def comparison(before, after) -> dict | None:
    """Before and after, and the speed-up (after's tokens/s over before's: 2.0 is twice
    as fast). None unless both completed."""
    if not (isinstance(before, dict) and isinstance(after, dict) and before.get('ok') and after.get('ok')):
        return None
    keep = ('layers', 'tokens_per_second', 'vram_share', 'simulated')
    speedup = after['tokens_per_second'] / before['tokens_per_second'] if before['tokens_per_second'] else None
    return {
        'before': {k: before.get(k) for k in keep},
        'after': {k: after.get(k) for k in keep},
        'speedup': None if speedup is None else round(speedup, 3),
    }


def host_entry(record, entry) -> dict:
    """An LLM server's part of benchmark.json: ``entry`` (what every host has, from
    :func:`_benchmark.host_entry`) with the server's own figures."""
    trials = entry['trials']
    before = _last(trials, 'before')
    after = _last(trials, 'after') or _last(
        [t for t in trials if t.get('ok') and t.get('mode') == record.get('chosen_mode')], 'autotune'
    )
    entry.update(
        kind='llm',
        api=record.get('api'),
        model=record.get('model'),
        layers_total=record.get('layers_total'),
        compare=comparison(before, after),
    )
    return entry


def _last(trials, phase):
    found = [t for t in trials if t.get('phase') == phase]
    return found[-1] if found else None


HEADERS = ('HOST', 'PHASE', 'GPU LAYERS', 'TOKENS/S', 'PROMPT TOKENS/S', 'IN VRAM', 'RESULT')


def _figure(value, fmt='%.1f'):
    return '-' if value is None else fmt % value


def table_rows(report) -> list:
    """One row per trial of the LLM servers (host, phase, layers, tokens/s, prompt
    tokens/s, share in VRAM, result), hosts in order."""
    rows = []
    for host, entry in sorted((report or {}).get('hosts', {}).items()):
        if entry.get('kind') != 'llm':
            continue
        if entry['status'] != 'ok' and not entry['trials']:
            why = entry.get('reason') or (entry.get('failure') or {}).get('msg')
            rows.append((host, '-', '-', '-', '-', '-', '%s: %s' % (entry['status'].replace('_', ' '), why)))
            continue
        for item in entry['trials']:
            if item['ok']:
                result = 'ok' + (' (simulated)' if item.get('simulated') else '')
                if item['phase'] == 'autotune' and item.get('mode') == entry.get('chosen_mode'):
                    result += ', chosen'
                if item.get('note'):
                    result += '; ' + item['note']
            else:
                result = item['error'] or 'failed'
            layers = item.get('layers')
            if layers is not None and entry.get('layers_total') is not None:
                layers = '%d/%d' % (layers, entry['layers_total'])
            share = item.get('vram_share')
            rows.append(
                (
                    host,
                    item['phase'],
                    '-' if layers is None else str(layers),
                    _figure(item.get('tokens_per_second')),
                    _figure(item.get('prompt_tokens_per_second')),
                    '-' if share is None else '%d%%' % round(share * 100),
                    result,
                )
            )
        left = entry.get('left_on')
        if left:
            rows.append(
                (
                    host,
                    'left on',
                    str(left.get('mode')),
                    '-',
                    '-',
                    '-',
                    ('running: ' if left.get('running') else 'NOT running: ') + str(left.get('reason') or ''),
                )
            )
        if entry.get('compare') and entry['compare'].get('speedup') is not None:
            compare = entry['compare']
            rows.append(
                (
                    host,
                    'speed-up',
                    '%s -> %s' % (compare['before'].get('layers'), compare['after'].get('layers')),
                    '-',
                    '-',
                    '-',
                    'x%.2f' % compare['speedup'],
                )
            )
    return rows


def request_line(request) -> str | None:
    """How benchmark.md states the LLM servers' request."""
    if not request:
        return None
    return 'One completion of %s tokens (seed %s, temperature 0) after a warm-up of %s tokens: "%s".' % (
        request.get('tokens'),
        request.get('seed'),
        request.get('warmup_tokens'),
        str(request.get('prompt') or '')[:80],
    )


# What the action asks of the server -------------------------------------------------------

# Where each API is probed (Ollama: which models are pulled; llama-server: /props, which
# the API key guards), waited for after a restart (llama-server's /health answers 503
# until its model is loaded), and asked for the completion.
PROBE_PATH = {API_OLLAMA: '/api/tags', API_OPENAI: '/props'}
WAIT_PATH = {API_OLLAMA: '/api/version', API_OPENAI: '/health'}
COMPLETION_PATH = {API_OLLAMA: '/api/generate', API_OPENAI: '/completion'}
PS_PATH = {API_OLLAMA: '/api/ps', API_OPENAI: None}


def completion(api, base_url, request, tokens, model=None) -> dict:
    """The order for ``playbooks/files/webui_api.py``: the completion of ``tokens`` tokens
    of ``request`` (``prompt``, ``seed``), greedy (temperature 0) so that every run
    generates the same text; for Ollama, non-streamed with ``model`` and ``/api/ps``
    asked right after."""
    _api(api)
    tokens = _benchmark._positive(tokens, 'tokens')
    request = request or {}
    prompt = str(request.get('prompt') or '')
    if not prompt:
        raise LlmBenchError('the request has no prompt')
    seed = int(request.get('seed', 1234))
    base_url = base_url.rstrip('/')
    if api == API_OLLAMA:
        if not model:
            raise LlmBenchError('Ollama needs the model to ask (benchmark_llm_model)')
        payload = {
            'model': model,
            'prompt': prompt,
            'stream': False,
            'options': {'num_predict': tokens, 'seed': seed, 'temperature': 0},
        }
        return {
            'action': 'generate',
            'url': base_url + COMPLETION_PATH[api],
            'ps_url': base_url + PS_PATH[api],
            'payload': payload,
        }
    payload = {'prompt': prompt, 'n_predict': tokens, 'seed': seed, 'temperature': 0}
    return {'action': 'post', 'url': base_url + COMPLETION_PATH[api], 'payload': payload}


def layers_total(model_info):
    """The model's layers as llama.cpp counts them for --n-gpu-layers: its blocks and the
    output layer (gguf_facts' ``block_count`` + 1); None without the header."""
    if not isinstance(model_info, dict):
        return None
    blocks = model_info.get('block_count')
    if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 1:
        raise LlmBenchError("the model's header has no block_count (got %r)" % (blocks,))
    return blocks + 1
