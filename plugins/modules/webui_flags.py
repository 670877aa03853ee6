#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: webui_flags
short_description: Edit the COMMANDLINE_ARGS of a Stable Diffusion web UI launch script
version_added: 0.1.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Edits the one line that sets C(COMMANDLINE_ARGS) in C(webui-user.sh), C(webui-user.bat) or a
    systemd environment file, and leaves every other byte of the file as it was (comments, other
    variables, line endings, bytes that are not UTF-8).
  - The arguments are read as the web UI reads them (A1111's launcher runs C(shlex.split) on the
    variable). Flags not named keep their place and their quoting; a value that is already set
    is no change, so a second run reports nothing to do.
  - A file the module cannot edit safely is left byte-identical and the task fails naming the
    line, for example two active assignments, unbalanced quotes, or a value built from other
    variables (C($FOO), C(${FOO}), C($(cmd)), backticks, C(%FOO%)), whose arguments are only known
    when the script runs.
  - Values of secret flags (C(--gradio-auth), C(--api-auth), SD.Next's C(--auth), A1111's and
    Forge's C(--ngrok) and C(--ngrok-options), ComfyUI's C(--database-url)) never appear in the
    result, the diff or the logs, whether they come from the file or from the task.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  path:
    description:
      - The launch script or environment file.
      - A symbolic link is followed, the file it points to is edited and the link stays, unless
        O(follow=false).
    type: path
    required: true
    aliases: [dest]
  follow:
    description:
      - Whether a symbolic link at O(path) is followed.
      - V(false) refuses a link, naming it and where it points, and leaves it as it is. Use it for a
        file in a folder someone else can write, such as the web UI's own user, whose link to
        C(/etc/passwd) would otherwise have that file edited (and, with O(owner), given away). The
        C(vramfree.webui.webui) role sets it, and edits the launch script as the web UI's user.
    type: bool
    default: true
  format:
    description:
      - How the file sets variables.
      - V(sh) is bash (C(export COMMANDLINE_ARGS="...") or C(COMMANDLINE_ARGS=...) with a separate
        C(export)); V(bat) is cmd.exe (C(set COMMANDLINE_ARGS=...)); V(env) is a systemd
        C(EnvironmentFile=) (C(COMMANDLINE_ARGS=...) with systemd's quoting rules).
      - V(auto) takes V(bat) for C(.bat) and C(.cmd), V(sh) for C(.sh), V(env) for anything else,
        by the name given in O(path), not the name of a link's target.
    type: str
    default: auto
    choices: [auto, sh, bat, env]
  flags:
    description:
      - Flag name (with or without the leading C(--)) to what it should be.
      - Names are written as the web UI's argparse reads them, C(_) as C(-) and lower case where
        that is a flag the UI defines (C(gradio_auth) writes C(--gradio-auth)). A flag the UI's
        catalog does not know is written with a warning naming the closest known flag.
      - V(true) the switch is present, V(false) the flag is absent (with its values). Ansible's
        boolean words as strings (C("true"), C("yes"), C("no"), ...) count as booleans.
      - SD.Next turns C(--debug), C(--docs), C(--api-log) and C(--api) on without the flag; V(false)
        for one of them removes it with a warning that this changes nothing.
      - A memory flag set to V(true) is an exclusive choice, as O(memory_mode) is; a request
        that contradicts itself or O(memory_mode) is refused.
      - A string or number sets the flag's value in place; C(--port 7860) and C(--port=7860) are the
        same flag and keep their form.
      - A list gives the values of a multi-value flag (C(--use-cpu), C(--fast),
        C(--extra-model-paths-config)), or one occurrence per value for a repeatable one
        (C(--gradio-allowed-path)).
      - Flags not named are kept as they are, in their order.
    type: dict
    default: {}
  memory_mode:
    description:
      - The web UI's memory flag group as one exclusive choice. V(keep) leaves it alone; V(none)
        removes every memory flag; any other value sets its flag and removes the others. A flag of
        the group already present keeps its place; a new one takes the place of the one it replaces.
      - A1111 has V(medvram), V(medvram-sdxl) and V(lowvram); SD.Next V(medvram) and V(lowvram).
      - ComfyUI has V(gpu-only), V(highvram), V(normalvram), V(lowvram), V(novram) and V(cpu).
      - Forge has V(always-gpu), V(always-high-vram), V(always-low-vram), V(always-no-vram) and
        V(always-cpu). Forge ignores A1111's memory flags, and parses C(--always-normal-vram) but
        never reads it; asking for one of them (V(medvram), V(always-normal-vram), ...) writes no
        memory flag, with a warning, and Forge manages memory itself.
      - SD.Next with neither of its flags picks one itself from the GPU's size, and reads them from
        C(SD_MEDVRAM) and C(SD_LOWVRAM) in its environment; a line of the file that exports one of
        these against the mode asked is named in a warning.
      - The filter P(vramfree.webui.memory_mode#filter) picks a value from the free VRAM.
    type: str
    default: keep
    choices: [keep, none, medvram-sdxl, medvram, lowvram, always-gpu, always-high-vram,
              always-low-vram, always-no-vram, always-cpu, gpu-only, highvram, normalvram, novram, cpu,
              always-normal-vram]
  ui:
    description: Which web UI reads the arguments, and so which flag catalog applies.
    type: str
    default: a1111
    choices: [a1111, forge, sdnext, comfyui]
  create:
    description:
      - When the file has no active assignment, add one. In C(sh) and C(env) files it goes right
        after the stock commented-out C(#export COMMANDLINE_ARGS="") line (which stays as it is),
        in C(bat) files after a commented-out C(rem set COMMANDLINE_ARGS=); else before the line
        that starts the web UI (C(exec ./webui.sh), C(call webui.bat), C(python launch.py)), where
        it still has an effect; else at the end.
      - A missing file is created holding the assignment.
      - With V(false), a missing file or a missing assignment fails the task.
      - Nothing is added when the arguments would be empty.
    type: bool
    default: true
  backup:
    description: Keep a timestamped copy of the file before changing it.
    type: bool
    default: false
  validate_with:
    description:
      - Files on the target that define the installed web UI's arguments, read as text and never
        run, for example C(modules/cmd_args.py) for A1111 and SD.Next, C(comfy/cli_args.py) for
        ComfyUI, C(modules/cmd_args.py) and C(backend/args.py) for Forge, plus any extension's
        C(preload.py) that adds flags.
      - An entry holding C(*), C(?) or C([) is a pattern for the files it matches, for example
        C(extensions-builtin/*/preload.py) for the flags of A1111's and Forge's built-in
        extensions (C(--lora-dir), ...). A pattern may match nothing; if no file at all is left,
        the task fails.
      - The task fails, naming them, when the result holds flags none of these files defines, since
        A1111 and ComfyUI exit at start on an unknown flag.
    type: list
    elements: path
notes:
  - The new content is written to a temporary file in the same directory and moved over the old
    one, so readers see either the old file or the new one. Where only the file is writable,
    O(unsafe_writes=true) writes it in place.
  - Check mode reports a change of mode or owner alone, as the real run does.
seealso:
  - module: community.general.ini_file
  - plugin: vramfree.webui.memory_mode
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Drop --lowvram now that the desktop no longer holds VRAM
  vramfree.webui.webui_flags:
    path: /home/sd/stable-diffusion-webui/webui-user.sh
    memory_mode: none

- name: The same, as the web UI's user, refusing a link the user (or an extension) put there
  vramfree.webui.webui_flags:
    path: /home/sd/stable-diffusion-webui/webui-user.sh
    memory_mode: none
    follow: false
  become: true
  become_user: sd

- name: Serve the API on the LAN, on a fixed port
  vramfree.webui.webui_flags:
    path: /home/sd/stable-diffusion-webui/webui-user.sh
    flags:
      listen: true
      api: true
      port: 7860
      xformers: true
      no-half: false

- name: Memory mode from the measured VRAM, password from the vault
  vramfree.webui.webui_flags:
    path: /etc/default/sd-webui
    format: env
    memory_mode: "{{ ansible_facts.gpu_vram | vramfree.webui.memory_mode(ui='a1111', model='sdxl') }}"
    flags:
      gradio-auth: "admin:{{ vault_webui_password }}"
    backup: true

- name: ComfyUI, refusing flags the installed version does not know
  vramfree.webui.webui_flags:
    path: /srv/comfyui/comfyui.env
    ui: comfyui
    memory_mode: normalvram
    flags:
      listen: 127.0.0.1
      fast: []
    validate_with: /srv/comfyui/ComfyUI/comfy/cli_args.py

- name: A1111 with a Lora folder, checked against its arguments and its built-in extensions'
  vramfree.webui.webui_flags:
    path: /home/sd/stable-diffusion-webui/webui-user.sh
    flags:
      lora-dir: /srv/models/Lora
    validate_with:
      - /home/sd/stable-diffusion-webui/modules/cmd_args.py
      - /home/sd/stable-diffusion-webui/extensions-builtin/*/preload.py
"""

RETURN = r"""
args:
  description: The arguments the web UI will see, values of secret flags masked.
  returned: success
  type: list
  elements: str
  sample: ["--xformers", "--port", "7860", "--gradio-auth", "********"]
added:
  description: Flags added or given a new value, each with its values.
  returned: success
  type: list
  elements: str
  sample: ["--port 7861"]
removed:
  description: Flags removed or whose old value was replaced, each with its values.
  returned: success
  type: list
  elements: str
  sample: ["--lowvram", "--port 7860"]
command_line:
  description: The arguments as one shell-quoted line, values of secret flags masked.
  returned: success
  type: str
  sample: "--xformers --port 7860 --gradio-auth ********"
backup_file:
  description: The copy made before the change.
  returned: changed and O(backup=true)
  type: str
  sample: /home/sd/stable-diffusion-webui/webui-user.sh.12345.2026-01-01@10:00:00~
path:
  description: The file edited.
  returned: success
  type: str
  sample: /home/sd/stable-diffusion-webui/webui-user.sh
msg:
  description: What happened.
  returned: success
  type: str
  sample: COMMANDLINE_ARGS changed on line 14
"""

import glob
import os
import re
import tempfile
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.module_utils import _flag_editor, _launch_args


def _display(text):
    """Text for the result: bytes that were not UTF-8 shown as U+FFFD, never as lone surrogates."""
    return text.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')


def _definition_files(module, entries):
    """The files ``validate_with`` names: a path as given, a pattern (``*``, ``?``, ``[``)
    as the files it matches, so one entry covers every extension's preload.py."""
    files = []
    for entry in entries:
        if any(char in entry for char in '*?['):
            files.extend(sorted(glob.glob(entry)))
        else:
            files.append(entry)
    if not files:
        # Nothing to compare with would refuse every flag; that is a wrong path, not a verdict.
        module.fail_json(
            msg="validate_with: no file matches %s; give the files that define the installed web UI's "
            'arguments (for A1111: modules/cmd_args.py)' % ', '.join(entries)
        )
    return files


def _validate(module, args_text, ui, entries):
    accepted = set()
    for path in _definition_files(module, entries):
        try:
            with open(path, 'rb') as source:
                accepted |= catalog.defined_flags(source.read().decode('utf-8', 'replace'))
        except OSError as exc:
            module.fail_json(msg='validate_with: cannot read %s: %s' % (path, exc))
    names = [flag for flag, _values, _inline in _launch_args.parse_args(args_text, ui) if flag]
    unknown = catalog.unknown_flags(names, accepted)
    if unknown:
        module.fail_json(
            msg='%s not defined by %s: the web UI would refuse to start; the file was left as it was'
            % (', '.join(unknown), ', '.join(entries)),
            unknown_flags=unknown,
        )


def _default_on_warnings(flags, ui):
    """Warnings for switches asked off that the UI turns on without the flag."""
    entry = catalog.CATALOG[ui]
    warnings = []
    for name, value in flags.items():
        flag = _flag_editor.normalize_flag(name, ui)
        if flag not in entry['default_on'] or _flag_editor.flag_value(flag, value, ui) is not False:
            continue
        variable = entry['default_on'][flag]
        warnings.append(
            '%s turns %s on without the flag: removing it changes nothing; %s=1 in its environment turns it off'
            % (entry['name'], flag, variable)
            if variable
            else '%s turns %s on without the flag: removing it changes nothing, it always serves its API'
            % (entry['name'], flag)
        )
    return warnings


def _environment_assignment(fmt, variable):
    if fmt == 'sh':
        # Only an exported variable reaches the web UI's process.
        return re.compile(r'^[ \t]*export[ \t]+%s=(.*)$' % variable)
    if fmt == 'bat':
        return re.compile(r'^[ \t]*@?(?i:set)[ \t]+"?%s=(.*?)"?[ \t]*$' % variable)
    return re.compile(r'^[ \t]*%s=(.*)$' % variable)


def _environment_warnings(text, fmt, ui, memory_mode):
    """Warnings for lines of the file that set a memory flag through the environment,
    which the UI reads whatever COMMANDLINE_ARGS says (SD.Next's SD_MEDVRAM, SD_LOWVRAM)."""
    if memory_mode == 'keep' or memory_mode not in catalog.memory_modes(ui):
        return []
    target = catalog.memory_flag(ui, memory_mode)
    warnings = []
    for flag, variable in catalog.CATALOG[ui]['environment_defaults'].items():
        if flag == target:
            continue
        pattern = _environment_assignment(fmt, variable)
        for number, line in enumerate(text.splitlines(), 1):
            match = pattern.match(line)
            # Any value but an empty one turns the flag on.
            if match and match.group(1).strip().strip('"\'').strip():
                warnings.append(
                    'line %d sets %s, which %s reads as %s: memory mode %s still runs with it; remove that line'
                    % (number, variable, catalog.CATALOG[ui]['name'], flag, memory_mode)
                )
    return warnings


def _temporary(directory, target, data):
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(target), dir=directory)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)
    return tmp


def _write(module, target, data):
    directory = os.path.dirname(target) or '.'
    try:
        tmp = _temporary(directory, target, data)
    except OSError as exc:
        if not module.params['unsafe_writes']:
            module.fail_json(
                msg='cannot write a temporary file in %s: %s' % (directory, exc), exception=traceback.format_exc()
            )
        # atomic_move falls back to writing the file in place when unsafe_writes allows it;
        # it only needs the new content somewhere it can read.
        tmp = _temporary(module.tmpdir, target, data)
    # A move that fails ends the module through fail_json, which removes what is
    # registered here: no stray .webui-user.sh.* is left next to the user's script.
    module.add_cleanup_file(tmp)
    module.atomic_move(tmp, target, unsafe_writes=module.params['unsafe_writes'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True, aliases=['dest']),
            format=dict(type='str', default='auto', choices=['auto', 'sh', 'bat', 'env']),
            flags=dict(type='dict', default={}),
            memory_mode=dict(type='str', default='keep', choices=['keep'] + catalog.all_memory_mode_names()),
            ui=dict(type='str', default='a1111', choices=list(catalog.UIS)),
            create=dict(type='bool', default=True),
            follow=dict(type='bool', default=True),
            backup=dict(type='bool', default=False),
            validate_with=dict(type='list', elements='path'),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    path = module.params['path']
    flags = module.params['flags'] or {}
    ui = module.params['ui']
    module.no_log_values.update(_launch_args.flag_secrets(flags))

    if not module.params['follow'] and os.path.islink(path):
        module.fail_json(
            msg='%s is a symbolic link (to %s) and follow is false: the link was left as it was. '
            'Replace it with the launch script itself' % (path, os.readlink(path))
        )
    if os.path.isdir(path):
        module.fail_json(msg='%s is a directory, not a launch script' % path)
    target = os.path.realpath(path) if module.params['follow'] else os.path.abspath(path)
    fmt = module.params['format']
    if fmt == 'auto':
        # The name the user gave says what the file is; a link's target may be any name.
        fmt = _launch_args.detect_format(path)
    exists = os.path.exists(target)
    if not exists and not module.params['create']:
        module.fail_json(msg='%s does not exist and create is false' % path)
    if not exists and not os.path.isdir(os.path.dirname(target) or '.'):
        module.fail_json(msg='%s cannot be created: the directory %s does not exist' % (path, os.path.dirname(target)))

    before = b''
    if exists:
        with open(target, 'rb') as handle:
            before = handle.read()
    # surrogateescape carries bytes that are not UTF-8 through the edit unchanged.
    text = before.decode('utf-8', 'surrogateescape')
    try:
        result = _launch_args.edit_text(
            text, fmt, ui=ui, flags=flags, memory_mode=module.params['memory_mode'], create=module.params['create']
        )
    except _launch_args.LaunchArgsError as exc:
        module.fail_json(msg='%s: %s; the file was left as it was' % (path, exc))
    module.no_log_values.update(result.secrets)
    warnings = list(result.warnings)
    warnings.extend(_default_on_warnings(flags, ui))
    warnings.extend(_environment_warnings(text, fmt, ui, module.params['memory_mode']))
    for warning in warnings:
        module.warn(warning)

    if module.params['validate_with']:
        _validate(module, result.value_after, ui, module.params['validate_with'])

    results = dict(
        changed=result.changed,
        path=path,
        args=[_display(a) for a in _launch_args.mask_args(result.args_after, ui)],
        added=[_display(a) for a in result.added],
        removed=[_display(a) for a in result.removed],
        command_line=_display(_launch_args.command_line(result.args_after, ui)),
        msg=('COMMANDLINE_ARGS changed on line %d' % result.line_no)
        if result.changed
        else 'COMMANDLINE_ARGS already as asked',
    )
    if module._diff:
        results['diff'] = dict(
            before=_display(_launch_args.mask_text(text, fmt, ui)),
            after=_display(_launch_args.mask_text(result.text, fmt, ui)),
            before_header='%s (content)' % path,
            after_header='%s (content)' % path,
        )

    if result.changed and not module.check_mode:
        if module.params['backup'] and exists:
            results['backup_file'] = module.backup_local(target)
        _write(module, target, result.text.encode('utf-8', 'surrogateescape'))

    if os.path.exists(target):
        # In check mode this changes nothing and only says whether mode or owner would
        # change, so check mode reports what the real run does.
        file_args = module.load_file_common_arguments(module.params, path=target)
        results['changed'] = module.set_fs_attributes_if_different(file_args, results['changed'])

    module.exit_json(**results)


if __name__ == '__main__':
    main()
