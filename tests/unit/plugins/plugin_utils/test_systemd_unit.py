# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Values written into systemd units read back unchanged, checked two ways: against a
reader written here from systemd.syntax(7) and systemd.service(5), and against systemd
itself (`systemd-analyze verify`), which must be installed: without it these tests fail
rather than skip. The real unit templates of the roles are rendered with awkward paths
and put through both."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import jinja2
import pytest
from ansible.errors import AnsibleFilterError
from ansible.plugins.filter.core import FilterModule as CoreFilters
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.vramfree.webui.plugins.filter.service import FilterModule
from ansible_collections.vramfree.webui.plugins.module_utils import _profiles
from ansible_collections.vramfree.webui.plugins.plugin_utils import _systemd_unit as unit
from ansible_collections.vramfree.webui.plugins.plugin_utils._systemd_unit import UnitValueError

ROOT = pathlib.Path(__file__).resolve().parents[4]
WEBUI_TEMPLATE = ROOT / "roles" / "webui" / "templates" / "webui.service.j2"
SOCAT_TEMPLATE = ROOT / "roles" / "proxy" / "templates" / "vramfree-proxy-socat.service.j2"
NVIDIA_UNIT = ROOT / "roles" / "webui" / "files" / "vramfree-nvidia-uvm.service"

systemd_escape = FilterModule().filters()["systemd_escape"]

# Every character that means something to systemd's unit reader, and the blank.
AWKWARD = ' %"\\$\'%h${HOME};'


# --- A reader of unit values, from the manual pages ------------------------------------


class Unreadable(ValueError):
    pass


def _words(value, cunescape):
    """Split a value into words as systemd's extract_first_word does with
    EXTRACT_UNQUOTE (plus EXTRACT_CUNESCAPE where `cunescape`): blanks separate words,
    single or double quotes group, a backslash takes the next character (or, with C
    escapes, the escape it starts; only the ones this collection writes are known)."""
    words, i = [], 0
    while True:
        while i < len(value) and value[i] in " \t":
            i += 1
        if i == len(value):
            return words
        word, quote = "", None
        while i < len(value) and (quote or value[i] not in " \t"):
            char = value[i]
            if char == "\\":
                if i + 1 == len(value):
                    raise Unreadable("backslash at the end: %r" % value)
                nxt = value[i + 1]
                if cunescape and nxt not in "\\\"'":
                    raise Unreadable("C escape \\%s this reader does not know: %r" % (nxt, value))
                word += nxt
                i += 2
                continue
            if quote and char == quote:
                quote = None
            elif not quote and char in "\"'":
                quote = char
            else:
                word += char
            i += 1
        if quote:
            raise Unreadable("unbalanced quote: %r" % value)
        words.append(word)


def _specifiers(value):
    """%% is a percent sign; any other % starts a specifier systemd would replace."""
    out, i = "", 0
    while i < len(value):
        if value[i] == "%":
            if value[i + 1 : i + 2] != "%":
                raise Unreadable("specifier %r in %r" % (value[i : i + 2], value))
            i += 1
        out += value[i]
        i += 1
    return out


def _variables(value):
    """$$ is a dollar sign; any other $ starts a variable systemd would substitute."""
    out, i = "", 0
    while i < len(value):
        if value[i] == "$":
            if value[i + 1 : i + 2] != "$":
                raise Unreadable("variable at %r in %r" % (value[i:], value))
            i += 1
        out += value[i]
        i += 1
    return out


def read_path(value):
    if value != value.strip() or value.endswith("\\"):
        raise Unreadable("systemd would strip or continue %r" % value)
    return _specifiers(value)


def read_paths(value):
    read = []
    for word in _words(value, cunescape=False):
        optional = word.startswith("-")
        path = _specifiers(word[1:] if optional else word)
        if not path.startswith("/"):
            raise Unreadable("relative path %r" % path)
        read.append(("-" if optional else "") + path)
    return read


def read_command(value):
    words = [_specifiers(word) for word in _words(value, cunescape=True)]
    if not words[0].startswith("/") or set(words[0]) & set("\"'\\"):
        raise Unreadable("program %r" % words[0])
    return words[:1] + [_variables(word) for word in words[1:]]


def read_environment(value):
    return dict(_specifiers(word).split("=", 1) for word in _words(value, cunescape=True))


def settings_of(text):
    """Setting name -> list of values, as a unit file's lines give them."""
    found = {}
    for line in text.splitlines():
        if not line or line.startswith(("#", ";", "[")):
            continue
        assert not line.endswith("\\"), line
        key, _sep, value = line.partition("=")
        found.setdefault(key, []).append(value.strip())
    return found


