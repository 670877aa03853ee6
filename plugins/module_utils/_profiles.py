# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The web UI profiles: everything the collection knows of each web UI, in one place.

One entry of PROFILES per UI, read by the webui_flags module, the memory-mode table, the
webui role (through the webui_profile lookup), the benchmark and the report. Nothing else
names a UI: adding one is a new entry here, plus its name in the documented ``choices``
lists that a unit test keeps equal to PROFILES' keys (docs/extending.md).

What an entry holds:

- ``name``: the UI's own name, for messages.
- ``repo``, ``version``: what the webui role clones with webui_install, and at which tag or
  branch; ``dir_name``: the folder under the user's home it is looked for by default.
- ``launch_file``, ``launch_format``: where the UI's arguments are kept (webui_flags'
  ``path`` and ``format``), relative to the install.
- ``entry``: the file that shows the UI is installed, and what the service starts.
- ``exec``: ``script``, the UI's own launcher script, which reads the launch file itself
  (run with bash); or ``python``, the entry run by the web UI's Python with the launch
  file's words as argv, in a venv the role makes when the UI ships no launcher of its own.
- ``validate_with``: the files, relative to the install, whose ``add_argument`` calls say
  which flags the installed version accepts (webui_flags' ``validate_with``).
- ``bind``: how the UI is told its address. ``server-name``: ``--listen`` means every
  address and ``--server-name ADDR`` one of them; ``listen``: ``--listen ADDR``. Both take
  ``--port``, and both bind 127.0.0.1 with no flag.
- ``api``: ``sdapi`` where the UI serves A1111's ``/sdapi/v1/txt2img`` (the benchmark
  needs it), else None.
- ``thresholds``: per model family, the least free MiB each memory mode needs (the
  slowest listed is the floor); docs/memory-modes.md gives the source of every number.
- ``own_modes``: what the UI runs with no memory flag, by the GPU's total memory in whole
  GiB: the first row whose limit the total does not exceed.
- the flag catalog, with ``catalog_version``, the upstream version it was read from:
  ``values`` (flags that take values, with their arity), ``switches``, ``memory_modes``
  (fastest first; None is "no memory flag"), ``ignored_memory_flags``,
  ``builtin_extension_flags``, ``default_on``, ``environment_defaults`` and
  ``definitions``.

Arity follows argparse's ``nargs``: ``SWITCH`` takes nothing, ``ONE`` exactly one value,
``OPTIONAL`` zero or one (``nargs='?'``), ``MANY`` one or more (``nargs='+'``), ``ANY``
zero or more (``nargs='*'``), ``APPEND`` one value per occurrence, repeatable
(``action='append'``). Flags absent from the catalog are unknown: their values are taken
greedily (every following token that does not look like a flag), which is what removing
them needs and never splits a flag from its value.

Catalog sources, per UI (a flag the UI adds or drops after them is a change here, and
docs/webui_flags.md shows the versions):

- a1111: AUTOMATIC1111/stable-diffusion-webui, tag v1.10.1: modules/cmd_args.py and
  extensions-builtin/{LDSR,Lora,ScuNET,SwinIR}/preload.py.
