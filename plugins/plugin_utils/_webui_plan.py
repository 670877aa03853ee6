# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webui role's decisions, as plain functions of the facts (controller side).

Which GPU the web UI runs on and whether the desktop must stop for it, how much VRAM
the web UI may count on, which memory mode that gives, and which flags bind it to the
address and port asked. The role and ``site`` call these through filters; the unit
tests call them directly.
"""

from __future__ import annotations

import copy
import ipaddress

from ansible_collections.vramfree.webui.plugins.module_utils import _profiles
from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark, _llm_plan, _memory_mode

LOOPBACK_NAMES = ('localhost', 'localhost.localdomain', 'ip6-localhost')
# What A1111, Forge, SD.Next and ComfyUI bind with no address flag.
DEFAULT_BINDS = ('127.0.0.1', 'localhost')
# Addresses that mean every address of the host.
ANY_ADDRESSES = ('0.0.0.0', '::', '[::]')


class PlanError(ValueError):
    pass


def _gpus(gpu_vram) -> list:
    if not isinstance(gpu_vram, dict) or not isinstance(gpu_vram.get('gpus'), list):
        raise PlanError('expected the gpu_vram fact (a dict with a "gpus" list), got %s' % type(gpu_vram).__name__)
    for gpu in gpu_vram['gpus']:
        if not isinstance(gpu, dict):
            raise PlanError('gpu_vram.gpus holds a %s, not a GPU entry' % type(gpu).__name__)
    return gpu_vram['gpus']


def without_units(gpu_vram, units) -> dict:
    """A copy of ``gpu_vram`` as if the processes of ``units`` held no VRAM.

    The web UI is itself a holder once it runs: a second run must not count its VRAM
    against it (the memory mode would drop a step and restart it) nor as a leftover of
    the desktop. Only GPUs that list their processes can be corrected; the others are
    returned as they are, with ``units_unaccounted`` set when a unit could be on them.
    """
    units = set(units or [])
    result = copy.deepcopy(gpu_vram)
    for gpu in _gpus(result):
        procs = gpu.get('processes') or []
        if not gpu.get('processes_supported'):
            gpu['units_unaccounted'] = bool(units)
            continue
        own = [p for p in procs if p.get('unit') in units]
        if not own:
            continue
        freed = sum(p.get('used_memory_mib') or 0 for p in own)
        gpu['processes'] = [p for p in procs if p.get('unit') not in units]
        if isinstance(gpu.get('memory_free_mib'), int):
            gpu['memory_free_mib'] += freed
        if isinstance(gpu.get('memory_used_mib'), int):
            gpu['memory_used_mib'] = max(gpu['memory_used_mib'] - freed, 0)
    return result


def _readable(gpu) -> bool:
    return not gpu.get('error') and isinstance(gpu.get('memory_free_mib'), int)


def _index(value):
    index = _memory_mode.gpu_index(value)
    if index is None:
        raise PlanError("webui_gpu must be a GPU index or 'auto', got %r" % (value,))
    return index


def _by_index(gpus, index):
    """The entry of GPU ``index``, whatever type the facts give its index; else None."""
    return next((g for g in gpus if _memory_mode.gpu_index(g.get('index')) == index), None)


def gpu_plan(gpu_vram, gpu='auto') -> dict:
    """Which GPU the web UI gets, and whether the desktop has to stop for it.

    One GPU: the web UI shares it with the desktop, so the desktop stops. Two or more
    with ``auto``: the GPU without an active display with the most free VRAM, and the
    desktop keeps its own; when every GPU drives a display (or cannot say), the one with
    the most free VRAM and the desktop stops. An explicit index stops the desktop only
    when that GPU drives a display or cannot tell.

    Returns ``{index, uuid, pinned, stop_desktop, reason}``; ``pinned`` is true when the
    host has more than one GPU, so the web UI must be told which one to use. A host
    without a GPU gets ``index: None`` and the desktop is left alone.
    """
    gpus = _gpus(gpu_vram)
    if not gpus:
        return {
            'index': None,
            'uuid': None,
            'pinned': False,
            'stop_desktop': False,
            'reason': 'no GPU found (backend: %s): the desktop is left as it is' % gpu_vram.get('backend'),
        }
    readable = [g for g in gpus if _readable(g)]
    pinned = len(gpus) > 1
    if gpu != 'auto':
        index = _index(gpu)
        chosen = _by_index(gpus, index)
        if chosen is None:
            raise PlanError(
                'webui_gpu is %d but the host has GPU index(es) %s'
                % (index, ', '.join(str(g.get('index')) for g in gpus))
            )
        if chosen.get('error'):
            raise PlanError('webui_gpu %d could not be read: %s' % (index, chosen['error']))
        stop = chosen.get('display_active') is not False
        reason = (
            'GPU %d drives a display%s: the desktop stops to free its VRAM'
            % (index, '' if chosen.get('display_active') else ' or cannot tell')
            if stop
            else 'GPU %d drives no display: the desktop keeps running' % index
        )
    else:
        if not readable:
            raise PlanError(
                'no GPU reports its free VRAM: %s'
                % '; '.join('GPU %s: %s' % (g.get('index'), g.get('error') or 'no figures') for g in gpus)
            )
        most_free = sorted(readable, key=lambda g: (-g['memory_free_mib'], _memory_mode.gpu_index(g.get('index')) or 0))
        headless = [g for g in most_free if g.get('display_active') is False]
        if pinned and headless:
            chosen, stop = headless[0], False
            reason = (
                'GPU %d drives no display and has the most free VRAM of those that do not: '
                'the web UI runs there and the desktop keeps running' % _memory_mode.gpu_index(chosen['index'])
            )
        else:
            chosen, stop = most_free[0], True
            reason = (
                'GPU %d is the only GPU: the desktop stops to free its VRAM' % _memory_mode.gpu_index(chosen['index'])
                if not pinned
                else 'every GPU drives a display or cannot tell: the desktop stops, the web UI '
                'takes GPU %d (most free VRAM)' % _memory_mode.gpu_index(chosen['index'])
            )
    return {
        'index': _memory_mode.gpu_index(chosen['index']),
        'uuid': chosen.get('uuid'),
        'pinned': pinned,
        'stop_desktop': stop,
        'reason': reason,
    }


def memory_plan(
    gpu_vram, gpu_index, ui='a1111', model='sd15', requested='auto', thresholds=None, service_active=False, tuned=None
) -> dict:
    """The memory mode for the webui_flags module, and why.

    ``gpu_vram`` is the snapshot with the web UI's own processes already taken out
    (:func:`without_units`). An explicit mode, or ``keep``, is used as asked. ``auto``
    picks from the free VRAM of the web UI's GPU; where that GPU cannot list processes
    and the web UI already runs, its own VRAM cannot be told apart from the free VRAM,
    so the mode in the launch file is kept rather than lowered on a guess.

    ``tuned`` is what the benchmark playbook's autotune left on the host (its memory
    file, text or parsed): the mode it measured as the fastest that completes wins over
    the table while the UI, the model family, the GPU (its UUID) and, within
    ``_benchmark.TUNED_TOLERANCE_MIB``, its free VRAM are those it was chosen with
    (``_benchmark.tuned_mode``); otherwise the table decides again.

    ``source`` says where the mode came from: ``asked``, ``kept``, ``autotune`` or
    ``table``.
    """
    if requested != 'auto':
        return {
            'mode': requested,
            'free_mib': None,
            'reason': 'memory mode %s as asked' % requested,
            'source': 'asked',
        }
    if gpu_index is None:
        raise PlanError(
            'webui_memory_mode auto needs a GPU, and none was found; set webui_memory_mode to a mode (or keep)'
        )
    gpu_index = _index(gpu_index)
    gpu = _by_index(_gpus(gpu_vram), gpu_index)
    if gpu is None:
        raise PlanError('no GPU with index %s in the VRAM snapshot' % gpu_index)
    if service_active and gpu.get('units_unaccounted'):
        return {
            'mode': 'keep',
            'free_mib': gpu.get('memory_free_mib'),
            'reason': 'GPU %s cannot list its processes and the web UI already runs on it, so its '
            'own VRAM cannot be told from the free VRAM: the memory mode in the launch '
            'file is kept' % gpu_index,
            'source': 'kept',
        }
    remembered = _benchmark.tuned_mode(tuned, ui, model, gpu, gpu.get('memory_free_mib'))
    if remembered is not None:
        return {
            'mode': remembered['mode'],
            'free_mib': gpu['memory_free_mib'],
            'reason': '%s MiB free on GPU %s for %s/%s: %s, chosen by autotune (benchmark) with %s MiB free '
            'on this GPU'
            % (
                gpu['memory_free_mib'],
                gpu_index,
                ui,
                model,
                'no memory flag' if remembered['mode'] == 'none' else remembered['mode'],
                remembered['free_mib'],
            ),
            'source': 'autotune',
        }
    try:
        mode = _memory_mode.memory_mode(gpu_vram, ui=ui, model=model, gpu=gpu_index, thresholds=thresholds)
    except _memory_mode.MemoryModeError as exc:
        raise PlanError(str(exc)) from exc
    return {
        'mode': mode,
        'free_mib': gpu['memory_free_mib'],
        'reason': '%s MiB free on GPU %s for %s/%s: %s'
        % (gpu['memory_free_mib'], gpu_index, ui, model, 'no memory flag' if mode == 'none' else mode),
        'source': 'table',
    }


def is_loopback(address) -> bool:
    text = str(address).strip().strip('[]')
    if text.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def endpoint(listen='127.0.0.1', port=7860, host='') -> dict:
    """Where the web UI answers: ``probe_host``, the address on the host itself that
    reaches it (the address it was told to bind, or 127.0.0.1 where it binds every address
    or its default), ``probe_url``, the URL on it, and ``url``, how it is reached from
    elsewhere (``host``, the host's inventory address, where it binds every address). The
    role waits on the first and reports the last; the benchmark knocks on ``probe_url``."""
    address = str(listen or '').strip()
    any_address = address in ANY_ADDRESSES
    probe = '127.0.0.1' if any_address or address == 'localhost' else address
    shown = host if any_address else _bracketed(address)
    return {
        'probe_host': probe,
        'probe_url': 'http://%s:%s/' % (_bracketed(probe), port),
        'url': 'http://%s:%s/' % (shown, port),
    }


def _bracketed(address):
    """An IPv6 address as a URL holds it."""
    return '[%s]' % address if ':' in address and not address.startswith('[') else address


def launch_flags(ui='a1111', listen='127.0.0.1', port=7860, flags=None) -> dict:
    """The ``flags`` for webui_flags: the bind address and port in the UI's own terms,
    then the user's ``flags`` on top (an explicit flag of theirs wins).

    The UI's profile says how it binds (``bind``). ``server-name`` (A1111, Forge, SD.Next):
    127.0.0.1 by default and ``--listen`` means every address, so 127.0.0.1 (or localhost)
    removes ``--listen`` and ``--server-name``, and any other address, another loopback
    one included, is given with ``--server-name``. ``listen`` (ComfyUI): 127.0.0.1 by
    default, and the address as ``--listen ADDR``.
    """
    port = _port(port)
    address = str(listen or '').strip()
    if not address:
        raise PlanError('webui_listen must be an address, got %r' % (listen,))
    # Only the address the UIs bind by default goes without a flag. Another loopback
    # address (::1, 127.0.0.2) is given as asked: dropping it would bind 127.0.0.1 while
    # the role probes and reports the address asked for.
    local = address in DEFAULT_BINDS
    try:
        bind = _profiles.profile(ui)['bind']
    except _profiles.ProfileError as exc:
        raise PlanError(str(exc)) from None
    if bind == 'listen':
        result = {'listen': False if local else address, 'port': port}
    else:
        result = {'listen': False, 'server-name': False if local else address, 'port': port}
    for name, value in (flags or {}).items():
        # The user's key replaces the role's whichever way it is spelt (--port, port).
        key = str(name)[2:] if str(name).startswith('--') else str(name)
        for ours in [k for k in result if k.replace('_', '-') == key.replace('_', '-')]:
            del result[ours]
        result[key] = value
    return result


def _port(port):
    if isinstance(port, bool):
        raise PlanError('webui_port must be a port number, got %r' % (port,))
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise PlanError('webui_port must be a port number, got %r' % (port,)) from None
    if not 1 <= port <= 65535:
        raise PlanError('webui_port must be between 1 and 65535, got %d' % port)
    return port


# What a server's settings may not carry: the API key goes in a file (webui_api_key), never
# on a command line that `ps` shows nor in a unit every user can read.
_SECRET_SETTINGS = ('api-key', 'api_key', 'OLLAMA_API_KEY')


def server_memory(
    gpu_vram,
    gpu_index,
    ui,
    requested='auto',
    model_info=None,
    context_size=4096,
    settings=None,
    display_on_gpu=False,
    tuned=None,
) -> dict:
    """An LLM server's counterpart of the memory mode, and why.

    ``gpu-layers`` (llama-server): ``--n-gpu-layers`` from the free VRAM and the model's
    GGUF header (``model_info``, gguf_facts' ``model``), or the number asked. What the
    benchmark's autotune proved loads on this GPU (``tuned``, its remembered entry) wins
    while the GPU, the model file's size and the free VRAM are those it was proved with.
    ``ollama-settings`` (Ollama): flash attention, KV cache type, context length and
    overhead from the free VRAM; Ollama then places the layers itself.
    """
    view = _profiles.profile(ui)
    if requested == 'keep':
        return {
            'mode': 'keep',
            'free_mib': None,
            'reason': 'the settings on the host are kept, as asked',
            'source': 'asked',
            'settings': {},
        }
    gpu = None
    if gpu_index is not None:
        gpu = _by_index(_gpus(gpu_vram), _index(gpu_index))
    free = gpu.get('memory_free_mib') if gpu else None
    try:
        if view['memory'] == 'gpu-layers':
            return _gpu_layers(gpu, free, gpu_index, requested, model_info, context_size, settings, tuned)
        if requested != 'auto':
            raise PlanError("webui_memory_mode for %s is auto or keep, got %r" % (view['name'], requested))
        if free is None:
            raise PlanError('webui_memory_mode auto needs a GPU that reports its free VRAM, and none was found')
        chosen = _llm_plan.ollama_settings(free, (gpu or {}).get('memory_total_mib'), display_on_gpu, settings or None)
    except _llm_plan.LlmPlanError as exc:
        raise PlanError(str(exc)) from None
    return {
        'mode': chosen['mode'],
        'free_mib': free,
        'reason': chosen['reason'],
        'source': 'table',
        'settings': chosen['env'],
    }


def _gpu_layers(gpu, free, gpu_index, requested, model_info, context_size, settings, tuned):
    if not model_info:
        raise PlanError('webui_model is needed: the GGUF model file the server loads')
    if requested != 'auto':
        layers = _memory_mode.gpu_index(requested)
        if layers is None:
            raise PlanError(
                "webui_memory_mode for llama-server is auto, keep or a number of GPU layers, got %r" % (requested,)
            )
        return {
            'mode': str(layers),
            'free_mib': free,
            'reason': '%d GPU layers as asked' % layers,
            'source': 'asked',
            'settings': {'n-gpu-layers': layers},
        }
    if free is None:
        raise PlanError('webui_memory_mode auto needs a GPU that reports its free VRAM, and none was found')
    proved = _benchmark.tuned_layers(tuned, gpu, free, model_info)
    if proved is not None:
        return {
            'mode': str(proved['layers']),
            'free_mib': free,
            'source': 'autotune',
            'reason': '%d GPU layers, the most that loaded on GPU %s in the benchmark (%s MiB free then, %s now)'
            % (proved['layers'], gpu_index, proved['free_mib'], free),
            'settings': {'n-gpu-layers': proved['layers']},
        }
    reserve = (settings or {}).get('reserve_mib')
    chosen = _llm_plan.gpu_layers(free, model_info, ctx_size=int(context_size), reserve_mib=reserve)
    return {
        'mode': str(chosen['n_gpu_layers']),
        'free_mib': free,
        'reason': chosen['reason'],
        'source': 'table',
        'settings': {'n-gpu-layers': chosen['n_gpu_layers']},
    }


def server_config(ui, listen='127.0.0.1', port=None, memory=None, flags=None, model_path=None, context_size=4096):
    """What an LLM server is started with: ``environment`` (name: value) and ``args``
    (argv words after the binary), the address, port and memory settings in the server's
    own terms, the user's ``flags`` on top."""
    view = _profiles.profile(ui)
    port = _port(port if port is not None else view['port'])
    address = str(listen or '').strip()
    if not address:
        raise PlanError('webui_listen must be an address, got %r' % (listen,))
    flags = dict(flags or {})
    for name in flags:
        if str(name).lstrip('-') in _SECRET_SETTINGS:
            raise PlanError(
                'webui_flags may not hold %s: set webui_api_key, which the role keeps in a file '
                'only the service reads' % name
            )
    settings = dict((memory or {}).get('settings') or {})
    if view['bind'] == 'ollama-host':
        environment = {'OLLAMA_HOST': '%s:%d' % (_bracketed(address), port)}
        environment.update({k: str(v) for k, v in settings.items()})
        environment.update({str(k): str(v) for k, v in flags.items()})
        return _shown({'environment': environment, 'args': []})
    if not model_path:
        raise PlanError('webui_model is needed: the GGUF model file %s loads' % view['name'])
    words = {'model': model_path, 'host': address, 'port': port, 'ctx-size': int(context_size)}
    words.update(settings)
    for name, value in flags.items():
        words[str(name)[2:] if str(name).startswith('--') else str(name)] = value
    args = []
    for name, value in words.items():
        if value is False or value is None:
            continue
        args.append('--' + name)
        if value is not True:
            args.append(str(value))
    return _shown({'environment': {}, 'args': args})


def _shown(config):
    """``shown``: the settings as the report lists them, environment first. Nothing secret
    is in them: the API key never is."""
    config['shown'] = ['%s=%s' % item for item in config['environment'].items()] + config['args']
    return config


def plan(
    gpu_vram,
    ui='a1111',
    gpu='auto',
    ignore_units=None,
    model='sd15',
    requested='auto',
    thresholds=None,
    service_active=False,
    tuned=None,
    listen='127.0.0.1',
    port=None,
    flags=None,
    memory=True,
    host='',
    model_info=None,
    model_path=None,
    context_size=4096,
    settings=None,
) -> dict:
    """The whole plan for the web UI from one VRAM snapshot: what ``site``, the webui role
    and the benchmark all decide the same way.

    ``vram`` is the snapshot with the processes of ``ignore_units`` (the web UI's own unit)
    taken out (:func:`without_units`); ``gpu`` the GPU and whether the desktop stops
    (:func:`gpu_plan`); ``memory`` the memory mode (:func:`memory_plan`), None where it
    cannot be chosen yet (no GPU and ``auto``) or was not asked for (``memory=False``, as
    ``site`` plans before the desktop stops); ``flags`` the launch flags
    (:func:`launch_flags`); ``endpoint`` where it answers (:func:`endpoint`, ``host``
    being the host's inventory address); ``configure`` whether the role configures the UI
    at all (a GPU was found, or a mode was forced).
    """
    try:
        view = _profiles.profile(ui)
    except _profiles.ProfileError as exc:
        raise PlanError(str(exc)) from None
    # The UI's own port where none is given: 7860, Ollama's 11434, llama-server's 8080.
    port = view.get('port', 7860) if port is None else port
    llm = view.get('kind') == 'llm'
    vram = without_units(gpu_vram, ignore_units)
    chosen = gpu_plan(vram, gpu)
    configure = chosen['index'] is not None or requested != 'auto'
    result = {
        'vram': vram,
        'gpu': chosen,
        'configure': configure,
        'memory': None,
        'flags': None,
        'endpoint': endpoint(listen, port, host),
    }
    result['server'] = None
    if memory and configure and llm:
        display = not chosen['stop_desktop'] and bool(
            (_by_index(vram['gpus'], chosen['index']) or {}).get('display_active')
        )
        result['memory'] = server_memory(
            vram, chosen['index'], ui, requested, model_info, context_size, settings, display, tuned
        )
        result['server'] = server_config(ui, listen, port, result['memory'], flags, model_path, context_size)
    elif memory and configure:
        result['memory'] = memory_plan(vram, chosen['index'], ui, model, requested, thresholds, service_active, tuned)
        result['flags'] = launch_flags(ui, listen, port, flags)
    return result


# webui_plan's options that plan() takes under another name.
_REQUEST_NAMES = {'memory_mode': 'requested'}
# webui_plan's options that are not plan()'s: where the measurement and the autotune come from.
_NOT_PLANNED = ('gpu_vram', 'tuned_unit', 'state_file')


def plan_request(args: dict) -> dict:
    """What of webui_plan's options the plan depends on (its RV request), to plan the
    same again later from another measurement (site's converged path)."""
    return {key: value for key, value in args.items() if key not in ('gpu_vram', 'state_file')}


def plan_from_request(request: dict, gpu_vram: dict, remembered=None, service_active=None) -> dict:
    """plan() from webui_plan's options (``request``) and a measurement; the autotune
    found in ``remembered`` (the state file's sections) as webui_plan reads it, and
    ``service_active`` as known now where given."""
    kwargs = {_REQUEST_NAMES.get(key, key): value for key, value in request.items() if key not in _NOT_PLANNED}
    if service_active is not None:
        kwargs['service_active'] = service_active
    kwargs['tuned'] = tuned_for(request, remembered)
    return plan(gpu_vram, **kwargs)


def tuned_for(request: dict, remembered) -> dict | None:
    """What the benchmark's autotune proved for the request's unit, where it counts."""
    unit = request.get('tuned_unit')
    if not unit or not request.get('memory', True) or request.get('memory_mode', 'auto') != 'auto':
        return None
    return (((remembered or {}).get('benchmark') or {}).get(unit)) or None
