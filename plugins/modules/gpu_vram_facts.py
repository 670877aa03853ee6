#!/usr/bin/python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: gpu_vram_facts
short_description: Gather VRAM facts of NVIDIA and AMD GPUs, with the processes holding it
version_added: 0.1.0
description:
  - Reports, for each GPU of the host, its total, used, free and driver-reserved video
    memory in MiB, whether a display is active on it, and which processes hold VRAM
    (where the card and driver can list them).
  - Figures come from the device's own counters, never from summing process figures.
  - Backends, in the order C(auto) tries them, are NVML (through the C(pynvml) module of
    C(nvidia-ml-py), one initialisation per run), C(nvidia-smi) run with C(LC_ALL=C), and
    the amdgpu counters under C(/sys/class/drm/card*/device/mem_info_vram_*).
  - A process listed as both graphics and compute appears once, with type C(compute).
  - A GPU that fails while being read (for example NVML's C(GPU is lost)) is reported with
    an C(error) key and a warning; the other GPUs are still reported.
  - The same holds for a figure C(nvidia-smi) prints but cannot read (C([Unknown Error]),
    C([Insufficient Permissions]), C([GPU requires reset])); a line of its output that is
    not a GPU row, such as a driver warning, is skipped with a warning.
  - Bytes that are not UTF-8 in process names are replaced by U+FFFD.
author:
  - vramfree.webui contributors (@vramfree)
requirements:
  - nvidia-ml-py (the C(pynvml) module) for O(backend=nvml); without it O(backend=auto) uses
    the other backends.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
    details: The module only reads; it does the same in check mode.
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: posix
options:
  backend:
    description:
      - Where to read the figures from.
      - V(auto) tries V(nvml), then V(nvidia_smi), then V(sysfs), and uses the first that
        finds a GPU.
      - V(nvml) fails when the C(pynvml) module is missing.
    type: str
    choices: [auto, nvml, nvidia_smi, sysfs]
    default: auto
  required:
    description:
      - What to do when no GPU is found.
      - V(false) returns facts with C(backend=none), an empty C(gpus) list and a warning.
      - V(true) fails, saying which backends were tried and why each could not be used.
    type: bool
    default: false
  command_timeout:
    description:
      - Seconds each command the module runs (C(nvidia-smi)) may take.
      - A command still running then is killed with the processes it started, and the
        module says which command it was; C(nvidia-smi) hangs this way on a wedged driver.
      - When the device query times out the backend counts as failed (see O(required));
        when only the process list times out, the GPUs are reported without processes
        and a warning.
    type: int
    default: 20
notes:
  - Old GeForce cards and drivers cannot list processes (C(Not Supported)); their GPUs are
    reported with C(processes_supported=false) and an empty list, and the memory figures are still exact.
  - Drivers of the 470 branch have no memory v2 query, so C(memory_reserved_mib) is null
    and C(memory_used_mib) includes the driver's reservation.
  - AMD cards are read from sysfs, which has no process list.
seealso:
  - name: NVML API reference
    description: The device queries the nvml backend uses.
    link: https://docs.nvidia.com/deploy/nvml-api/
"""

EXAMPLES = r"""
- name: Gather VRAM facts
  vramfree.webui.gpu_vram_facts:

- name: Show what the desktop holds on the first GPU
  ansible.builtin.debug:
    msg: >-
      {{ ansible_facts.gpu_vram.gpus[0].memory_used_mib }} MiB used by
      {{ ansible_facts.gpu_vram.gpus[0].processes | map(attribute='name') | join(', ') }}

- name: Fail on a host that should have a GPU but shows none
  vramfree.webui.gpu_vram_facts:
    required: true

- name: Read through nvidia-smi even where nvidia-ml-py is installed
  vramfree.webui.gpu_vram_facts:
    backend: nvidia_smi
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to ansible_facts.
  returned: always
  type: dict
  contains:
    gpu_vram:
      description: VRAM of the host's GPUs.
      returned: always
      type: dict
      contains:
        backend:
          description: The backend that produced the figures; V(none) when no GPU was found.
          returned: always
          type: str
          sample: nvml
        driver_version:
          description: Version of the GPU driver, null where unknown.
          returned: always
          type: str
          sample: 535.247.01
        gpus:
          description: One entry per GPU, in the driver's index order.
          returned: always
          type: list
          elements: dict
          contains:
            index:
              description: The driver's index of the GPU.
              type: int
              returned: always
              sample: 0
            vendor:
              description: V(nvidia) or V(amd).
              type: str
              returned: always
              sample: nvidia
            name:
              description: Product name.
              type: str
              returned: always
              sample: NVIDIA GeForce GTX 970
            uuid:
              description: The GPU's UUID; null where the backend has none (AMD).
              type: str
              returned: always
              sample: GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813
            pci_bus_id:
              description: PCI address of the GPU; null where unknown.
              type: str
              returned: always
              sample: 00000000:01:00.0
            memory_total_mib:
              description: Total VRAM in MiB.
              type: int
              returned: always
              sample: 4096
            memory_used_mib:
              description: VRAM in use in MiB (without the driver's reservation where
                C(memory_reserved_mib) is known).
              type: int
              returned: always
              sample: 701
            memory_free_mib:
              description: VRAM free in MiB.
              type: int
              returned: always
              sample: 3329
            memory_reserved_mib:
              description: VRAM the driver reserves, in MiB; null where the driver cannot tell.
              type: int
              returned: always
              sample: 66
            display_active:
              description: Whether a display is active on the GPU; null where unknown.
              type: bool
              returned: always
              sample: true
            persistence_mode:
              description: Whether persistence mode is on; null where unknown.
              type: bool
              returned: always
              sample: false
            processes_supported:
              description: Whether the card and driver can list the processes holding VRAM.
              type: bool
              returned: always
              sample: true
            processes:
              description: Processes holding VRAM on this GPU, in pid order.
              type: list
              elements: dict
              returned: always
              contains:
                pid:
                  description: Process id.
                  type: int
                  returned: always
                  sample: 1201
                name:
                  description: Process name (path where the driver gives one), V(unknown)
                    where it cannot be found.
                  type: str
                  returned: always
                  sample: /usr/lib/xorg/Xorg
                type:
                  description: V(graphics) or V(compute); a process that is both is V(compute).
                  type: str
                  returned: always
                  sample: graphics
                used_memory_mib:
                  description: VRAM the process holds in MiB; null where the driver cannot tell.
                  type: int
                  returned: always
                  sample: 431
                unit:
                  description:
                    - The systemd unit the process runs in, read from C(/proc/PID/cgroup); null where
                      it cannot be read (the process ended, or runs in another PID namespace).
                    - Tells the web UI's own VRAM (C(webui.service)) from the desktop's.
                  type: str
                  returned: always
                  sample: display-manager.service
            error:
              description: Why this GPU could not be read; its figures are then null.
              type: str
              returned: when the GPU failed
              sample: GPU is lost
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vramfree.webui.plugins.module_utils import _gpu, _vram_measure


def main():
    module = AnsibleModule(
        argument_spec=dict(
            backend=dict(type="str", default="auto", choices=["auto", "nvml", "nvidia_smi", "sysfs"]),
            required=dict(type="bool", default=False),
            command_timeout=dict(type="int", default=20),
        ),
        supports_check_mode=True,
    )
    backend = module.params["backend"]
    if module.params["command_timeout"] <= 0:
        module.fail_json(
            msg="command_timeout must be a number of seconds above 0, got %d" % module.params["command_timeout"]
        )
    if backend == "nvml" and _vram_measure.pynvml is None:
        module.fail_json(msg=missing_required_lib("nvidia-ml-py"), exception=_vram_measure.PYNVML_IMPORT_ERROR)

    facts, warnings, failures = _vram_measure.measure(module, backend, module.params["command_timeout"])
    for warning in warnings:
        module.warn(warning)
    if facts["backend"] == "none":
        message = "No GPU found (tried %s)" % _gpu.describe_failures(failures)
        if module.params["required"]:
            module.fail_json(msg=message, ansible_facts={"gpu_vram": facts})
        module.warn(message)
    module.exit_json(changed=False, ansible_facts={"gpu_vram": facts})


if __name__ == "__main__":
    main()