- forge: lllyasviel/stable-diffusion-webui-forge, branch main (it has no release tags
  since its 2024 rework), modules/cmd_args.py at 001f230, backend/args.py and
  backend/memory_management.py, extensions-builtin/*/preload.py.
- sdnext: vladmandic/sdnext, branch master (dated releases, no flag freeze):
  modules/cmd_args.py at 0af9ed6, installer.py (add_args) and modules/shared_defaults.py.
- comfyui: comfyanonymous/ComfyUI, branch master, comfy/cli_args.py.
"""

from __future__ import annotations

SWITCH = 0
ONE = 1
OPTIONAL = '?'
MANY = '+'
ANY = '*'
APPEND = 'append'


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

# The repositories and versions are the projects' own. Thresholds: docs/memory-modes.md.
PROFILES = {
    'a1111': {
        'name': 'AUTOMATIC1111 stable-diffusion-webui',
        'repo': 'https://github.com/AUTOMATIC1111/stable-diffusion-webui.git',
        'version': 'v1.10.1',
        'dir_name': 'stable-diffusion-webui',
        'launch_file': 'webui-user.sh',
        'launch_format': 'sh',
        'entry': 'webui.sh',
        'exec': 'script',
        # The built-in extensions' preload.py files add flags (--lora-dir, ...) as valid
        # as modules/cmd_args.py's; the pattern covers each.
        'validate_with': ('modules/cmd_args.py', 'extensions-builtin/*/preload.py'),
        'bind': 'server-name',
        'api': 'sdapi',
        'thresholds': {
            'sd15': {'none': 3584, 'medvram': 2048, 'lowvram': 0},
            'sdxl': {'none': 10240, 'medvram-sdxl': 7168, 'lowvram': 0},
        },
        'own_modes': (),
        'catalog_version': 'v1.10.1',
        'values': _A1111_VALUES,
        'switches': _A1111_SWITCHES,
        'memory_modes': (
            ('none', None),
            ('medvram-sdxl', '--medvram-sdxl'),
            ('medvram', '--medvram'),
            ('lowvram', '--lowvram'),
        ),
        'ignored_memory_flags': (),
        'builtin_extension_flags': frozenset(_A1111_BUILTIN_VALUES),
        'default_on': {},
        'environment_defaults': {},
        'definitions': 'modules/cmd_args.py',
    },
    'forge': {
        'name': 'Stable Diffusion WebUI Forge',
        'repo': 'https://github.com/lllyasviel/stable-diffusion-webui-forge.git',
        'version': 'main',
        'dir_name': 'stable-diffusion-webui',
        'launch_file': 'webui-user.sh',
        'launch_format': 'sh',
        'entry': 'webui.sh',
        'exec': 'script',
        'validate_with': ('modules/cmd_args.py', 'backend/args.py', 'extensions-builtin/*/preload.py'),
        'bind': 'server-name',
        'api': 'sdapi',
        'thresholds': {
            'sd15': {'none': 3584, 'always-low-vram': 1024, 'always-no-vram': 0},
            'sdxl': {'none': 7168, 'always-low-vram': 3072, 'always-no-vram': 0},
        },
        'own_modes': (),
        'catalog_version': 'main (001f230)',
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
        'builtin_extension_flags': frozenset(_FORGE_BUILTIN_VALUES) | _FORGE_BUILTIN_SWITCHES,
        'default_on': {},
        'environment_defaults': {},
        'definitions': 'modules/cmd_args.py and backend/args.py',
    },
    'sdnext': {
        'name': 'SD.Next',
        'repo': 'https://github.com/vladmandic/sdnext.git',
        'version': 'master',
        'dir_name': 'stable-diffusion-webui',
        'launch_file': 'webui-user.sh',
        'launch_format': 'sh',
        'entry': 'webui.sh',
        'exec': 'script',
        'validate_with': (),
        'bind': 'server-name',
        'api': 'sdapi',
        'thresholds': {
            'sd15': {'none': 3584, 'medvram': 2048, 'lowvram': 0},
            'sdxl': {'none': 10240, 'medvram': 6144, 'lowvram': 0},
        },
        # SD.Next (modules/shared_defaults.py, get_default_modes) rounds the total to whole
        # GiB and, unless --medvram or --lowvram is given, turns --lowvram on up to 4 and
        # --medvram up to 12.
        'own_modes': ((4, 'lowvram'), (12, 'medvram')),
        'catalog_version': 'master (0af9ed6)',
        'values': _SDNEXT_VALUES,
        'switches': _SDNEXT_SWITCHES,
        'memory_modes': (('none', None), ('medvram', '--medvram'), ('lowvram', '--lowvram')),
        'ignored_memory_flags': (),
        'builtin_extension_flags': frozenset(),
        'default_on': _SDNEXT_DEFAULT_ON,
        'environment_defaults': _SDNEXT_ENVIRONMENT_DEFAULTS,
        'definitions': 'modules/cmd_args.py and installer.py',
    },
    'comfyui': {
        'name': 'ComfyUI',
        'repo': 'https://github.com/comfyanonymous/ComfyUI.git',
        'version': 'master',
        'dir_name': 'ComfyUI',
        # ComfyUI reads no launch script: the role keeps its arguments in one shaped like
        # A1111's, which the role's launcher reads as the web UI's user and splits the way
        # A1111 splits COMMANDLINE_ARGS.
        'launch_file': 'webui-user.sh',
        'launch_format': 'sh',
        'entry': 'main.py',
        'exec': 'python',
        'validate_with': ('comfy/cli_args.py',),
        'bind': 'listen',
        'api': None,
        'thresholds': {
            'sd15': {'highvram': 6144, 'normalvram': 3584, 'lowvram': 1024, 'novram': 0},
            'sdxl': {'highvram': 12288, 'normalvram': 7168, 'lowvram': 3072, 'novram': 0},
        },
        'own_modes': (),
        'catalog_version': 'master',
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
        'builtin_extension_flags': frozenset(),
        'default_on': {},
        'environment_defaults': {},
        'definitions': 'comfy/cli_args.py',
    },
}

