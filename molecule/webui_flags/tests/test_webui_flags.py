"""The launch files after webui_flags ran over SSH: each gives the web UI exactly the
intended arguments when read the way the web UI reads it, and nothing else changed."""

import difflib
import json
import pathlib
import shlex
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import ansible_playbook, converge_in_check_mode, inventory_hosts  # noqa: E402

DIR = "/home/sd/stable-diffusion-webui"
SECRET = "sd:hunter2-secret"


def lines(host, path):
    return host.file(path).content.decode("utf-8", "surrogateescape").splitlines(keepends=True)


def changed_lines(host, name):
    before = lines(host, "/var/tmp/pristine/" + name)
    after = lines(host, DIR + "/" + name)
    return [line for line in difflib.ndiff(before, after) if line[:2] in ("- ", "+ ")]


def test_runs_on_exactly_the_expected_hosts():
    assert inventory_hosts() == {"vramfree-webuiflags-trixie"}


def test_sh_sourced_by_bash_gives_the_args(host):
    out = host.check_output(
        "bash -c 'source %s/webui-user.sh; python3 -c \"import json,os,shlex;"
        "print(json.dumps(shlex.split(os.environ[\\\"COMMANDLINE_ARGS\\\"])))\"'" % DIR
    )
    assert json.loads(out) == [
        "--xformers",
        "--listen",
        "--port",
        "7860",
        "--ckpt-dir",
        "/srv/sd models",
        "--gradio-auth",
        SECRET,
    ]


def test_sh_only_the_assignment_line_changed(host):
    diff = changed_lines(host, "webui-user.sh")
    assert [d[:2] for d in diff] == ["- ", "+ "], diff
    assert "--lowvram" in diff[0] and "--lowvram" not in diff[1]
    assert diff[1].rstrip("\n").endswith("# GTX 970, desktop on")


def test_bat_keeps_crlf_and_changes_one_line(host):
    raw = host.file(DIR + "/webui-user.bat").content
    assert raw.count(b"\r\n") == raw.count(b"\n")
    diff = changed_lines(host, "webui-user.bat")
    assert [d[:2] for d in diff] == ["- ", "+ "], diff
    line = diff[1][2:]
    assert line.startswith("set COMMANDLINE_ARGS=") and "--lowvram" not in line
    assert line.endswith("\r\n")


def test_env_file_read_by_systemd_gives_the_args(host):
    host.run_expect([0], "systemctl start vramfree-envcheck.service")
    value = host.file("/run/vramfree-envcheck").content_string
    assert shlex.split(value) == ["--listen", "--port", "7860", "--api", "--gradio-auth", SECRET]
    assert [d[:2] for d in changed_lines(host, "sd-webui.env")] == ["- ", "+ "]


def test_owner_mode_kept_and_backups_made(host):
    for name in ("webui-user.sh", "webui-user.bat", "sd-webui.env"):
        f = host.file(DIR + "/" + name)
        assert (f.user, f.group, f.mode) == ("sd", "sd", 0o640), name
    backups = host.check_output("ls %s | grep -c '~$'" % DIR)
    assert backups == "3"


def test_check_mode_on_the_converged_host_changes_nothing():
    recap = converge_in_check_mode()
    assert {h: (c["changed"], c["failed"]) for h, c in recap.items()} == {"vramfree-webuiflags-trixie": (0, 0)}