# --- systemd itself --------------------------------------------------------------------


def systemd_analyze():
    tool = shutil.which("systemd-analyze")
    # A missing tool fails: a unit test that cannot run is not a passing one. scripts/deps.sh
    # --system installs Debian's systemd, which ships it.
    assert tool, "systemd-analyze is not installed: install Debian's systemd package (scripts/deps.sh --system)"
    return tool


def verify(directory, text, name="webui.service"):
    """systemd's own reading of the unit: its complaints, [] when there are none.

    systemd-analyze verify exits 0 on settings it ignores with a warning (ReadWritePaths=
    with a relative word among them), so every line it prints about the unit counts."""
    path = pathlib.Path(directory) / name
    path.write_text(text)
    if NVIDIA_UNIT.name not in {p.name for p in pathlib.Path(directory).iterdir()}:
        shutil.copy(NVIDIA_UNIT, pathlib.Path(directory) / NVIDIA_UNIT.name)
    proc = subprocess.run(
        [systemd_analyze(), "verify", "--man=no", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=directory,
    )
    complaints = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    if proc.returncode != 0 and not complaints:
        complaints = ["exit status %d" % proc.returncode]
    return complaints


# --- The escaping, kind by kind --------------------------------------------------------


@pytest.mark.parametrize(
    "kind, value, written",
    [
        ("path", "/srv/comfy outputs", "/srv/comfy outputs"),
        ("path", '/srv/100% "a" \\ $x', '/srv/100%% "a" \\ $x'),
        ("paths", ["/srv/comfy outputs"], '"/srv/comfy outputs"'),
        ("paths", "/srv/a", '"/srv/a"'),
        ("paths", ["/a b", "-/home/sd/.cache"], '"/a b" -"/home/sd/.cache"'),
        ("paths", ['/a"b\\c%d$e'], '"/a\\"b\\\\c%%d$e"'),
        ("paths", [], ""),
        ("executable", "/opt/my ui/100%/python", '"/opt/my ui/100%%/python"'),
        ("executable", "/opt/$x/python", '"/opt/$x/python"'),
        ("argument", "main.py", '"main.py"'),
        ("argument", 'a "b" \\ 100% $HOME ;', '"a \\"b\\" \\\\ 100%% $$HOME ;"'),
        ("argument", "", '""'),
        ("argument", 8188, '"8188"'),
        ("command", ["/usr/bin/python3", "-c", "print('%s')"], "\"/usr/bin/python3\" \"-c\" \"print('%%s')\""),
        ("environment", {"XDG_CACHE_HOME": "/srv/a b/.cache"}, '"XDG_CACHE_HOME=/srv/a b/.cache"'),
        ("environment", "A=1%$\\", '"A=1%%$\\\\"'),
        ("environment", {"A": "x", "B": 2}, '"A=x" "B=2"'),
        ("text", "web UI in /srv/100% ui", "web UI in /srv/100%% ui"),
        ("comment", "/srv/100% ui", "/srv/100% ui"),
    ],
)
def test_writes_each_kind_by_its_rules(kind, value, written):
    assert unit.escape(value, kind, "v") == written


@pytest.mark.parametrize(
    "kind, value, message",
    [
        ("path", "/srv/a\nExecStartPre=/bin/evil", "webui_dir ('/srv/a\\nExecStartPre=/bin/evil') holds a line break"),
        ("paths", ["/srv/ok", "/srv/a\0b"], "webui_dir[1] ('/srv/a\\x00b') holds a NUL character"),
        ("path", "srv/ui", "webui_dir ('srv/ui') must be an absolute path"),
        ("paths", ["outputs"], "webui_dir[0] ('outputs') must be an absolute path"),
        ("paths", ["-outputs"], "webui_dir[0] ('outputs') must be an absolute path"),
        ("path", "/srv/ui/../etc", "holds a '..' part"),
        ("path", "/srv/ui ", "ends with a blank"),
        ("path", "/srv/ui\\", "ends with a backslash"),
        ("text", "ui\\", "ends with a backslash"),
        ("path", "/srv/a\tb", "control character '\\t'"),
        ("argument", "a\rb", "holds a line break"),
        ("comment", "x\ny", "holds a line break"),
        ("executable", "python3", "must be an absolute path"),
        ("executable", '/opt/"ui"/python', "holds '\"': systemd refuses an executable path with quotes"),
        ("environment", {"1A": "x"}, "'1A' is not a valid environment variable name"),
        ("environment", {"A": "x\ny"}, "holds a line break"),
        ("environment", "no equals sign", "must be NAME=value"),
        ("path", None, "webui_dir must be text, not NoneType"),
        ("path", ["/a"], "webui_dir must be text, not list"),
        ("command", [], "must be a non-empty list of words"),
    ],
)
def test_refuses_what_systemd_cannot_be_told_and_names_the_variable(kind, value, message):
    with pytest.raises(UnitValueError) as err:
        unit.escape(value, kind, "webui_dir")
    assert message in str(err.value)


def test_a_command_names_each_words_variable():
    with pytest.raises(UnitValueError, match=r"^webui_comfyui_python \('a\\nb'\) holds a line break"):
        unit.command(["/usr/bin/python3", "a\nb"], ["the program", "webui_comfyui_python"])
    with pytest.raises(UnitValueError, match=r"^words\[1\] \('a\\nb'\)"):
        unit.command(["/usr/bin/python3", "a\nb"], "words")
    # An argument may be relative; the kind for a path says otherwise.
    unit.command(["/usr/bin/python3", "venv/python"], ["the program", "webui_comfyui_python"])
    with pytest.raises(UnitValueError, match=r"webui_comfyui_python \('venv/python'\) must be an absolute path"):
        unit.escape("venv/python", "path_argument", "webui_comfyui_python")


def test_the_filter_raises_ansibles_error_with_the_variables_name():
    assert systemd_escape(["/srv/comfy outputs"], "paths", "webui_data_dirs") == '"/srv/comfy outputs"'
    with pytest.raises(AnsibleFilterError, match=r"systemd_escape: webui_data_dirs\[0\] \('comfy outputs'\)"):
        systemd_escape(["comfy outputs"], "paths", "webui_data_dirs")
    with pytest.raises(AnsibleFilterError, match="unknown kind 'shell'"):
        systemd_escape("x", "shell")


# Text a unit can hold: anything but control characters (and lone surrogates).
UNIT_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40)
PATH = st.lists(UNIT_TEXT.filter(lambda part: "/" not in part and part not in ("", "..")), min_size=1, max_size=4).map(
    lambda parts: "/" + "/".join(parts)
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), PATH), max_size=4))
def test_any_path_list_reads_back_unchanged(paths):
    values = [("-" if optional else "") + path for optional, path in paths]
    assert read_paths(unit.path_list(values, "v")) == values


