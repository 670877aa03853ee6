"""The web UI's user, and any extension it runs (A1111 extensions and ComfyUI custom nodes
are arbitrary code), may write anything in its folders. These tests do what such code
would, on hosts that site has converged, and check that root acted through none of it:

- webui-user.sh replaced by a link to /etc/passwd;
- the install folder replaced by a link to a root folder;
- the UI's launcher changed to exit after printing every argument, as A1111 does;
- LD_PRELOAD of a real library planted in every file the user can write, then the UI
  killed so that systemd starts it again, and the root unit started as at boot.

Every refusal must name its cause; root's files stay byte-identical with their owner and
mode; no root process loads the user's library; no password reaches a message, a report
or the journal."""

import os
import pathlib
import re
import shlex
import sys
import time

import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import (  # noqa: E402  pylint: disable=wrong-import-position
    ansible_playbook,
    changed_tasks,
    http_get,
    inventory_hosts,
    webui_unit_props,
)

HOSTS = {"vramfree-hostile-a1111", "vramfree-hostile-comfyui"}
# The ComfyUI host's webui_listen: a loopback address other than the UIs' default.
COMFYUI_ADDRESS = "127.0.0.2"
API_AUTH = "sd:hunter2-api-secret"


def test_the_scenario_has_exactly_the_expected_hosts():
    assert inventory_hosts() == HOSTS


def test_a_loopback_alias_is_where_the_ui_listens():
    # site waited for the UI on the address asked for (converge passed); it listens there
    # and nowhere else.
    box = on_host("vramfree-hostile-comfyui")
    listening = box.check_output("ss -Hltn 'sport = :8188'").split()
    assert [word for word in listening if word.endswith(":8188")] == ["%s:8188" % COMFYUI_ADDRESS], listening
    assert "--listen %s" % COMFYUI_ADDRESS in box.file("/home/sd/ComfyUI/webui-user.sh").content_string


