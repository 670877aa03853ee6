"""The benchmark_trials action as a shell: which modules it runs, as whom, under --check,
and that the API's login and the web UI's secrets stay out of what it returns."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.playbook.task import Task

from ansible_collections.vramfree.webui.plugins.action import benchmark_report as report_action
from ansible_collections.vramfree.webui.plugins.action import benchmark_trials as trials_action

AUTH = "sd:hunter2-api-secret"
FLAGS = {"api": True, "api-auth": AUTH}
CMD_FLAGS = {"lowvram": True, "medvram": False, "medvram_sdxl": False, "api_auth": AUTH}


class Become:
    def __init__(self):
        self.options = {"become_user": "root"}

    def get_option(self, name):
        return self.options[name]

    def set_option(self, name, value):
        self.options[name] = value


class Host:
    """What the modules would do on a host with the stand-in web UI."""

    def __init__(self, become, oom=(), mode="lowvram"):
        self.become, self.oom, self.mode = become, set(oom), mode
        self.calls = []
        self.file_mode = mode

    def __call__(self, module_name, module_args, task_vars):
        self.calls.append((module_name, dict(module_args), self.become.options["become_user"]))
        if module_name == "vramfree.webui.webui_flags":
            changed = module_args["memory_mode"] != self.file_mode
            diff = {"before": "--" + self.file_mode, "after": "--" + module_args["memory_mode"]}
            self.file_mode = module_args["memory_mode"]
            return {"changed": changed, "diff": diff, "invocation": {"module_args": module_args}}
        argv = module_args["argv"]
        assert argv[0] == "timeout" and int(argv[1]) > 0
        if argv[2] == "systemctl":
            if argv[3] == "restart":
                self.mode = self.file_mode
            return {"rc": 0, "stdout": "", "invocation": {"module_args": module_args}}
        if argv[2] == "journalctl":
            return {"rc": 0, "stdout_lines": ["Launching with --api-auth %s" % AUTH]}
        order = json.loads(module_args["stdin"])
        assert order["auth"] == AUTH
        if order["action"] in ("get", "wait"):
            answer = {"status": 200, "elapsed_s": 0.1, "body": dict(CMD_FLAGS, lowvram=self.mode == "lowvram")}
        elif self.mode in self.oom:
            answer = {
                "status": 500,
                "elapsed_s": 0.5,
                "body": {"error": "OutOfMemoryError", "errors": "CUDA out of memory."},
            }
        else:
            answer = {"status": 200, "elapsed_s": 4.0, "body": {"images": 1, "simulated": True}}
        return {"rc": 0, "stdout": json.dumps(answer), "invocation": {"module_args": module_args}}


def action(module, args, check_mode=False):
    task = Task()
    task.args = args
    task.check_mode = check_mode
    connection = mock.Mock()
    connection.become = Become()
    del connection._put_connection
    plugin = module.ActionModule(task, connection, mock.Mock(), mock.Mock(), mock.Mock(), mock.Mock())
    host = Host(connection.become)
    host.check_modes = []

    def execute(module_name, module_args, task_vars):
        host.check_modes.append(plugin._task.check_mode)
        return host(module_name, module_args, task_vars)

    plugin._execute_module = mock.Mock(side_effect=execute)
    return plugin, host


BASE = {
    "auth": AUTH,
    "api_script": "print(1)",
    "launch_file": "/home/sd/stable-diffusion-webui/webui-user.sh",
    "flags": FLAGS,
    "request": {"steps": 20, "width": 512, "height": 512},
    "gpus": [{"index": 0, "name": "GTX 970", "uuid": "GPU-1", "memory_free_mib": 3329}],
    "gpu_index": 0,
    "mode_before": "lowvram",
}


def test_probe_returns_the_verdict_only_and_asks_also_under_check_mode():
    plugin, host = action(trials_action, {"state": "probe", "auth": AUTH, "api_script": "x"}, True)
    result = plugin.run(task_vars={})
    assert (result["benchmarkable"], result["mode"], result["changed"]) == (True, "lowvram", False)
    assert result["url"] == "http://127.0.0.1:7860/"
    assert AUTH not in json.dumps(result)
    [(name, args, _user)] = host.calls
    assert name == "ansible.legacy.command" and args["argv"][2:4] == ["python3", "-c"]
    # The order, the login with it, goes on stdin, not on the command line.
    assert AUTH not in " ".join(args["argv"]) and AUTH in args["stdin"]
    # Run as if not under --check (the command module would skip), and put back after.
    assert host.check_modes == [False]
    assert plugin._task.check_mode is True


def test_probe_of_a_ui_without_the_api_asks_nothing():
    plugin, host = action(trials_action, {"state": "probe", "ui": "comfyui", "api_script": "x"})
    result = plugin.run(task_vars={})
    assert result["benchmarkable"] is False and host.calls == []


@pytest.mark.parametrize(
    "listen, port, asked",
    [
        ("0.0.0.0", 7860, "http://127.0.0.1:7860/sdapi/v1/cmd-flags"),
        ("::1", 7861, "http://[::1]:7861/sdapi/v1/cmd-flags"),
    ],
)
def test_the_api_is_asked_where_the_ui_binds_on_the_host(listen, port, asked):
    plugin, host = action(
        trials_action, {"state": "probe", "listen": listen, "port": port, "auth": AUTH, "api_script": "x"}
    )
    plugin.run(task_vars={})
    [(_name, args, _user)] = host.calls
    assert json.loads(args["stdin"])["url"] == asked


def test_autotune_edits_the_launch_file_as_the_web_uis_user_and_the_rest_as_root():
    plugin, host = action(trials_action, dict(BASE, compare=True, autotune=True))
    host.oom = {"none"}
    result = plugin.run(task_vars={})
    assert [(t["phase"], t["mode"], t["ok"]) for t in result["trials"]] == [
        ("before", "lowvram", True),
        ("autotune", "none", False),
        ("autotune", "medvram", True),
    ]
    assert result["changed"] is True and result["chosen"] == "medvram" and result["written_back"] is True
    assert result["memory"]["out_of_memory"] == {"none": 3329} and result["problem"] is None
    users = {(name, user) for name, _args, user in host.calls}
    assert ("vramfree.webui.webui_flags", "sd") in users
    assert {user for name, user in users if name != "vramfree.webui.webui_flags"} == {"root"}
    assert plugin._connection.become.options["become_user"] == "root"
    # The launch file's changes, for --diff: to none, to medvram; leaving it on medvram changed nothing.
    assert result["diffs"] == [{"before": "--lowvram", "after": "--none"}, {"before": "--none", "after": "--medvram"}]
    # The start counter is reset before each restart.
    systemctl = [args["argv"][2:4] for name, args, _u in host.calls if args.get("argv", [None] * 3)[2] == "systemctl"]
    assert systemctl == [["systemctl", "reset-failed"], ["systemctl", "restart"]] * 2
    assert AUTH not in json.dumps(result)


def test_check_mode_makes_no_change_and_tries_no_other_mode():
    plugin, host = action(trials_action, dict(BASE, compare=True, autotune=True, planned_mode="none"), True)
    result = plugin.run(task_vars={})
    assert [(t["phase"], t["mode"]) for t in result["trials"]] == [("before", "lowvram")]
    assert result["changed"] is False and result["memory"] is None and result["left_on"] is None
    assert {name for name, _a, _u in host.calls} == {"ansible.legacy.command"}
    assert not any("systemctl" in args["argv"] for _n, args, _u in host.calls)


def test_a_ui_that_does_not_come_back_has_its_log_masked_in_the_trial_and_the_problem():
    plugin, host = action(trials_action, dict(BASE, autotune=True, modes=["none"]))
    real = host.__call__

    def never_up(module_name, module_args, task_vars):
        result = real(module_name, module_args, task_vars)
        if module_args.get("stdin") and json.loads(module_args["stdin"])["action"] == "wait":
            return dict(result, stdout=json.dumps({"status": -1, "error": "refused"}))
        return result

    plugin._execute_module.side_effect = never_up
    result = plugin.run(task_vars={})
    assert result["up"] is False and "did not answer" in result["problem"]
    assert "hunter2" not in json.dumps(result) and "********" in result["problem"]


def test_a_command_that_fails_fails_the_action_with_what_was_measured():
    plugin, host = action(trials_action, dict(BASE, autotune=True, modes=["none", "medvram"]))
    real = host.__call__

    def refused(module_name, module_args, task_vars):
        if module_args.get("argv", [None] * 4)[2:4] == ["systemctl", "restart"]:
            return {"rc": 1, "stderr": "Job for webui.service failed.", "failed": True, "msg": "non-zero return code"}
        return real(module_name, module_args, task_vars)

    plugin._execute_module.side_effect = refused
    result = plugin.run(task_vars={})
    assert result["failed"] is True
    assert result["msg"] == "systemctl restart webui.service (rc 1): Job for webui.service failed."
    assert "memory" not in result and result["trials"] == []


def test_bad_arguments_fail_with_the_reason():
    plugin, _host = action(trials_action, dict(BASE, modes=["turbo"]))
    with pytest.raises(AnsibleActionFail, match="no memory mode 'turbo'"):
        plugin.run(task_vars={})
    plugin, _host = action(trials_action, {k: v for k, v in BASE.items() if k != "mode_before"})
    with pytest.raises(AnsibleActionFail, match="mode_before"):
        plugin.run(task_vars={})


def test_the_report_action_builds_json_markdown_and_table():
    record = {"benchmarkable": False, "reason": "no --api", "ui": "a1111", "trials": []}
    plugin, host = action(report_action, {"records": {"b": record, "a": None}, "request": {"steps": 20}})
    result = plugin.run(task_vars={})
    assert list(result["report"]["hosts"]) == ["a", "b"] and result["report"]["failed"] == ["a"]
    assert result["markdown"].startswith("# Web UI benchmark") and result["table"][0].startswith("HOST")
    assert host.calls == []