HOST = "vramfree-webuiflags-trixie"
VICTIM = "/home/sd/interrupted/webui-user.sh"
# Where the module's Python stops itself at a point of its write (KILL_AT: before or after
# the rename onto the launch file), so the kill lands on a stage of the module's progress,
# not at a moment: it names its pid in KILLPOINT, then SIGSTOPs itself.
KILLPOINTS = "/opt/vramfree-killpoints"
KILLPOINT = "/run/vramfree-killpoint"
SITECUSTOMIZE = (
    """\
import os
import signal

_STAGE = os.environ.get("VRAMFREE_KILL_AT")


def _stop(stage):
    with open("%s", "w") as handle:
        handle.write("%%d %%s" %% (os.getpid(), stage))
    os.kill(os.getpid(), signal.SIGSTOP)


def _hooked(real):
    def rename(src, dst, *args, **kwargs):
        if os.fsdecode(os.path.basename(dst)) != "webui-user.sh":
            return real(src, dst, *args, **kwargs)
        if _STAGE == "before":
            _stop("before")
        result = real(src, dst, *args, **kwargs)
        if _STAGE == "after":
            _stop("after")
        return result

    return rename


if _STAGE:
    os.rename = _hooked(os.rename)
    os.replace = _hooked(os.replace)
"""
    % KILLPOINT
)
# Waits for the module to name itself at its killpoint, then SIGKILLs it (no clean-up of
# its own runs).
KILLER = "until [ -s %s ]; do sleep 0.01; done; kill -KILL $(cut -d' ' -f1 %s)" % (KILLPOINT, KILLPOINT)


def on_host(*argv, **kwargs):
    # -i only to hand over input: docker exec gives the command no stdin otherwise.
    interactive = ["-i"] if "input" in kwargs else []
    return subprocess.run(
        ["docker", "exec"] + interactive + [HOST] + list(argv), check=True, capture_output=True, **kwargs
    ).stdout


def test_z_a_run_killed_on_the_host_leaves_the_old_or_the_new_file(tmp_path, monkeypatch):
    # Without pipelining Ansible copies AnsiballZ_webui_flags.py to the host and runs it
    # there as its own process, which the killer can find by name.
    monkeypatch.setenv("ANSIBLE_PIPELINING", "False")
    playbook = tmp_path / "flags.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "name": "Drop --lowvram",
                    "hosts": HOST,
                    "become": True,
                    "gather_facts": False,
                    "tasks": [{"vramfree.webui.webui_flags": {"path": VICTIM, "memory_mode": "none"}}],
                }
            ]
        )
    )
    reset = (
        "install -d -o sd -g sd /home/sd/interrupted && install -o sd -g sd -m 0640 /var/tmp/pristine/webui-user.sh %s"
    )
    old = on_host("cat", "/var/tmp/pristine/webui-user.sh")
    on_host("sh", "-c", reset % VICTIM)
    whole = ansible_playbook(playbook)
    assert whole.returncode == 0 and "changed=1" in whole.stdout, whole.stdout[-2000:]
    new = on_host("cat", VICTIM)
    assert new != old and b"--lowvram" not in new.split(b"export COMMANDLINE_ARGS=", 1)[1].split(b"\n", 1)[0]

    # Killed with the new file written beside the old one, then killed with it moved in
    # place: the old file, then the new one, whole, the user's, and a failed run each time.
    on_host(
        "sh", "-c", "mkdir -p %s && cat > %s/sitecustomize.py" % (KILLPOINTS, KILLPOINTS), input=SITECUSTOMIZE.encode()
    )
    tasks = json.loads(playbook.read_text())
    tasks[0]["tasks"][0]["environment"] = {"PYTHONPATH": KILLPOINTS, "VRAMFREE_KILL_AT": "{{ kill_at }}"}
    playbook.write_text(json.dumps(tasks))
    for stage, expected in (("before", old), ("after", new)):
        on_host("sh", "-c", (reset % VICTIM) + " && rm -f " + KILLPOINT)
        killer = subprocess.Popen(["docker", "exec", HOST, "sh", "-c", KILLER])
        try:
            run = ansible_playbook(playbook, "-e", "kill_at=" + stage)
            reached = on_host("sh", "-c", "cat %s || true" % KILLPOINT, text=True)
            assert reached.endswith(" " + stage), "the module never got to its rename onto the file (%s)" % stage
            killer.wait(timeout=60)
        finally:
            killer.kill()
        assert run.returncode != 0, run.stdout[-2000:]
        content = on_host("cat", VICTIM)
        assert content == expected, "killed %s the rename: %r" % (stage, content)
        # The file is the user's still: the module gives the new file its owner and mode
        # before it takes the old one's place.
        assert on_host("stat", "-c", "%U:%G %a", VICTIM, text=True).strip() == "sd:sd 640"
