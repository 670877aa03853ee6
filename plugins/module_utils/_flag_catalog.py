# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What each web UI's command line looks like: the one place that knows a UI's flags.

The module ``webui_flags`` and the filter ``memory_mode`` both read this catalog, so
adding a UI or a flag is one edit here.

Arity follows argparse's ``nargs``: ``SWITCH`` takes nothing, ``ONE`` exactly one value,
``OPTIONAL`` zero or one (``nargs='?'``), ``MANY`` one or more (``nargs='+'``), ``ANY``
zero or more (``nargs='*'``), ``APPEND`` one value per occurrence, repeatable
(``action='append'``). Flags absent from the catalog are unknown: their values are taken
greedily (every following token that does not look like a flag), which is what removing
them needs and never splits a flag from its value.
"""

from __future__ import annotations

import ast
import re

SWITCH = 0
ONE = 1
OPTIONAL = '?'
MANY = '+'
ANY = '*'
APPEND = 'append'

# The upstream version each catalog below was read from. A flag the UI adds or drops
# after it is a change here, and docs/webui_flags.md shows this table.
# - a1111: AUTOMATIC1111/stable-diffusion-webui, tag v1.10.1: modules/cmd_args.py and
#   extensions-builtin/{LDSR,Lora,ScuNET,SwinIR}/preload.py.
# - forge: lllyasviel/stable-diffusion-webui-forge, branch main (it has no release tags
#   since its 2024 rework), modules/cmd_args.py at 001f230, backend/args.py and
#   backend/memory_management.py, extensions-builtin/*/preload.py.
# - sdnext: vladmandic/sdnext, branch master (dated releases, no flag freeze):
#   modules/cmd_args.py at 0af9ed6, installer.py (add_args) and modules/shared_defaults.py.
# - comfyui: comfyanonymous/ComfyUI, branch master, comfy/cli_args.py.
VERSIONS = {
    'a1111': 'v1.10.1',
    'forge': 'main (001f230)',
    'sdnext': 'master (0af9ed6)',
    'comfyui': 'master',
}

# A1111 v1.10.1, modules/cmd_args.py: the flags that take values. Every other A1111 flag
# is a switch. (--tests, with a directory, went in 2023; only the switch --test-server
# is left.)
_A1111_CMD_ARGS_VALUES = {
    '--data-dir': ONE,
    '--models-dir': ONE,
    '--config': ONE,
    '--ckpt': ONE,
    '--ckpt-dir': ONE,
    '--vae-dir': ONE,
    '--gfpgan-dir': ONE,
    '--gfpgan-model': ONE,
    '--max-batch-count': ONE,
    '--embeddings-dir': ONE,
    '--textual-inversion-templates-dir': ONE,
    '--hypernetwork-dir': ONE,
    '--localizations-dir': ONE,
    '--precision': ONE,
    '--ngrok': ONE,
    '--ngrok-region': ONE,
    '--ngrok-options': ONE,
    '--codeformer-models-path': ONE,
    '--gfpgan-models-path': ONE,
    '--esrgan-models-path': ONE,
    '--bsrgan-models-path': ONE,
    '--realesrgan-models-path': ONE,
    '--dat-models-path': ONE,
    '--clip-models-path': ONE,
    '--sub-quad-q-chunk-size': ONE,
    '--sub-quad-kv-chunk-size': ONE,
    '--sub-quad-chunk-threshold': ONE,
    '--use-cpu': MANY,
    '--port': ONE,
    '--ui-config-file': ONE,
    '--ui-settings-file': ONE,
    '--gradio-auth': ONE,
    '--gradio-auth-path': ONE,
    '--gradio-img2img-tool': ONE,
    '--gradio-inpaint-tool': ONE,
    '--gradio-allowed-path': APPEND,
    '--styles-file': APPEND,
    '--theme': ONE,
    '--vae-path': ONE,
    '--api-auth': ONE,
    '--device-id': ONE,
    '--cors-allow-origins': ONE,
    '--cors-allow-origins-regex': ONE,
    '--tls-keyfile': ONE,
    '--tls-certfile': ONE,
    '--server-name': ONE,
    '--subpath': ONE,
    '--loglevel': ONE,
    '--timeout-keep-alive': ONE,
    '--filenames-max-length': ONE,
}

_A1111_SWITCHES = frozenset(
    [
        '--update-all-extensions',
        '--skip-python-version-check',
        '--skip-torch-cuda-test',
        '--reinstall-xformers',
        '--reinstall-torch',
        '--update-check',
        '--test-server',
        '--log-startup',
        '--skip-prepare-environment',
        '--skip-install',
        '--dump-sysinfo',
        '--do-not-download-clip',
        '--no-half',
        '--no-half-vae',
        '--no-progressbar-hiding',
        '--allow-code',
        '--lowvram',
        '--medvram',
        '--medvram-sdxl',
        '--lowram',
        '--always-batch-cond-uncond',
        '--unload-gfpgan',
        '--upcast-sampling',
        '--share',
        '--enable-insecure-extension-access',
        '--xformers',
        '--force-enable-xformers',
        '--xformers-flash-attention',
        '--deepdanbooru',
        '--opt-split-attention',
        '--opt-sub-quad-attention',
        '--opt-split-attention-invokeai',
        '--opt-split-attention-v1',
        '--opt-sdp-attention',
        '--opt-sdp-no-mem-attention',
        '--disable-opt-split-attention',
        '--disable-nan-check',
        '--use-ipex',
        '--disable-model-loading-ram-optimization',
        '--listen',
        '--show-negative-prompt',
        '--hide-ui-dir-config',
        '--freeze-settings',
        '--gradio-debug',
        '--opt-channelslast',
        '--autolaunch',
        '--use-textbox-seed',
        '--disable-console-progressbars',
        '--enable-console-prompts',
        '--disable-safe-unpickle',
        '--api',
        '--api-log',
        '--nowebui',
        '--ui-debug-mode',
        '--administrator',
        '--disable-tls-verify',
        '--gradio-queue',
        '--no-gradio-queue',
        '--skip-version-check',
        '--no-hashing',
        '--no-download-sd-model',
        '--add-stop-route',
        '--api-server-stop',
        '--disable-all-extensions',
        '--disable-extra-extensions',
        '--skip-load-model-at-start',
        '--unix-filenames-sanitization',
        '--no-prompt-history',
    ]
)

# Flags the built-in extensions add: A1111 and Forge run every
# extensions-builtin/<name>/preload.py against the parser before it parses the command
# line (modules/shared_cmd_options.py, modules/script_loading.py), so these are as valid
# as those of modules/cmd_args.py. Per UI, the file each comes from.
_A1111_BUILTIN_VALUES = {
    '--ldsr-models-path': ONE,  # LDSR/preload.py
    '--lora-dir': ONE,  # Lora/preload.py
    '--lyco-dir-backcompat': ONE,  # Lora/preload.py
    '--scunet-models-path': ONE,  # ScuNET/preload.py
    '--swinir-models-path': ONE,  # SwinIR/preload.py
}
# Forge dropped LDSR (2024) and moved Lora to sd_forge_lora; its ControlNet is built in.
_FORGE_BUILTIN_VALUES = {
    '--lora-dir': ONE,  # sd_forge_lora/preload.py
    '--lyco-dir-backcompat': ONE,  # sd_forge_lora/preload.py
    '--scunet-models-path': ONE,  # ScuNET/preload.py
    '--swinir-models-path': ONE,  # SwinIR/preload.py
    '--controlnet-loglevel': ONE,  # sd_forge_controlnet/preload.py
}
_FORGE_BUILTIN_SWITCHES = frozenset(['--controlnet-tracemalloc'])  # sd_forge_controlnet/preload.py

BUILTIN_EXTENSION_FLAGS = {
    'a1111': frozenset(_A1111_BUILTIN_VALUES),
    'forge': frozenset(_FORGE_BUILTIN_VALUES) | _FORGE_BUILTIN_SWITCHES,
    'sdnext': frozenset(),
    'comfyui': frozenset(),
}

_A1111_VALUES = dict(_A1111_CMD_ARGS_VALUES)
_A1111_VALUES.update(_A1111_BUILTIN_VALUES)

# Forge keeps A1111's front end (modules/cmd_args.py, with a few flags of its own) and
# adds its backend's flags (backend/args.py, the parser modules/cmd_args.py builds on);
# its memory management replaces A1111's, so --lowvram, --medvram and --medvram-sdxl are
# still accepted but do nothing.
_FORGE_VALUES = dict(_A1111_CMD_ARGS_VALUES)
_FORGE_VALUES.update(_FORGE_BUILTIN_VALUES)
_FORGE_VALUES.update(
    {
        '--text-encoder-dir': ONE,
        '--freeze-settings-in-sections': ONE,
        '--freeze-specific-settings': ONE,
        '--forge-ref-a1111-home': ONE,
        '--controlnet-dir': ONE,
        '--controlnet-preprocessor-models-dir': ONE,
        '--gpu-device-id': ONE,
        '--directml': OPTIONAL,
    }
)
# backend/args.py's exclusive VRAM group. --always-normal-vram is parsed but never read
# (backend/memory_management.py looks at the others only), so it is no mode of its own:
# see ignored_memory_flags below.
_FORGE_MEMORY = (
    '--always-gpu',
    '--always-high-vram',
    '--always-low-vram',
    '--always-no-vram',
    '--always-cpu',
)
_FORGE_SWITCHES = (
    _A1111_SWITCHES
    | _FORGE_BUILTIN_SWITCHES
    | frozenset(_FORGE_MEMORY)
    | frozenset(
        [
            '--always-normal-vram',
            '--all-in-fp32',
            '--all-in-fp16',
            '--unet-in-bf16',
            '--unet-in-fp16',
            '--unet-in-fp8-e4m3fn',
            '--unet-in-fp8-e5m2',
            '--vae-in-fp16',
            '--vae-in-fp32',
            '--vae-in-bf16',
            '--vae-in-cpu',
            '--clip-in-fp8-e4m3fn',
            '--clip-in-fp8-e5m2',
            '--clip-in-fp16',
            '--clip-in-fp32',
            '--attention-split',
            '--attention-quad',
            '--attention-pytorch',
            '--force-upcast-attention',
            '--disable-attention-upcast',
            '--disable-xformers',
            '--disable-ipex-hijack',
            '--always-offload-from-vram',
            '--pytorch-deterministic',
            '--cuda-malloc',
            '--cuda-stream',
            '--pin-shared-memory',
        ]
    )
)

# SD.Next: modules/cmd_args.py (configuration and compatibility flags) and installer.py's
# add_args (install, compute, paths, HTTP, diagnostics, logging), one parser. It has no
# ngrok flags and no --no-download.
_SDNEXT_VALUES = {
    '--config': ONE,
    '--ui-config': ONE,
    '--backend': ONE,
    '--hypernetwork-dir': ONE,
    '--use-cpu': MANY,
    '--vae': ONE,
    '--ui-settings-file': ONE,
    '--ui-config-file': ONE,
    '--api-auth': ONE,
    # Not a switch: no action, so it takes a value ("--api-only true").
    '--api-only': ONE,
    '--device-id': ONE,
    '--ckpt': ONE,
    '--data-dir': ONE,
    '--models-dir': ONE,
    '--extensions-dir': ONE,
    '--theme': ONE,
    '--locale': ONE,
    '--server-name': ONE,
    '--tls-keyfile': ONE,
    '--tls-certfile': ONE,
    '--cors-origins': ONE,
    '--cors-regex': ONE,
    '--subpath': ONE,
    '--auth': ONE,
    '--auth-file': ONE,
    '--allowed-paths': MANY,
    '--port': ONE,
    '--monitor': ONE,
    '--status': ONE,
    '--log': ONE,
}
_SDNEXT_SWITCHES = frozenset(
    [
        '--freeze',
        '--medvram',
        '--lowvram',
        '--allow-code',
        '--enable_insecure_extension_access',
        '--hide-ui-dir-config',
        '--disable-console-progressbars',
        '--disable-safe-unpickle',
        '--lowram',
        '--disable-extension-access',
        '--api',
        '--disable-queue',
        '--no-hashing',
        '--no-metadata',
        '--quick',
        '--reset',
        '--upgrade',
        '--update',
        '--requirements',
        '--reinstall',
        '--uv',
        '--optional',
        '--skip-requirements',
        '--skip-extensions',
        '--skip-git',
        '--skip-torch',
        '--skip-all',
        '--skip-env',
        '--use-cuda',
        '--use-ipex',
        '--use-rocm',
        '--use-zluda',
        '--use-openvino',
        '--use-directml',
        '--use-xformers',
        '--use-nightly',
        '--tls-selfsign',
        '--autolaunch',
        '--share',
        '--insecure',
        '--listen',
        '--experimental',
        '--ignore',
        '--new',
        '--safe',
        '--test',
        '--version',
        '--debug',
        '--trace',
        '--profile',
        '--docs',
        '--api-log',
    ]
)
# SD.Next switches whose default is on (installer.py, modules/cmd_args.py): leaving the
# flag out does not turn them off. The value is the environment variable that does, or
# None where nothing does.
_SDNEXT_DEFAULT_ON = {
    '--api': None,
    '--api-log': 'SD_NOAPILOG',
    '--debug': 'SD_NODEBUG',
    '--docs': 'SD_NODOCS',
}
# SD.Next memory switches whose default comes from the environment (modules/cmd_args.py):
# any non-empty value turns them on whatever the command line says.
_SDNEXT_ENVIRONMENT_DEFAULTS = {'--medvram': 'SD_MEDVRAM', '--lowvram': 'SD_LOWVRAM'}

# ComfyUI (comfy/cli_args.py).
_COMFYUI_VALUES = {
    '--listen': OPTIONAL,
    '--port': ONE,
    '--tls-keyfile': ONE,
    '--tls-certfile': ONE,
    '--enable-cors-header': OPTIONAL,
    '--max-upload-size': ONE,
    '--base-directory': ONE,
    '--extra-model-paths-config': MANY,
    '--output-directory': ONE,
    '--temp-directory': ONE,
    '--input-directory': ONE,
    '--models-directory': ONE,
    '--user-directory': ONE,
    '--cuda-device': ONE,
    '--directml': OPTIONAL,
    '--oneapi-device-selector': ONE,
    '--preview-method': ONE,
    '--preview-size': ONE,
    '--cache-lru': ONE,
    '--reserve-vram': ONE,
    '--default-hashing-function': ONE,
    '--fast': ANY,
    '--whitelist-custom-nodes': MANY,
    '--verbose': OPTIONAL,
    '--front-end-version': ONE,
    '--front-end-root': ONE,
    '--comfy-api-base': ONE,
    '--database-url': ONE,
}
_COMFYUI_MEMORY = ('--gpu-only', '--highvram', '--normalvram', '--lowvram', '--novram', '--cpu')
_COMFYUI_SWITCHES = frozenset(_COMFYUI_MEMORY) | frozenset(
    [
        '--auto-launch',
        '--disable-auto-launch',
        '--cuda-malloc',
        '--disable-cuda-malloc',
        '--force-fp32',
        '--force-fp16',
        '--cpu-vae',
        '--disable-xformers',
        '--use-split-cross-attention',
        '--use-quad-cross-attention',
        '--use-pytorch-cross-attention',
        '--use-sage-attention',
        '--use-flash-attention',
        '--disable-smart-memory',
        '--deterministic',
        '--dont-print-server',
        '--disable-metadata',
        '--disable-all-custom-nodes',
        '--multi-user',
        '--log-stdout',
        '--async-offload',
        '--disable-mmap',
        '--mmap-torch-files',
    ]
)

CATALOG = {
    'a1111': {
        'name': 'AUTOMATIC1111 stable-diffusion-webui',
        'values': _A1111_VALUES,
        'switches': _A1111_SWITCHES,
        # Modes in order from fastest to slowest; None is "no memory flag".
        'memory_modes': (
            ('none', None),
            ('medvram-sdxl', '--medvram-sdxl'),
            ('medvram', '--medvram'),
            ('lowvram', '--lowvram'),
        ),
        'ignored_memory_flags': (),
        'default_on': {},
        'environment_defaults': {},
        'definitions': 'modules/cmd_args.py',
    },
    'forge': {
        'name': 'Stable Diffusion WebUI Forge',
        'values': _FORGE_VALUES,
        'switches': _FORGE_SWITCHES,
        'memory_modes': (
            ('always-gpu', '--always-gpu'),
            ('always-high-vram', '--always-high-vram'),
            ('none', None),
            ('always-low-vram', '--always-low-vram'),
            ('always-no-vram', '--always-no-vram'),
            ('always-cpu', '--always-cpu'),
        ),
        # Flags Forge parses and never acts on: A1111's memory flags (its own memory
        # management decides) and --always-normal-vram (backend/memory_management.py
        # never reads it, so it runs exactly as with no flag). Choosing a Forge memory
        # mode also removes them, so the file says what actually happens.
        'ignored_memory_flags': ('--lowvram', '--medvram', '--medvram-sdxl', '--always-normal-vram'),
        'default_on': {},
        'environment_defaults': {},
        'definitions': 'modules/cmd_args.py and backend/args.py',
    },
    'sdnext': {
        'name': 'SD.Next',
        'values': _SDNEXT_VALUES,
        'switches': _SDNEXT_SWITCHES,
        # With neither flag SD.Next picks one itself from the GPU's size
        # (plugins/plugin_utils/_memory_mode.py, own_mode).
        'memory_modes': (('none', None), ('medvram', '--medvram'), ('lowvram', '--lowvram')),
        'ignored_memory_flags': (),
        'default_on': _SDNEXT_DEFAULT_ON,
        'environment_defaults': _SDNEXT_ENVIRONMENT_DEFAULTS,
        'definitions': 'modules/cmd_args.py and installer.py',
    },
    'comfyui': {
        'name': 'ComfyUI',
        'values': _COMFYUI_VALUES,
        'switches': _COMFYUI_SWITCHES,
        'memory_modes': (
            ('gpu-only', '--gpu-only'),
            ('highvram', '--highvram'),
            ('none', None),
            ('normalvram', '--normalvram'),
            ('lowvram', '--lowvram'),
            ('novram', '--novram'),
            ('cpu', '--cpu'),
        ),
        'ignored_memory_flags': (),
        'default_on': {},
        'environment_defaults': {},
        'definitions': 'comfy/cli_args.py',
    },
}

UIS = tuple(CATALOG)

# Values of these flags are credentials: user:password pairs, tokens, URLs with a
# password. Paths to files holding credentials (--gradio-auth-path, --auth-file) are not
# secret and stay visible. The set is shared by all UIs: a file written for one UI and
# edited as another still never leaks a password.
SECRET_FLAGS = frozenset(
    [
        '--gradio-auth',
        '--api-auth',
        '--auth',
        '--ngrok',
        '--ngrok-options',
        '--database-url',
    ]
)

MASK = '********'


def memory_modes(ui):
    """The UI's memory mode names, fastest first."""
    return tuple(name for name, _flag in CATALOG[ui]['memory_modes'])