@settings(max_examples=300, deadline=None)
@given(PATH.filter(lambda p: not (set(p) & set("\"'\\"))), st.lists(UNIT_TEXT, max_size=5))
def test_any_command_line_reads_back_unchanged(program, args):
    assert read_command(unit.command([program] + args, "v")) == [program] + args


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,10}\Z"), UNIT_TEXT, min_size=1, max_size=3))
def test_any_environment_reads_back_unchanged(assignments):
    assert read_environment(unit.environment(assignments, "v")) == assignments


@settings(max_examples=300, deadline=None)
@given(PATH.filter(lambda p: p == p.rstrip() and not p.endswith("\\")))
def test_any_single_path_reads_back_unchanged(path):
    assert read_path(unit.path(path, "v")) == path


def test_systemd_runs_the_program_at_an_awkward_path(tmp_path):
    # systemd checks that the program exists: only the exact path written can pass.
    folder = tmp_path / "my ui 100% $HOME"
    folder.mkdir()
    program = folder / "run me"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    line = unit.command([str(program), AWKWARD, str(tmp_path / "a b")], "v")
    text = "[Service]\nExecStart=%s\nReadWritePaths=%s\nWorkingDirectory=%s\n" % (
        line,
        unit.path_list([str(folder), "-" + str(tmp_path / AWKWARD)], "v"),
        unit.path(str(folder), "v"),
    )
    assert verify(tmp_path, text, "awkward.service") == []
    # The same program left unescaped is not found (the test can fail).
    broken = "[Service]\nExecStart=%s\n" % program
    assert any("is not executable" in line for line in verify(tmp_path, broken, "broken.service"))


# --- The roles' real unit templates ----------------------------------------------------


def render(template, **variables):
    """Render a role's template as Ansible's template module does (trim_blocks), with
    the collection's filter under its full name and Ansible's own `comment`."""
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(CoreFilters().filters())
    env.filters["vramfree.webui.systemd_escape"] = systemd_escape
    return env.from_string(template.read_text()).render(ansible_managed="Ansible managed", **variables)


