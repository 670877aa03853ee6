# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller's half of site's converged path: what counts as a difference."""

from __future__ import annotations

import copy
import shutil

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils import _converged, _webui_plan

# A GTX 970 with the desktop stopped and the web UI's own process on it (from the
# recorded nvidia-smi answers of the test profiles).
GPU_VRAM = {
    'backend': 'nvml',
    'gpus': [
        {
            'index': 0,
            'uuid': 'GPU-4f8e2a5c',
            'name': 'NVIDIA GeForce GTX 970',
            'memory_total_mib': 4096,
            'memory_used_mib': 2900,
            'memory_free_mib': 1130,
            'display_active': False,
            'processes_supported': True,
            'processes': [
                {'pid': 900, 'name': 'python3', 'used_memory_mib': 2834, 'type': 'compute', 'unit': 'webui.service'}
            ],
        }
    ],
}
REQUEST = {'ui': 'a1111', 'gpu': 'auto', 'ignore_units': ['webui.service'], 'model': 'sd15', 'memory_mode': 'auto'}
OBSERVED = {
    'paths': {'/etc/systemd/system': 'aaa', '/etc/vramfree': 'missing'},
    'state_file': 'sss',
    'units': {'webui.service': 'loaded/active/enabled', 'display-manager.service': 'loaded/inactive/enabled'},
    'default_target': 'graphical.target',
    'firewalls': {'ufw': 'rc=0 fff'},
    'user': '1000:1000 groups=1000 home=/home/sd shell=/bin/bash',
    'user_paths': {'/home/sd/stable-diffusion-webui/webui-user.sh': 'uuu'},
    'probe': 'HTTP/1.1 200 OK',
}


def planned(gpu_vram=None, **extra):
    return _webui_plan.plan_from_request(dict(REQUEST, **extra), gpu_vram or GPU_VRAM)


def stored(**changes):
    record = {
        'request_digest': 'd1',
        'observed': copy.deepcopy(OBSERVED),
        'plan': {
            'request': REQUEST,
            'decision': _converged.decision(planned()),
            'holders': _converged.gpu_holders(GPU_VRAM, ['webui.service']),
        },
        'facts': {'webui_result': {'memory_mode': 'medvram', 'memory_reason': 'old', 'free_mib': 1}},
    }
    record.update(changes)
    return record


def reasons(record=None, observed=None, gpu_vram=None, digest='d1'):
    gpu_vram = gpu_vram or GPU_VRAM
    return _converged.compare(
        stored() if record is None else record,
        digest,
        OBSERVED if observed is None else observed,
        _converged.gpu_holders(gpu_vram, ['webui.service']),
        _converged.decision(planned(gpu_vram)),
    )


def test_the_same_host_request_and_plan_is_converged():
    assert reasons() == []


@pytest.mark.parametrize(
    'record, digest, expected',
    [
        (None, 'd1', 'no run has converged this host yet'),
        ({'unreadable': 'Expecting value'}, 'd1', 'the record is unreadable (Expecting value)'),
        ('stored', 'd2', 'the request changed'),
    ],
)
def test_no_record_an_unreadable_one_or_another_request_runs_the_roles(record, digest, expected):
    record = stored() if record == 'stored' else record
    found = _converged.compare(record, digest, OBSERVED, [], {})
    assert len(found) == 1 and found[0].startswith(expected)


@pytest.mark.parametrize(
    'path, value, expected',
    [
        (('paths', '/etc/systemd/system'), 'bbb', "root's files changed: /etc/systemd/system"),
        (('state_file',), 'ttt', 'the state file changed'),
        (('units', 'webui.service'), 'loaded/failed/enabled', 'webui.service is loaded/failed/enabled'),
        (('units', 'display-manager.service'), 'loaded/active/enabled', 'display-manager.service is loaded/active'),
        (('default_target',), 'multi-user.target', 'the default target is multi-user.target'),
        (('firewalls', 'ufw'), 'rc=0 ggg', 'the rules of ufw changed'),
        (('user',), '1000:1000 groups=1000,27 home=/home/sd shell=/bin/bash', "the web UI's user changed"),
        (
            ('user_paths', '/home/sd/stable-diffusion-webui/webui-user.sh'),
            'vvv',
            "the web UI's user's files changed: /home/sd/stable-diffusion-webui/webui-user.sh",
        ),
        (('probe',), 'error: [Errno 111] Connection refused', 'the web UI does not answer its probe'),
        (('probe',), 'HTTP/1.1 502 Bad Gateway', 'the web UI does not answer its probe'),
    ],
)
def test_each_difference_on_the_host_is_named(path, value, expected):
    observed = copy.deepcopy(OBSERVED)
    target = observed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    found = reasons(observed=observed)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_a_user_file_that_appeared_is_a_difference():
    observed = copy.deepcopy(OBSERVED)
    observed['user_paths']['/home/sd/stable-diffusion-webui/.git/HEAD'] = 'hhh'
    assert reasons(observed=observed) == [
        "the web UI's user's files changed: /home/sd/stable-diffusion-webui/.git/HEAD"
    ]