def memory_flag(ui, mode):
    """The flag that selects ``mode`` for ``ui`` (None for ``none``)."""
    return dict(CATALOG[ui]['memory_modes'])[mode]


def memory_group(ui):
    """Every flag that belongs to the UI's exclusive memory choice."""
    flags = [flag for _name, flag in CATALOG[ui]['memory_modes'] if flag]
    flags.extend(CATALOG[ui]['ignored_memory_flags'])
    return tuple(flags)


def all_memory_mode_names():
    """Every memory mode name of every UI, for the module's choices, then the names of
    flags a UI ignores: asking for one of those gets a warning saying so, not a refusal."""
    names = []
    for ui in UIS:
        for name in memory_modes(ui):
            if name not in names:
                names.append(name)
    for ui in UIS:
        for flag in CATALOG[ui]['ignored_memory_flags']:
            if flag[2:] not in names:
                names.append(flag[2:])
    return names


def ignored_memory_mode(ui, mode):
    """Whether ``mode`` names a memory flag ``ui`` parses and never acts on."""
    return '--' + mode in CATALOG[ui]['ignored_memory_flags']


def arity(ui, flag):
    """How many values ``flag`` takes for ``ui``; None when the catalog does not know it."""
    entry = CATALOG[ui]
    if flag in entry['values']:
        return entry['values'][flag]
    if flag in entry['switches']:
        return SWITCH
    return None