def webui_variables(ui, webui_dir, home, data_dirs, python="/usr/bin/python3"):
    launch_file = webui_dir + "/webui-user.sh"
    return dict(
        webui_ui=ui,
        webui_dir=webui_dir,
        webui_user="sd",
        webui_data_dirs=data_dirs,
        webui_python=python,
        webui_conflicts_desktop=True,
        webui_start_timeout=1800,
        _webui_nvidia_unit=NVIDIA_UNIT.name,
        _webui_gpu={"pinned": True, "index": 1, "uuid": "GPU-8a2c4e61"},
        _webui_in_home=webui_dir.startswith(home + "/"),
        _webui_home=home,
        _webui_launch_file=launch_file,
        _webui_launcher="/usr/local/libexec/vramfree-webui/launch-with-args.py",
        _webui_profile=_profiles.play_view(ui),
        _webui_entry=_profiles.play_view(ui)["entry"],
    )


CASES = {
    # The README's own example: a data folder with a blank.
    "readme": ("comfyui", "/home/sd/ComfyUI", "/home/sd", ["/srv/comfy outputs"]),
    "blank in the install": ("a1111", "/home/sd/stable diffusion", "/home/sd", []),
    "every awkward character": (
        "comfyui",
        "/srv/ui" + AWKWARD,
        "/home/s d%",
        ["/srv/out" + AWKWARD, "/srv/models 100%"],
    ),
    "a1111 outside the home": ("a1111", '/opt/100% "ui" \\ $x', "/home/sd", ["/srv/a b"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_webui_unit_says_exactly_its_paths_and_systemd_accepts_it(case, tmp_path):
    ui, webui_dir, home, data_dirs = CASES[case]
    # The ComfyUI Python in the install, as its venv would be.
    python = webui_dir + "/venv/bin/python" if ui == "comfyui" else "/usr/bin/python3"
    text = render(WEBUI_TEMPLATE, **webui_variables(ui, webui_dir, home, data_dirs, python))
    found = settings_of(text)

    assert [read_path(v) for v in found["WorkingDirectory"]] == [webui_dir]
    cache = ["-" + home + "/.cache"] if webui_dir.startswith(home + "/") else []
    assert read_paths(found["ReadWritePaths"][0]) == [webui_dir] + data_dirs + cache
    launcher = ["/usr/bin/python3", "/usr/local/libexec/vramfree-webui/launch-with-args.py"]
    if ui == "comfyui":
        argv = launcher + ["--from", webui_dir + "/webui-user.sh", "--argv", "--", python, "main.py"]
    else:
        argv = launcher + ["--from", webui_dir + "/webui-user.sh", "--", "/bin/bash", webui_dir + "/webui.sh"]
    assert [read_command(v) for v in found["ExecStart"]] == [argv]
    environment = {}
    for value in found["Environment"]:
        environment.update(read_environment(value))
    assert environment["CUDA_VISIBLE_DEVICES"] == "GPU-8a2c4e61"
    if not cache:
        assert environment["XDG_CACHE_HOME"] == webui_dir + "/.cache"
    assert _specifiers(found["Description"][0]).endswith(" in " + webui_dir)

    assert verify(tmp_path, text) == []


def test_the_webui_unit_is_the_same_whatever_the_role_waits():
    # webui_start_timeout is how long one run waits: were it in the unit, a run with a
    # longer wait would rewrite the unit and restart a UI that runs fine.
    variables = webui_variables("a1111", "/home/sd/stable-diffusion-webui", "/home/sd", [])
    other = dict(variables)
    other["webui_start_timeout"] = 15
    assert render(WEBUI_TEMPLATE, **variables) == render(WEBUI_TEMPLATE, **other)


@pytest.mark.parametrize(
    "variable, value",
    [
        ("webui_dir", "/home/sd/ui\nExecStartPre=/bin/sh -c 'id'"),
        ("webui_dir", "stable-diffusion-webui"),
        ("webui_data_dirs", ["/srv/out", "outputs"]),
        ("webui_data_dirs", ["/srv/out\0x"]),
        ("webui_python", "/usr/bin/python3\nUser=root"),
        ("webui_python", "venv/bin/python"),
    ],
)
def test_the_webui_unit_refuses_a_value_it_cannot_write(variable, value):
    variables = webui_variables("comfyui", "/home/sd/ComfyUI", "/home/sd", [])
    variables[variable] = value
    if variable == "webui_dir":
        variables["_webui_launch_file"] = value + "/webui-user.sh"
    with pytest.raises(AnsibleFilterError, match=r"systemd_escape: %s" % variable):
        render(WEBUI_TEMPLATE, **variables)


@pytest.mark.parametrize(
    "socat_range, upstream",
    [("192.168.1.0/24", "127.0.0.1:7860"), (None, "127.0.0.1:7860"), ("10.0.0.5/32", "[::1]:7860")],
)
def test_the_socat_unit_says_exactly_its_command_and_systemd_accepts_it(socat_range, upstream, tmp_path):
    text = render(
        SOCAT_TEMPLATE,
        proxy_port=8443,
        proxy_upstream=upstream,
        __proxy_plan={"single_source": socat_range},
    )
    found = settings_of(text)
    listen = "TCP4-LISTEN:8443,fork,reuseaddr" + (",range=" + socat_range if socat_range else "")
    assert [read_command(v) for v in found["ExecStart"]] == [["/usr/bin/socat", "-d", listen, "TCP:" + upstream]]
    # socat need not be installed here for systemd to read the rest.
    complaints = [c for c in verify(tmp_path, text, "socat.service") if "/usr/bin/socat is not executable" not in c]
    assert complaints == []


def test_the_socat_unit_refuses_an_upstream_it_cannot_write():
    with pytest.raises(AnsibleFilterError, match="systemd_escape: proxy_upstream .* holds a line break"):
        render(
            SOCAT_TEMPLATE,
            proxy_port=8443,
            proxy_upstream="127.0.0.1:7860\nUser=root",
            __proxy_plan={"single_source": None},
        )


# --- The LLM servers' unit and drop-in -----------------------------------------------

SERVER_TEMPLATE = ROOT / "roles" / "webui" / "templates" / "server.service.j2"
DROPIN_TEMPLATE = ROOT / "roles" / "webui" / "templates" / "server-dropin.conf.j2"
KEY_FILE = "/etc/vramfree/llamacpp.service/api-key"


def server_variables(ui, server, key="", pinned=True, model="/srv/models/llama 2 13b.gguf"):
    return dict(
        webui_ui=ui,
        webui_user=_profiles.play_view(ui)["user"],
        webui_model=model,
        webui_api_key=key,
        webui_server_binary=_profiles.play_view(ui)["entry"],
        webui_conflicts_desktop=False,
        _webui_nvidia_unit=NVIDIA_UNIT.name,
        _webui_gpu={"pinned": pinned, "index": 1, "uuid": "GPU-3a9e51c4"},
        _webui_profile=_profiles.play_view(ui),
        _webui_server=server,
        _webui_key_file=KEY_FILE,
    )


def test_llama_servers_unit_runs_the_planned_arguments_pinned_with_its_key_from_a_file(tmp_path):
    args = ["--model", "/srv/models/llama 2 13b.gguf", "--host", "127.0.0.1", "--port", "8080", "--n-gpu-layers", "38"]
    secret = "sk-never-in-the-unit-0123"
    text = render(SERVER_TEMPLATE, **server_variables("llamacpp", {"environment": {}, "args": args}, key=secret))
    found = settings_of(text)
    assert [read_command(v) for v in found["ExecStart"]] == [
        ["/usr/local/bin/llama-server"] + args + ["--api-key-file", KEY_FILE]
    ]
    environment = {}
    for value in found["Environment"]:
        environment.update(read_environment(value))
    assert environment["CUDA_VISIBLE_DEVICES"] == "GPU-3a9e51c4"
    assert found["User"] == ["llama"] and found["Restart"] == ["always"]
    assert secret not in text
    # Without a key, no key file is named.
    bare = render(SERVER_TEMPLATE, **server_variables("llamacpp", {"environment": {}, "args": args}, pinned=False))
    bare_found = settings_of(bare)
    assert "--api-key-file" not in bare_found["ExecStart"][0] and "Environment" not in bare_found
    (tmp_path / "llama-server").write_text("#!/bin/sh\n")
    (tmp_path / "llama-server").chmod(0o755)
    local = text.replace("/usr/local/bin/llama-server", str(tmp_path / "llama-server"))
    assert verify(tmp_path, local, "llamacpp.service") == []


def test_ollamas_drop_in_sets_its_environment_and_pins_the_gpu_and_nothing_else():
    environment = {"OLLAMA_HOST": "127.0.0.1:11434", "OLLAMA_KV_CACHE_TYPE": "q8_0", "OLLAMA_FLASH_ATTENTION": "1"}
    text = render(DROPIN_TEMPLATE, **server_variables("ollama", {"environment": environment, "args": []}))
    found = settings_of(text)
    got = {}
    for value in found["Environment"]:
        got.update(read_environment(value))
    assert got == dict(environment, CUDA_DEVICE_ORDER="PCI_BUS_ID", CUDA_VISIBLE_DEVICES="GPU-3a9e51c4")
    # The vendor's ExecStart=, User= and the rest are the installer's: the drop-in sets none.
    assert not {"ExecStart", "User", "Restart"} & set(found)