def test_a_few_mib_more_or_less_free_is_no_difference_but_another_mode_is():
    gpu_vram = copy.deepcopy(GPU_VRAM)
    gpu_vram['gpus'][0]['memory_free_mib'] -= 3
    gpu_vram['gpus'][0]['memory_used_mib'] += 3
    assert reasons(gpu_vram=gpu_vram) == []
    # The reason's words quote the free MiB: not part of the decision.
    assert planned(gpu_vram)['memory']['reason'] != planned()['memory']['reason']
    # A driver that now keeps 2 GiB for itself: the same holders, less free.
    smaller = copy.deepcopy(GPU_VRAM)
    smaller['gpus'][0]['processes'][0]['used_memory_mib'] = 834
    assert planned(smaller)['memory']['mode'] != planned()['memory']['mode']
    assert reasons(gpu_vram=smaller) == ['the plan from the VRAM free now differs']


def test_a_new_holder_of_vram_is_a_difference_the_web_uis_own_are_not():
    gpu_vram = copy.deepcopy(GPU_VRAM)
    gpu_vram['gpus'][0]['processes'].append(
        {'pid': 700, 'name': '/usr/lib/xorg/Xorg', 'used_memory_mib': 3, 'type': 'graphics', 'unit': 'gdm.service'}
    )
    assert 'the processes on the GPUs changed' in reasons(gpu_vram=gpu_vram)
    restarted = copy.deepcopy(GPU_VRAM)
    restarted['gpus'][0]['processes'][0]['pid'] = 1234
    assert reasons(gpu_vram=restarted) == []


def test_a_swapped_gpu_is_a_difference():
    gpu_vram = copy.deepcopy(GPU_VRAM)
    gpu_vram['gpus'][0]['uuid'] = 'GPU-00000000'
    assert 'the processes on the GPUs changed' in reasons(gpu_vram=gpu_vram)


def test_the_facts_keep_the_record_with_the_memory_plan_made_now():
    now = planned()
    facts = _converged.facts(stored(), now)
    assert facts['webui_result']['memory_mode'] == 'medvram'
    assert facts['webui_result']['memory_reason'] == now['memory']['reason']
    assert facts['webui_result']['free_mib'] == now['memory']['free_mib']
    # The record itself is left as it was.
    assert stored()['facts']['webui_result']['memory_reason'] == 'old'


def test_unit_active_reads_the_active_state():
    assert _converged.unit_active(OBSERVED, 'webui.service') is True
    assert _converged.unit_active(OBSERVED, 'display-manager.service') is False
    assert _converged.unit_active(OBSERVED, 'other.service') is False


def test_the_request_names_are_the_roles_options_and_sites():
    names = _converged.request_names()
    for name in ('webui_port', 'webui_flags', 'webui_ui', 'proxy_kind', 'proxy_allow', 'headless_persist'):
        assert name in names
    for name in _converged.SITE_NAMES:
        assert name in names
    # Outputs of the roles are not requests.
    for name in ('webui_result', 'proxy_result', 'webui_vram', 'vramfree_report_dir'):
        assert name not in names


def test_the_request_digest_follows_the_values_and_the_code(tmp_path):
    assert _converged.request_digest({'webui_port': 7860}, 'c') == _converged.request_digest({'webui_port': 7860}, 'c')
    assert _converged.request_digest({'webui_port': 7860}, 'c') != _converged.request_digest({'webui_port': 7861}, 'c')
    assert _converged.request_digest({'webui_port': 7860}, 'c') != _converged.request_digest({'webui_port': 7860}, 'd')
    root = tmp_path / 'collection'
    shutil.copytree(_converged.collection_root() + '/roles', str(root / 'roles'))
    (root / 'plugins').mkdir()
    (root / 'playbooks').mkdir()
    first = _converged.code_digest(str(root))
    assert _converged.code_digest(str(root)) == first
    defaults = root / 'roles' / 'webui' / 'defaults' / 'main.yml'
    defaults.write_text(defaults.read_text() + '\n# an edited default\n')
    _converged._CODE.clear()  # pylint: disable=protected-access
    assert _converged.code_digest(str(root)) != first


def test_only_a_run_of_the_whole_job_is_recorded():
    tags = _converged.collection_tags()
    for tag in ('webui', 'webui_configure', 'proxy', 'proxy_firewall', 'headless', 'headless_stop'):
        assert tag in tags
    assert _converged.partial_run(['all'], []) is None
    # Tags the collection does not use, as molecule's converge skips, leave the job whole.
    assert _converged.partial_run(['all'], ['molecule-notest', 'notest']) is None
    assert _converged.partial_run(['webui'], []) == 'the run was limited to the tags webui'
    assert _converged.partial_run(['all'], ['notest', 'proxy_firewall']) == 'the run skipped the tags proxy_firewall'
    assert _converged.partial_run(['all'], ['always']) == 'the run skipped the tags always'
