"""The benchmark_trials action as a shell: which modules it runs, as whom, under --check,
and that the API's login and the web UI's secrets stay out of what it returns."""

from __future__ import annotations

import base64
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


# The LLM servers (profile api ollama / openai) ------------------------------------------

KEY = "sk-llama-secret"
UNIT_FILE = "/etc/systemd/system/llamacpp.service"
UNIT = (
    "[Service]\nUser=llama\n"
    'ExecStart="/usr/local/bin/llama-server" --model /srv/m.gguf --host 127.0.0.1 --port 8080 '
    "--ctx-size 4096 --n-gpu-layers 20 --api-key-file /etc/vramfree/llamacpp.service/api-key\nRestart=always\n"
)
MODEL_INFO = {"name": "tiny", "block_count": 32, "file_size_mib": 4000}


class Server:
    """What the modules would do on a host with llama-server, where up to ``fits`` GPU
    layers load."""

    def __init__(self, fits=22):
        self.fits = fits
        self.unit = UNIT
        self.running = 20
        self.calls = []

    def layers(self):
        return int(self.unit.split("--n-gpu-layers ")[1].split()[0])

    def __call__(self, module_name, module_args, task_vars):
        self.calls.append((module_name, dict(module_args)))
        if module_name == "ansible.legacy.slurp":
            assert module_args["src"] == UNIT_FILE
            return {"content": base64.b64encode(self.unit.encode()).decode()}
        if module_name == "ansible.legacy.lineinfile":
            assert module_args["path"] == UNIT_FILE and module_args["line"].startswith("ExecStart=")
            lines = [module_args["line"] if line.startswith("ExecStart=") else line for line in self.unit.split("\n")]
            new = "\n".join(lines)
            changed, self.unit = new != self.unit, new
            return {"changed": changed, "diff": {"before": "x", "after": "y"}}
        argv = module_args["argv"]
        if argv[2] == "systemctl":
            if argv[3] == "restart":
                self.running = self.layers()
            return {"rc": 0, "stdout": ""}
        if argv[2] == "journalctl":
            return {"rc": 0, "stdout_lines": ["cudaMalloc failed: out of memory", "key " + KEY]}
        order = json.loads(module_args["stdin"])
        # The key travels on stdin, never on the command line.
        assert order["bearer"] == KEY and KEY not in " ".join(argv)
        up = self.running <= self.fits
        if order["action"] == "wait":
            answer = {"status": 200 if up else -1, "error": None if up else "refused"}
        elif order["action"] == "get":
            answer = {"status": 200, "body": {"total_slots": 1}}
        elif not up:
            answer = {"status": -1, "body": None, "error": "refused"}
        else:
            assert order["url"].endswith("/completion") and order["payload"]["temperature"] == 0
            timings = {"predicted_n": order["payload"]["n_predict"], "predicted_per_second": 10.0 + self.running}
            answer = {"status": 200, "elapsed_s": 1.0, "body": {"timings": timings}}
        return {"rc": 0, "stdout": json.dumps(answer)}


LLM = {
    "api": "openai",
    "ui": "llamacpp",
    "unit": "llamacpp.service",
    "port": 8080,
    "api_key": KEY,
    "api_script": "print(1)",
    "llm_request": {"prompt": "Hi", "tokens": 64, "seed": 1},
    "gpus": [{"index": 0, "name": "GTX 970", "uuid": "GPU-1", "memory_free_mib": 3329}],
    "gpu_index": 0,
    "model_info": MODEL_INFO,
    "planned_layers": 20,
}


def llm_action(args, fits=22, check_mode=False):
    plugin, _host = action(trials_action, args, check_mode)
    server = Server(fits)
    plugin._execute_module.side_effect = server
    return plugin, server


def test_llama_server_autotune_changes_only_the_units_layers_and_remembers_them_for_site():
    plugin, server = llm_action(dict(LLM, compare=True, autotune=True))
    result = plugin.run(task_vars={})
    assert [(t["phase"], t["layers"], t["ok"]) for t in result["trials"]] == [
        ("before", 20, True),
        ("autotune", 20, True),
        ("autotune", 21, True),
        ("autotune", 23, False),
        ("autotune", 22, True),
    ]
    assert result["chosen"] == "22" and result["mode_before"] == "20" and result["written_back"] is True
    assert result["layers_total"] == 33 and result["problem"] is None
    assert server.unit == UNIT.replace("--n-gpu-layers 20", "--n-gpu-layers 22") and server.running == 22
    assert result["memory"]["tuned"] == {
        "layers": 22,
        "gpu": "GPU-1",
        "model": "tiny/32 layers/4000 MiB",
        "free_mib": 3329,
    }
    assert result["memory"]["out_of_memory"] == {"23": 3329}
    # A restart follows each change of the unit, systemd told of it first.
    systemctl = [args["argv"][2:4] for name, args in server.calls if args.get("argv", [None] * 3)[2] == "systemctl"]
    assert systemctl[:3] == [["systemctl", "daemon-reload"], ["systemctl", "reset-failed"], ["systemctl", "restart"]]
    # The out-of-memory trial's journal is in it, the key masked.
    assert KEY not in json.dumps(result) and "out of memory at start" in result["trials"][3]["error"]


def test_llama_server_probe_asks_props_with_the_key():
    plugin, server = llm_action({k: v for k, v in LLM.items() if k != "planned_layers"} | {"state": "probe"})
    result = plugin.run(task_vars={})
    assert result["benchmarkable"] is True and result["url"] == "http://127.0.0.1:8080/"
    [(name, args)] = server.calls
    assert json.loads(args["stdin"])["url"] == "http://127.0.0.1:8080/props"


def test_llama_server_under_check_mode_is_only_measured():
    plugin, server = llm_action(dict(LLM, compare=True, autotune=True), check_mode=True)
    result = plugin.run(task_vars={})
    assert [(t["phase"], t["layers"]) for t in result["trials"]] == [("before", 20)]
    assert result["changed"] is False and result["memory"] is None and server.unit == UNIT
    assert {name for name, _a in server.calls} == {"ansible.legacy.slurp", "ansible.legacy.command"}


def test_ollama_is_measured_with_its_vram_share_and_never_restarted():
    args = dict(LLM, api="ollama", ui="ollama", unit="ollama.service", port=11434, api_key="", llm_model="tiny:latest")
    plugin, host = action(trials_action, dict(args, compare=True, autotune=True))
    calls = []

    def ollama(module_name, module_args, task_vars):
        calls.append(module_name)
        order = json.loads(module_args["stdin"])
        assert order["url"] == "http://127.0.0.1:11434/api/generate" and order["payload"]["model"] == "tiny:latest"
        body = {"eval_count": order["payload"]["options"]["num_predict"], "eval_duration": 2_000_000_000}
        ps = {"status": 200, "body": {"models": [{"name": "tiny:latest", "size": 100, "size_vram": 50}]}}
        return {"rc": 0, "stdout": json.dumps({"status": 200, "elapsed_s": 2.0, "body": body, "ps": ps})}

    plugin._execute_module.side_effect = ollama
    result = plugin.run(task_vars={})
    assert [(t["phase"], t["tokens_per_second"], t["vram_share"]) for t in result["trials"]] == [("before", 32.0, 0.5)]
    assert calls == ["ansible.legacy.command"] * 2 and result["memory"] is None and result["changed"] is False
    assert "places its GPU layers itself" in result["lines"][-1]
