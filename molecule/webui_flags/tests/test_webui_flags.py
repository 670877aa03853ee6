"""The launch files after webui_flags ran over SSH: each gives the web UI exactly the
intended arguments when read the way the web UI reads it, and nothing else changed."""

import difflib
import json
import pathlib
import shlex
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import converge_in_check_mode, inventory_hosts  # noqa: E402

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
