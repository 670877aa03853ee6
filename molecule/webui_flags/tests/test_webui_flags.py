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
# The killer on the host: say it is ready, wait for the module's process, let it run
# DELAY seconds, then SIGKILL it (no clean-up of its own runs). "[A]" keeps pkill from
# matching the killer.
KILLER_READY = "/run/vramfree-killer-ready"
KILLER = (
    "touch %s; until pgrep -f '[A]nsiballZ_webui_flags' >/dev/null; do sleep 0.005; done; "
    "sleep $0; pkill -KILL -f '[A]nsiballZ_webui_flags'" % KILLER_READY
)


def start_killer(delay):
    """The killer, once it watches: a docker exec may take long to start on a loaded machine."""
    on_host("rm", "-f", KILLER_READY)
    killer = subprocess.Popen(["docker", "exec", HOST, "sh", "-c", KILLER, str(delay)])
    while subprocess.run(["docker", "exec", HOST, "test", "-e", KILLER_READY], check=False).returncode != 0:
        assert killer.poll() is None, "the killer exited before it was ready"
    return killer


def on_host(*argv, **kwargs):
    return subprocess.run(["docker", "exec", HOST] + list(argv), check=True, capture_output=True, **kwargs).stdout


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

    # Delays every 10 ms from the module's start (its run on the host takes about a
    # tenth of a second) until three runs in a row finish before their kill.
    outcomes = []
    delay = 0.01
    while [o[1:] for o in outcomes[-3:]] != [(True, 0)] * 3:
        assert delay < 3, outcomes
        on_host("sh", "-c", reset % VICTIM)
        killer = start_killer(delay)
        run = ansible_playbook(playbook)
        killer.wait(timeout=60)
        content = on_host("cat", VICTIM)
        assert content in (old, new), "killed %.2f s into the run: a broken file\n%s" % (delay, run.stdout[-2000:])
        # The file is the user's still: the module gives the new file its owner and mode
        # before it takes the old one's place.
        assert on_host("stat", "-c", "%U:%G %a", VICTIM, text=True).strip() == "sd:sd 640"
        outcomes.append((delay, content == new, run.returncode))
        delay = round(delay + 0.01, 2)
    # Runs killed before the move left the old file and failed (the module gave no
    # answer). Some run was killed that early, or this test proved nothing; which delay
    # first finished first depends on the machine's load, so no delay is required to.
    assert all(rc != 0 for _delay, is_new, rc in outcomes if not is_new), outcomes
    assert any(not is_new for _delay, is_new, _rc in outcomes), outcomes