def is_secret(flag):
    return flag in SECRET_FLAGS


_ADD_ARGUMENT_TEXT = re.compile(r'''add_argument\(\s*((?:(?:'[^']*'|"[^"]*")\s*,\s*)*(?:'[^']*'|"[^"]*"))''')
_QUOTED = re.compile(r'''(?:'([^']*)'|"([^"]*)")''')


def defined_flags(source):
    """Option strings of every ``add_argument`` call in a UI's argument definitions.

    The file is only read, never imported or run: it imports torch and the UI's own
    modules. ``ast`` is exact; a file whose syntax is newer than the Python running this
    falls back to a textual scan of the same calls.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _defined_flags_text(source)
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == 'add_argument'):
            continue
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith('-'):
                names.add(arg.value)
    return names


def _defined_flags_text(source):
    names = set()
    for match in _ADD_ARGUMENT_TEXT.finditer(source):
        for single, double in _QUOTED.findall(match.group(1)):
            value = single or double
            if value.startswith('-'):
                names.add(value)
    return names


def unknown_flags(flags, accepted):
    """Flags that argparse, given the ``accepted`` option strings, would reject.

    argparse also accepts an unambiguous prefix of a long option (``allow_abbrev``), so
    a prefix of exactly one accepted flag passes, as it does at launch.
    """
    unknown = []
    for flag in flags:
        if flag in accepted:
            continue
        matches = [name for name in accepted if name.startswith('--') and name.startswith(flag)]
        if flag.startswith('--') and len(matches) == 1:
            continue
        if flag not in unknown:
            unknown.append(flag)
    return unknown
