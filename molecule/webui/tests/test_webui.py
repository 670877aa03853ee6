"""What a user cares about after site ran the webui role: the web UI runs as its own
user, without --lowvram where the freed VRAM allows, bound where it was told, with
exactly the arguments the launch file gives it, secrets kept out of sight, and it
survives a second run and a reboot unchanged.

Every check runs on every host, against that host's row of HOSTS: no check is skipped
by host name, and a host missing from the scenario fails the first test."""

import json
import os
import pathlib
import shlex
import subprocess
import sys
import time

import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import converge_in_check_mode, http_get, inventory_hosts, reboot, webui_unit_props  # noqa: E402  pylint: disable=wrong-import-position

UI_GPU_UUID = "GPU-8a2c4e61-0b7d-4f93-a5c8-2e61d0f4b7a9"
A1111_DIR = "/home/sd/stable-diffusion-webui"
HOSTS = {
    # The desktop shared the 4 GB GPU: stopped, 4029 MiB free, no memory flag.
    "vramfree-webui-a1111": dict(ui="a1111", port=7860, desktop=False, memory=set(), cuda=None, dir=A1111_DIR, data=[]),
    # vramfree_stop_desktop: false: 3329 MiB free beside it, below SD 1.5's 3584: medvram.
    "vramfree-webui-keepdesktop": dict(
        ui="a1111", port=7860, desktop=True, memory={"--medvram"}, cuda=None, dir=A1111_DIR, data=[]
    ),
    # Two GPUs: the UI takes the 6 GB one without a display; the desktop keeps the other.
    "vramfree-webui-twogpus": dict(
        ui="a1111", port=7860, desktop=True, memory=set(), cuda=UI_GPU_UUID, dir=A1111_DIR, data=[]
    ),
    # ComfyUI, cloned by the role into a folder with blanks and a percent sign, with data
    # folders named likewise; 4029 MiB free is ComfyUI's normalvram for SD 1.5.
    "vramfree-webui-comfyui": dict(
        ui="comfyui",
        port=8188,
        desktop=False,
        memory={"--normalvram"},
        cuda=None,
        dir="/home/sd/Comfy UI 100%",
        data=["/srv/comfy outputs", "/srv/models 100%"],
    ),
}
USER = "sd"
HOME = "/home/sd"
# Made by prepare.yml, the user's, in no ReadWritePaths=.
NOT_LISTED = "/srv/not listed"
MEMORY_FLAGS = {"--lowvram", "--medvram", "--medvram-sdxl", "--normalvram", "--highvram", "--novram"}
API_AUTH = "sd:hunter2-api-secret"


def expect(host):
    return HOSTS[host.backend.get_hostname()]


def launch_file(host):
    return expect(host)["dir"] + "/webui-user.sh"


def unit_props(host, *props):
    return webui_unit_props(host, *props)


def get(host, path, auth=None, timeout=60):
    return http_get(host, expect(host)["port"], path, auth, timeout)


def process_args(host):
    """The arguments the running web UI received, read from the running process."""
    if expect(host)["ui"] == "comfyui":
        # ComfyUI's /system_stats answers with its own sys.argv.
        argv = json.loads(get(host, "/system_stats"))["system"]["argv"]
        assert argv[0] == "main.py"
        return argv[1:]
    # A1111 splits $COMMANDLINE_ARGS of its environment, so read the python process's.
    pid = host.check_output("pgrep -u sd -f 'launch.py'").split()[0]
    environ = host.check_output("tr '\\0' '\\n' < /proc/%s/environ", pid).splitlines()
    value = [line for line in environ if line.startswith("COMMANDLINE_ARGS=")][0].split("=", 1)[1]
    return shlex.split(value)


def test_the_scenario_has_exactly_the_expected_hosts():
    # A renamed platform fails here rather than have its checks pass by doing nothing.
    assert inventory_hosts() == set(HOSTS)


def test_runs_as_the_unprivileged_user_enabled_and_never_restarted(host):
    service = host.service("webui")
    assert service.is_running and service.is_enabled
    props = unit_props(host, "User", "MainPID", "NRestarts")
    assert (props["User"], props["NRestarts"]) == ("sd", "0")
    assert host.check_output("ps -o user= -p %s", props["MainPID"]).strip() == "sd"


