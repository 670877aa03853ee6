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

# A1111 (modules/cmd_args.py, v1.10): the flags that take values. Every other A1111 flag
# is a switch.
_A1111_VALUES = {
    '--tests': ONE,
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
    # Added by the built-in extensions' preload.py files.
    '--lora-dir': ONE,
    '--lyco-dir-backcompat': ONE,
    '--ldsr-models-path': ONE,
    '--scunet-models-path': ONE,
    '--swinir-models-path': ONE,
}

_A1111_SWITCHES = frozenset(
    [
        '--lowvram',
        '--medvram',
        '--medvram-sdxl',
        '--lowram',
        '--xformers',
        '--listen',
        '--api',
        '--nowebui',
        '--share',
        '--no-half',
        '--no-half-vae',
        '--upcast-sampling',
        '--opt-sdp-attention',
        '--opt-sdp-no-mem-attention',
        '--opt-split-attention',
        '--opt-sub-quad-attention',
        '--enable-insecure-extension-access',
        '--skip-torch-cuda-test',
        '--autolaunch',
        '--api-log',
        '--skip-install',
        '--skip-prepare-environment',
        '--disable-nan-check',
        '--no-download-sd-model',
        '--no-hashing',
        '--always-batch-cond-uncond',
        '--update-all-extensions',
        '--reinstall-xformers',
        '--reinstall-torch',
        '--skip-python-version-check',
        '--skip-version-check',
        '--no-gradio-queue',
        '--freeze-settings',
        '--hide-ui-dir-config',
        '--add-stop-route',
        '--unix-filenames-sanitization',
    ]
)

# Forge keeps A1111's front end (modules/cmd_args.py) and adds its backend's own flags
# (backend/args.py); its memory management replaces A1111's, so --lowvram, --medvram and
# --medvram-sdxl are still accepted but do nothing.
_FORGE_VALUES = dict(_A1111_VALUES)
_FORGE_VALUES.update(
    {
        '--gpu-device-id': ONE,
        '--directml': OPTIONAL,
        '--forge-ref-a1111-home': ONE,
        '--forge-ref-comfy-home': ONE,
    }
)
_FORGE_MEMORY = (
    '--always-gpu',
    '--always-high-vram',
    '--always-normal-vram',
    '--always-low-vram',
    '--always-no-vram',
    '--always-cpu',
)
_FORGE_SWITCHES = (
    _A1111_SWITCHES
    | frozenset(_FORGE_MEMORY)
    | frozenset(
        [
            '--always-offload-from-vram',
            '--pin-shared-memory',
            '--cuda-stream',
            '--cuda-malloc',
            '--disable-xformers',
            '--attention-split',
            '--attention-quad',
            '--attention-pytorch',
        ]
    )
)

# SD.Next (modules/cmd_args.py).
_SDNEXT_VALUES = {
    '--config': ONE,
    '--ui-config': ONE,
    '--ckpt': ONE,
    '--vae': ONE,
    '--data-dir': ONE,
    '--models-dir': ONE,
    '--ngrok': ONE,
    '--ngrok-options': ONE,
    '--use-cpu': MANY,
    '--port': ONE,
    '--auth': ONE,
    '--auth-file': ONE,
    '--device-id': ONE,
    '--cors-origins': ONE,
    '--cors-regex': ONE,
    '--tls-keyfile': ONE,
    '--tls-certfile': ONE,
    '--server-name': ONE,
    '--subpath': ONE,
    '--backend': ONE,
    '--api-auth': ONE,
}
_SDNEXT_SWITCHES = frozenset(
    [
        '--lowvram',
        '--medvram',
        '--listen',
        '--insecure',
        '--share',
        '--freeze',
        '--autolaunch',
        '--docs',
        '--api-only',
        '--api-log',
        '--debug',
        '--use-directml',
        '--use-openvino',
        '--use-ipex',
        '--use-cuda',
        '--use-rocm',
        '--no-hashing',
        '--no-download',
        '--profile',
        '--disable-queue',
        '--tls-selfsign',
    ]
)

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
            ('always-normal-vram', '--always-normal-vram'),
            ('always-low-vram', '--always-low-vram'),
            ('always-no-vram', '--always-no-vram'),
            ('always-cpu', '--always-cpu'),
        ),
        # A1111's memory flags: Forge parses them and ignores them, its own memory
        # management decides. Choosing a Forge memory mode also removes them, so the
        # file says what actually happens.
        'ignored_memory_flags': ('--lowvram', '--medvram', '--medvram-sdxl'),
        'definitions': 'modules/cmd_args.py and backend/args.py',
    },
    'sdnext': {
        'name': 'SD.Next',
        'values': _SDNEXT_VALUES,
        'switches': _SDNEXT_SWITCHES,
        'memory_modes': (('none', None), ('medvram', '--medvram'), ('lowvram', '--lowvram')),
        'ignored_memory_flags': (),
        'definitions': 'modules/cmd_args.py',
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
    """Every memory mode name of every UI, for the module's choices."""
    names = []
    for ui in UIS:
        for name in memory_modes(ui):
            if name not in names:
                names.append(name)
    return names


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