# The LLM servers: the same webui role runs them, on the same VRAM decisions, but they
# take no launch file and no flag catalog. What an entry holds besides ``name``, ``repo``
# and ``version`` (indicative only: nothing is cloned or downloaded, the server must be
# installed):
#
# - ``service``: ``vendor``, the unit the server's own installer writes, changed only
#   through a drop-in (``unit``); ``own``, a unit the role writes (``webui_service_name``).
# - ``entry``: the server's binary where its installer puts it (``webui_server_binary``).
# - ``user``: the user it runs as by default (the installer's, for ``vendor``).
# - ``bind``: ``ollama-host``, one ``OLLAMA_HOST=ADDR:PORT`` in the environment;
#   ``host-port``, ``--host ADDR --port PORT``.
# - ``port``: its own default port. ``probe_path``: what answers once it is up (llama-server
#   says 503 on /health until its model is loaded).
# - ``memory``: how the free VRAM becomes settings (plugin_utils/_llm_plan.py):
#   ``ollama-settings`` (flash attention, KV cache type, context length, overhead: Ollama
#   places the layers itself from the free VRAM) or ``gpu-layers`` (--n-gpu-layers from the
#   free VRAM and the model's GGUF header).
# - ``model_format``: the model file the role reads (as the server's user), or None.
# - ``api``: ``ollama`` (/api/generate, /api/ps) or ``openai`` (llama-server's
#   /v1/chat/completions and /completion), for the benchmark.
#
# Sources, read at the commits the stand-ins' headers name (molecule/shared/files/
# standin-ollama, standin-llamacpp; they could not be mapped to release tags):
# ollama/ollama scripts/install.sh (the unit, its user, /usr/local/bin) and
# envconfig/config.go (OLLAMA_HOST and the OLLAMA_* settings); ggml-org/llama.cpp
# tools/server/README.md and common/arg.cpp (the arguments, --api-key-file).
LLM_SERVERS = {
    'ollama': {
        'name': 'Ollama',
        'kind': 'llm',
        'repo': 'https://github.com/ollama/ollama',
        'version': 'v0.9.6',
        'service': 'vendor',
        'unit': 'ollama.service',
        'entry': '/usr/local/bin/ollama',
        'user': 'ollama',
        'bind': 'ollama-host',
        'port': 11434,
        'probe_path': '/',
        'memory': 'ollama-settings',
        'model_format': None,
        'api': 'ollama',
    },
    'llamacpp': {
        'name': "llama.cpp's llama-server",
        'kind': 'llm',
        'repo': 'https://github.com/ggml-org/llama.cpp',
        'version': 'b5900',
        'service': 'own',
        'unit': 'llamacpp.service',
        'entry': '/usr/local/bin/llama-server',
        'user': 'llama',
        'bind': 'host-port',
        'port': 8080,
        'probe_path': '/health',
        'memory': 'gpu-layers',
        'model_format': 'gguf',
        'api': 'openai',
    },
}

# What every image UI has in common of the attributes the LLM servers spell out.
_IMAGE_PLAY_DEFAULTS = {
    'kind': 'image',
    'service': 'own',
    'unit': 'webui.service',
    'user': 'sd',
    'port': 7860,
    'probe_path': '/',
    'memory': 'modes',
    'model_format': None,
}

# The attributes the webui role and playbooks read (the webui_profile lookup): plain data,
# without the flag tables.
PLAY_ATTRIBUTES = (
    'name',
    'repo',
    'version',
    'dir_name',
    'launch_file',
    'launch_format',
    'entry',
    'exec',
    'validate_with',
    'bind',
    'api',
    'catalog_version',
) + tuple(_IMAGE_PLAY_DEFAULTS)


class ProfileError(KeyError):
    def __str__(self):
        return str(self.args[0])


def names():
    """Every UI and server the webui role runs: the image UIs, then the LLM servers."""
    return list(PROFILES) + list(LLM_SERVERS)


def profile(ui):
    """The profile of ``ui``; an error naming the known UIs for any other name."""
    try:
        return PROFILES[ui]
    except (KeyError, TypeError):
        pass
    try:
        return LLM_SERVERS[ui]
    except (KeyError, TypeError):
        raise ProfileError('unknown web UI %r; one of %s' % (ui, ', '.join(names()))) from None


def kind(ui):
    """``image`` (a web UI with a launch file and a flag catalog) or ``llm``."""
    return profile(ui).get('kind', 'image')


def play_view(ui):
    """What the role and playbooks read of ``ui``'s profile, as plain lists and strings.
    Every attribute is there for every kind (None where it does not apply), so a task can
    branch on one without a default."""
    entry = dict(_IMAGE_PLAY_DEFAULTS) if kind(ui) == 'image' else {}
    entry.update(profile(ui))
    view = {key: list(entry[key]) if isinstance(entry.get(key), tuple) else entry.get(key) for key in PLAY_ATTRIBUTES}
    # webui_service_name's default, for the role, site and the benchmark alike.
    view['service_name'] = view['unit'][: -len('.service')] if view['unit'].endswith('.service') else view['unit']
    return view