def on_host(name):
    return testinfra.get_host("ansible://" + name, sudo=True, ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def site_on(name, report_dir, *args, extra_vars="", **kwargs):
    """site on one host, its report in report_dir; args and extra_vars (k=v ...) go on."""
    playbook = pathlib.Path(__file__).resolve().parents[3] / "playbooks" / "site.yml"
    return ansible_playbook(
        playbook, "--limit", name, "-e", ("vramfree_report_dir=%s " % report_dir) + extra_vars, *args, **kwargs
    )


def site_with_a_link_in_place(name, path, target, report_dir):
    """site on one host while the web UI's user has replaced path with a link to target."""
    box = on_host(name)
    box.check_output("sudo -u sd mv %s %s.kept && sudo -u sd ln -s %s %s", path, path, target, path)
    try:
        return box, site_on(name, report_dir)
    finally:
        box.check_output("sudo -u sd rm %s && sudo -u sd mv %s.kept %s", path, path, path)


def test_root_never_edits_through_a_link_the_ui_user_made(tmp_path):
    launch = "/home/sd/stable-diffusion-webui/webui-user.sh"
    passwd = on_host("vramfree-hostile-a1111").file("/etc/passwd").content
    box, run = site_with_a_link_in_place("vramfree-hostile-a1111", launch, "/etc/passwd", tmp_path)
    assert run.returncode == 2, run.stdout[-3000:]
    assert "%s is a symbolic link (to /etc/passwd) and follow is false" % launch in run.stdout
    assert box.file("/etc/passwd").content == passwd
    assert (box.file("/etc/passwd").user, box.file("/etc/passwd").mode) == ("root", 0o644)


def test_root_never_chowns_through_a_linked_install_folder(tmp_path):
    folder = "/home/sd/ComfyUI"
    box, run = site_with_a_link_in_place("vramfree-hostile-comfyui", folder, "/usr/local/lib", tmp_path)
    assert run.returncode == 2, run.stdout[-3000:]
    assert "webui_dir %s is a symbolic link (to /usr/local/lib)" % folder in run.stdout
    assert box.file("/usr/local/lib").user == "root"


def test_passwords_the_ui_prints_stay_out_of_messages_and_reports(tmp_path):
    box = on_host("vramfree-hostile-a1111")
    secret = API_AUTH.split(":", 1)[1]
    webui_sh = "/home/sd/stable-diffusion-webui/webui.sh"
    # The stand-in prints every argument as A1111 does; the role's launcher masks the
    # password on its way to the journal, which the adm and systemd-journal groups read.
    journal = box.check_output("journalctl -u webui.service --no-pager -o cat")
    assert re.search(r"Launching Web UI with arguments: .*--api-auth \*{8}$", journal, re.M), journal[-2000:]
    assert secret not in journal
    # The user's launcher (an extension could do the same) now adds a flag the UI refuses:
    # it prints every argument, then exits, and systemd restarts it.
    box.check_output("systemctl stop webui.service")
    box.check_output("sudo -u sd cp -p %s %s.kept", webui_sh, webui_sh)
    box.check_output("sudo -u sd sed -i 's/-u launch.py /-u launch.py --no-such-flag /' %s", webui_sh)
    try:
        run = site_on("vramfree-hostile-a1111", tmp_path)
    finally:
        box.check_output("sudo -u sd mv %s.kept %s", webui_sh, webui_sh)
        box.check_output("systemctl reset-failed webui.service; systemctl restart webui.service")
    assert run.returncode == 2, run.stdout[-3000:]
    assert "does not answer on 127.0.0.1:7860" in run.stdout
    assert re.search(r"Launching Web UI with arguments: --no-such-flag .*--api-auth \*{8}", run.stdout), run.stdout[
        -3000:
    ]
    assert secret not in run.stdout
    reports = sorted(path.name for path in tmp_path.iterdir())
    assert reports == ["report.html", "report.json", "report.md"]
    for path in tmp_path.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "--no-such-flag" in text and secret not in text, path.name
    http_get(box, 7860, "/", timeout=120)


# Takes every connection on the UI's port and never says a word.
SILENT_UI = (
    "import socket\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', 7860))\n"
    "s.listen()\n"
    "held = []\n"
    "while True:\n"
    "    held.append(s.accept())\n"
)


def test_a_ui_that_takes_connections_and_never_answers_fails_the_run_in_time(tmp_path):
    name = "vramfree-hostile-a1111"
    box = on_host(name)
    webui_sh = "/home/sd/stable-diffusion-webui/webui.sh"
    silent = "/home/sd/silent_ui.py"
    box.check_output("sudo -u sd cp -p %s %s.kept", webui_sh, webui_sh)
    box.check_output("printf %%s %s | sudo -u sd tee %s >/dev/null", SILENT_UI, silent)
    box.check_output("sudo -u sd sed -i '2i exec python3 %s' %s", silent, webui_sh)
    try:
        box.check_output("systemctl restart webui.service")
        # The run is killed after 300 s: a probe without a timeout would wait for ever.
        run = site_on(name, tmp_path, extra_vars="webui_start_timeout=15", timeout=300)
    finally:
        box.check_output("sudo -u sd mv %s.kept %s", webui_sh, webui_sh)
        box.check_output("systemctl reset-failed webui.service; systemctl restart webui.service")
    assert run.returncode == 2, run.stdout[-3000:]
    assert "does not answer on 127.0.0.1:7860: no answer after 15 s" in run.stdout, run.stdout[-3000:]
    http_get(box, 7860, "/", timeout=120)


def root_processes_mapping(box, path):
    """Root's processes that have path mapped, as 'pid comm' lines."""
    script = (
        'for m in /proc/[0-9]*/maps; do d=${m%%/maps}; '
        '[ "$(stat -c %%u "$d" 2>/dev/null)" = 0 ] && grep -qF %s "$m" 2>/dev/null '
        '&& echo "${d#/proc/} $(cat "$d/comm")"; done; true'
    )
    return box.check_output("sh -c %s", script % shlex.quote(path)).splitlines()


def test_no_root_process_loads_a_library_the_ui_user_preloads(tmp_path):
    name = "vramfree-hostile-comfyui"
    box = on_host(name)
    evil = "/home/sd/evil.so"
    # A real library (zlib: loading it does nothing), preloaded from every file the web
    # UI's user can write that a shell, systemd or PAM might read.
    box.check_output('sudo -u sd sh -c \'cp "$(readlink -f /lib/*-linux-gnu/libz.so.1)" %s\'', evil)
    planted = [
        "/home/sd/ComfyUI/webui-user.sh",
        "/home/sd/ComfyUI/webui-args.env",
        "/home/sd/.profile",
        "/home/sd/.bashrc",
        "/home/sd/.pam_environment",
    ]
    for path in planted:
        box.check_output("sudo -u sd sh -c 'echo export LD_PRELOAD=%s >> %s'", evil, path)
    box.check_output("sudo -u sd sh -c 'echo LD_PRELOAD=%s >> /home/sd/ComfyUI/webui-args.env'", evil)
    # The library works: a login shell of the user loads it.
    assert evil in box.check_output("sudo -u sd bash -lc 'cat /proc/self/maps'")
    box.check_output(": > /run/vramfree-fake-nvidia-modprobe.log")
    try:
        run = site_on(name, tmp_path)
        # The user kills its own UI: systemd starts it again, through whatever runs first.
        before = webui_unit_props(box, "MainPID")["MainPID"]
        box.check_output("sudo -u sd pkill -KILL -u sd -f main.py")
        deadline = time.monotonic() + 120
        while webui_unit_props(box, "MainPID")["MainPID"] in (before, "0"):
            assert time.monotonic() < deadline, "webui.service did not come back"
            time.sleep(1)
        http_get(box, 8188, "/system_stats", timeout=120, address=COMFYUI_ADDRESS)
        started_again = box.file("/run/vramfree-fake-nvidia-modprobe.log").content_string
        assert "/home/" not in started_again, started_again
        # And what a reboot starts as root.
        box.check_output("systemctl restart vramfree-nvidia-uvm.service")
        assert root_processes_mapping(box, evil) == []
        records = box.file("/run/vramfree-fake-nvidia-modprobe.log").content_string
    finally:
        for path in planted:
            box.check_output("sudo -u sd sed -i '\\#^export LD_PRELOAD=#d; \\#^LD_PRELOAD=#d' %s", path)
    assert run.returncode == 0, run.stdout[-3000:]
    # The root unit ran nvidia-modprobe (the restart above), with nothing of the user's loaded.
    assert records.startswith("run uid=0 args=-u -c=0\n"), records[:500]
    assert "/home/" not in records, records


def test_z_a_ui_whose_python_the_oom_killer_took_comes_back_and_the_next_run_passes(tmp_path):
    # Not an attack: what the kernel's OOM killer does to a real box. It takes the UI's
    # Python; webui.sh (A1111 v1.10.1's loop, as the stand-in's) then exits 0. systemd must
    # bring the UI back by itself, and the next run must pass, changing nothing.
    name = "vramfree-hostile-a1111"
    box = on_host(name)
    before = webui_unit_props(box, "MainPID", "NRestarts")
    box.check_output("pkill -KILL -u sd -f '[l]aunch.py'")
    deadline = time.monotonic() + 120
    while webui_unit_props(box, "NRestarts")["NRestarts"] == before["NRestarts"]:
        assert time.monotonic() < deadline, "systemd did not restart webui.service: %s" % box.check_output(
            "systemctl status webui.service --no-pager -n 5 || true"
        )
        time.sleep(1)
    http_get(box, 7860, "/", timeout=120)
    tmp_path.chmod(0o755)
    run = site_on(name, tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert re.search(r"%s\s*: ok=\d+\s+changed=0 " % name, run.stdout), changed_tasks(run.stdout)
    assert int(webui_unit_props(box, "NRestarts")["NRestarts"]) > int(before["NRestarts"])


A1111 = "/home/sd/stable-diffusion-webui"


def git_as_user(box, *args):
    return box.check_output("sudo -u sd git -C %s " + " ".join(["%s"] * len(args)), A1111, *args)


def test_zz_a_checkout_that_tracks_the_launch_file_moves_to_a_new_version_with_the_edits(tmp_path):
    # Last: it leaves the checkout on another version than the inventory's.
    # A1111 tracks webui-user.sh: the role's own edit is a local modification, and every
    # site run above went past the install step with it there.
    name = "vramfree-hostile-a1111"
    box = on_host(name)
    assert git_as_user(box, "status", "--porcelain", "--untracked-files=no").strip() == "M webui-user.sh"
    launch_before = box.file(A1111 + "/webui-user.sh").content
    # A report folder as site makes it, so that its own step changes nothing either.
    tmp_path.chmod(0o755)
    check = site_on(name, tmp_path, "--check")
    assert check.returncode == 0 and re.search(r"%s\s*: ok=\d+\s+changed=0 " % name, check.stdout), check.stdout[-3000:]
    # A new release upstream.
    box.check_output(
        "sudo -u sd sh -c 'set -e; rm -rf /tmp/release; git clone -q /srv/git/a1111.git /tmp/release; cd /tmp/release; "
        "echo 1.10.2 > VERSION; git add VERSION; git -c user.name=t -c user.email=t@localhost commit -qm release; "
        "git tag v1.10.2; git push -q origin master v1.10.2'"
    )
    moved = site_on(name, tmp_path, extra_vars="webui_version=v1.10.2")
    assert moved.returncode == 0, moved.stdout[-3000:]
    assert git_as_user(box, "rev-parse", "HEAD") == git_as_user(box, "rev-parse", "v1.10.2^{commit}")
    assert box.file(A1111 + "/VERSION").content_string == "1.10.2\n"
    # The user's lines and the role's arguments, byte for byte; nothing left in the stash.
    assert box.file(A1111 + "/webui-user.sh").content == launch_before
    assert git_as_user(box, "stash", "list") == ""
    again = site_on(name, tmp_path, extra_vars="webui_version=v1.10.2")
    assert again.returncode == 0 and re.search(r"%s\s*: ok=\d+\s+changed=0 " % name, again.stdout), again.stdout[-3000:]