def test_listens_on_loopback_only(host):
    port = expect(host)["port"]
    listening = host.check_output("ss -Hltn 'sport = :%s'", str(port))
    assert {line.split()[3] for line in listening.splitlines()} == {"127.0.0.1:%d" % port}, listening


def test_not_reachable_from_the_controller(host):
    address = host.check_output("hostname -I").split()[0]
    probe = subprocess.run(
        [
            "python3",
            "-c",
            "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)",
            address,
            str(expect(host)["port"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode != 0 and "Connection refused" in probe.stderr, probe


def test_the_process_received_exactly_the_launch_files_arguments(host):
    text = host.file(launch_file(host)).content_string
    line = [ln for ln in text.splitlines() if "COMMANDLINE_ARGS=" in ln and not ln.lstrip().startswith("#")][0]
    # One shell word after the '=', whose value the UI splits as shlex does.
    value = shlex.split(line.split("COMMANDLINE_ARGS=", 1)[1], comments=True)[0]
    assert process_args(host) == shlex.split(value)


def test_memory_flags_follow_the_free_vram(host):
    args = process_args(host)
    assert MEMORY_FLAGS & set(args) == expect(host)["memory"], args
    assert "--port" in args and args[args.index("--port") + 1] == str(expect(host)["port"])
    assert "--listen" not in args and "--server-name" not in args


def test_a1111_reads_them_as_the_ui_does(host):
    if expect(host)["ui"] != "a1111":
        assert expect(host)["ui"] == "comfyui"  # checked through /system_stats above
        return
    flags = json.loads(get(host, "/sdapi/v1/cmd-flags", API_AUTH))
    assert {f for f in ("lowvram", "medvram", "medvram_sdxl") if flags[f]} == {f[2:] for f in expect(host)["memory"]}
    # The user's own flags in webui-user.sh are kept.
    assert flags["xformers"] is True and flags["ckpt_dir"] == "/srv/sd models"


def test_the_desktop_runs_only_where_it_was_kept(host):
    assert host.service("display-manager").is_running == expect(host)["desktop"]
    assert (host.run("pgrep -x Xorg").rc == 0) == expect(host)["desktop"]


def test_the_ui_is_pinned_to_its_gpu_on_a_two_gpu_box(host):
    env = unit_props(host, "Environment")["Environment"].split()
    cuda = expect(host)["cuda"]
    if cuda is None:
        assert not [e for e in env if e.startswith("CUDA_")], env
    else:
        assert {"CUDA_DEVICE_ORDER=PCI_BUS_ID", "CUDA_VISIBLE_DEVICES=" + cuda} <= set(env)


def test_only_the_assignment_line_of_webui_user_sh_changed(host):
    if expect(host)["ui"] == "comfyui":
        # The role created the file: it holds the assignment alone.
        lines = host.file(launch_file(host)).content_string.splitlines()
        assert len(lines) == 1 and lines[0].startswith("export COMMANDLINE_ARGS=")
        return
    before = host.file("/var/tmp/pristine/webui-user.sh").content.splitlines(keepends=True)
    after = host.file(launch_file(host)).content.splitlines(keepends=True)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(before) == len(after) and len(changed) == 1, changed
    assert after[changed[0]].startswith(b"export COMMANDLINE_ARGS=")


def test_secrets_stay_out_of_sight(host):
    launch = host.file(launch_file(host))
    assert (launch.user, launch.mode) == ("sd", 0o600)
    secret = API_AUTH.split(":", 1)[1]
    assert secret in launch.content_string or expect(host)["ui"] == "comfyui"
    assert secret not in host.file("/etc/systemd/system/webui.service").content_string
    # What any local user may read about the unit.
    assert secret not in host.check_output("sudo -u nobody systemctl show webui.service")


def test_comfyui_keeps_an_argument_with_a_space_whole(host):
    args = process_args(host)
    if expect(host)["ui"] == "comfyui":
        assert args[args.index("--output-directory") + 1] == "/srv/comfy outputs/today"
        assert host.file(expect(host)["dir"] + "/.git").is_directory
        assert host.file(expect(host)["dir"] + "/main.py").user == "sd"
    else:
        assert args[args.index("--ckpt-dir") + 1] == "/srv/sd models"


def test_systemd_accepts_the_installed_unit(host):
    # verify exits 0 on settings it ignores with a warning (a ReadWritePaths= path split
    # at a blank), so any line it prints fails the test.
    result = host.run("systemd-analyze verify --man=no /etc/systemd/system/webui.service")
    assert (result.rc, result.stdout.strip(), result.stderr.strip()) == (0, "", ""), result


def as_the_user(host, command, *args):
    # root in the test hosts lacks CAP_SYS_PTRACE, so only the web UI's own user may look
    # into its processes (/proc/PID/cwd, /proc/PID/root).
    return host.run("setpriv --reuid=%s --regid=%s --init-groups -- " + command, USER, USER, *args)


def ui_processes(host):
    """The unit's main process and every process under it."""
    pids, todo = [], [unit_props(host, "MainPID")["MainPID"]]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += host.run("pgrep -P %s", pid).stdout.split()
    return pids


def test_the_ui_runs_from_its_folder(host):
    pids = ui_processes(host)
    # The launcher and the UI under it, at least.
    assert len(pids) >= 2, pids
    for pid in pids:
        result = as_the_user(host, "readlink /proc/%s/cwd", pid)
        assert (result.rc, result.stdout.rstrip("\n")) == (0, expect(host)["dir"]), (pid, result.stderr)


def write_as_the_ui(host, folder):
    """Create and remove a file in `folder` as the web UI's user, through the running
    unit's own view of the file system (/proc/PID/root: its mount namespace, where
    ProtectSystem=strict and ReadWritePaths= apply)."""
    script = 'f="/proc/$1/root$2/.vramfree-write-check" && touch "$f" && rm "$f"'
    return as_the_user(host, "sh -c %s check %s %s", script, unit_props(host, "MainPID")["MainPID"], folder)


def test_the_ui_can_write_its_folder_its_data_folders_and_its_cache(host):
    for folder in [expect(host)["dir"], *expect(host)["data"], HOME + "/.cache"]:
        result = write_as_the_ui(host, folder)
        assert result.rc == 0, (folder, result.stderr)
    # A folder of the user's that no setting names stays read-only to the UI
    # (ProtectSystem=strict): the check does look through the unit's sandbox.
    assert as_the_user(host, "test -w %s", NOT_LISTED).rc == 0
    result = write_as_the_ui(host, NOT_LISTED)
    assert result.rc != 0 and "Read-only file system" in result.stderr, result


def test_the_cache_folder_was_made_as_the_user(host):
    # No one logged in as sd before the role ran, and nothing made ~/.cache: the role
    # made it, as sd, private.
    cache = host.file(HOME + "/.cache")
    assert cache.is_directory and not cache.is_symlink
    assert (cache.user, cache.group, cache.mode) == (USER, USER, 0o700)


def test_the_second_run_did_not_restart_the_ui(host):
    # converge.yml records MainPID after each run (converge, then idempotence).
    pids = host.file("/var/tmp/webui-mainpids").content_string.split()
    assert len(pids) == 2 and pids[0] == pids[1] != "0", pids
    assert unit_props(host, "MainPID")["MainPID"] == pids[0]


def test_y_check_mode_on_the_converged_hosts_changes_nothing():
    recap = converge_in_check_mode()
    assert set(recap) == set(HOSTS)
    assert {host: (counts["changed"], counts["failed"]) for host, counts in recap.items()} == dict.fromkeys(
        HOSTS, (0, 0)
    )


# Last, and not per host (pytest groups per-host tests by host, which would put a reboot
# before the checks of the other hosts): the reboot changes what the checks above see.
def test_zz_a_reboot_brings_the_ui_back_with_the_same_arguments():
    for name in ("vramfree-webui-a1111", "vramfree-webui-comfyui"):
        before = process_args(
            testinfra.get_host("ansible://" + name, sudo=True, ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])
        )
        booted = reboot(name)
        deadline = time.monotonic() + 60
        while not booted.service("webui").is_running:
            assert time.monotonic() < deadline, "webui.service did not come back on %s" % name
            time.sleep(1)
        assert process_args(booted) == before, name
