"""What a user cares about after site ran on a fleet of an A1111 box, an Ollama box and a
llama-server box: each server runs on the VRAM the desktop gave back (or on the GPU
without a display), with settings planned from it, bound to loopback; the vendor's unit
is left as its installer wrote it; the API key is nowhere a user or a log could read it;
real clients (the ollama and openai packages) get answers through the proxy and are
turned away without a token or key; and the report shows each box's gain.

Every host check runs on every host, against that host's row of HOSTS: no check is
skipped by host name, and a host missing from the scenario fails the first test."""

import json
import os
import pathlib
import shlex
import sys
import time

import ollama
import openai
import pytest
import testinfra.utils.ansible_runner

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import ansible_playbook, changed_tasks, http_get, inventory_hosts, play_recap  # noqa: E402  pylint: disable=wrong-import-position

PROXY_PORT = 7861
OLLAMA_TOKEN = "tok-ollama-0a1b2c3d4e5f"
API_KEY = "sk-llamacpp-hunter2-5e6f7a8b"
KEY_FILE = "/etc/vramfree/llamacpp.service/api-key"
GTX1080TI = "GPU-3a9e51c4-7d20-4f86-a5b3-c18e6f0d2b97"
HOSTS = {
    # One 4 GB GTX 970 shared with the desktop: the desktop stops, A1111 runs without a
    # memory flag (as in the webui scenario).
    "vramfree-llm-a1111": dict(ui="a1111", unit="webui.service", desktop=False, port=7860),
    # One 8 GB GTX 1070 shared with the desktop: the desktop stops; 8113 MiB free with
    # Ollama's own VRAM counted free is docs/llm-memory.md's row "lean" (6144 MiB or more).
    "vramfree-llm-ollama": dict(
        ui="ollama",
        unit="ollama.service",
        desktop=False,
        port=11434,
        env={
            "OLLAMA_HOST": "127.0.0.1:11434",
            "OLLAMA_FLASH_ATTENTION": "1",
            "OLLAMA_KV_CACHE_TYPE": "q8_0",
            "OLLAMA_CONTEXT_LENGTH": "8192",
            "OLLAMA_GPU_OVERHEAD": "0",
        },
    ),
    # Two GPUs: llama-server takes the GTX 1080 Ti, which drives no display, and the
    # desktop keeps the GTX 1070. 11089 MiB free there; Llama 2 13B Q4_K_M (7500 MiB,
    # 40 blocks, 80 MiB of f16 KV cache a layer at 4096 tokens) gets the layers that fit.
    "vramfree-llm-llamacpp": dict(ui="llamacpp", unit="llamacpp.service", desktop=True, port=8080),
}


def expect(host):
    return HOSTS[host.backend.get_hostname()]


def address(name):
    runner = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
    return runner.get_variables(name)["ansible_host"]


def unit_show(host, unit, *props):
    out = host.check_output("systemctl show %s --property=%s", unit, ",".join(props))
    return dict(line.split("=", 1) for line in out.splitlines())


def test_the_scenario_has_every_host_it_checks():
    assert inventory_hosts() == set(HOSTS)


def test_the_desktop_stopped_only_where_the_server_shares_its_gpu(host):
    running = host.run("systemctl is-active --quiet display-manager.service").rc == 0
    assert running == expect(host)["desktop"]


def test_the_server_runs_enabled_and_answers_on_loopback_only(host):
    want = expect(host)
    props = unit_show(host, want["unit"], "ActiveState", "UnitFileState")
    assert props == {"ActiveState": "active", "UnitFileState": "enabled"}
    listening = host.check_output("ss -Htlnp")
    ours = [line.split()[3] for line in listening.splitlines() if line.split()[3].endswith(":%d" % want["port"])]
    assert ours == ["127.0.0.1:%d" % want["port"]]


def test_ollama_is_configured_through_a_drop_in_and_its_installers_unit_is_untouched(host):
    want = expect(host)
    dropin = host.file("/etc/systemd/system/ollama.service.d/vramfree.conf")
    vendor = host.file("/etc/systemd/system/ollama.service")
    if want["ui"] != "ollama":
        assert not dropin.exists
        return
    assert vendor.sha256sum == host.file("/var/tmp/pristine-ollama.service").sha256sum
    assert (dropin.user, dropin.mode) == ("root", 0o644)
    environment = unit_show(host, "ollama.service", "Environment")["Environment"].split()
    planned = dict(item.split("=", 1) for item in environment if item.startswith(("OLLAMA_", "CUDA_")))
    assert planned == want["env"]
    # Still the installer's user: the role never invents one.
    assert unit_show(host, "ollama.service", "User") == {"User": "ollama"}


def llama_layers(host):
    """The unit's --n-gpu-layers, and its ExecStart= as words (systemd quotes each one)."""
    unit = host.file("/etc/systemd/system/llamacpp.service").content_string
    exec_start = next(row for row in unit.splitlines() if row.startswith("ExecStart="))
    words = shlex.split(exec_start[len("ExecStart=") :])
    return int(words[words.index("--n-gpu-layers") + 1]), " ".join(words)


def test_llama_server_gets_the_layers_that_fit_the_gpu_without_a_display(host):
    if expect(host)["ui"] != "llamacpp":
        assert not host.file("/etc/systemd/system/llamacpp.service").exists
        return
    layers, exec_start = llama_layers(host)
    # Some layers, not all 41: the model needs more than the free VRAM holds, and the
    # plan keeps what the server needs beside them (the stand-in runs out of memory, and
    # the unit would not be active, had it asked for too many).
    assert 30 <= layers < 41
    assert "--model /srv/models/tiny-llama-q4.gguf" in exec_start
    assert "--host 127.0.0.1 --port 8080" in exec_start
    environment = unit_show(host, "llamacpp.service", "Environment")["Environment"]
    assert "CUDA_VISIBLE_DEVICES=%s" % GTX1080TI in environment
    # The VRAM the server declared sits on the GTX 1080 Ti, the GPU it was pinned to.
    held = host.check_output("nvidia-smi --query-gpu=index,memory.used --format=csv,noheader,nounits")
    used = {int(i): int(m) for i, m in (row.split(", ") for row in held.splitlines())}
    assert used[1] > 7000


def test_the_api_key_is_in_no_command_line_unit_journal_or_report(host):
    if expect(host)["ui"] != "llamacpp":
        assert not host.file(KEY_FILE).exists
        return
    key = host.file(KEY_FILE)
    assert (key.user, key.group, key.mode, key.content_string) == ("root", "llama", 0o640, API_KEY)
    folder = host.file(KEY_FILE.rsplit("/", 1)[0])
    assert (folder.user, folder.group, folder.mode) == ("root", "llama", 0o750)
    # No other user can read it.
    assert host.run("runuser -u nobody -- cat %s", KEY_FILE).rc != 0
    places = [
        host.check_output("ps -eo args"),
        host.file("/etc/systemd/system/llamacpp.service").content_string,
        host.check_output("systemctl show llamacpp.service"),
        host.check_output("journalctl --no-pager -o cat"),
    ]
    for text in places:
        assert API_KEY not in text
    # The server reads it from the file: the path is on its command line, the key is not.
    assert "--api-key-file %s" % KEY_FILE in llama_layers(host)[1]


def test_ollama_answers_a_real_client_through_nginx_with_the_token_only():
    base = "http://%s:%d" % (address("vramfree-llm-ollama"), PROXY_PORT)
    client = ollama.Client(host=base, headers={"Authorization": "Bearer " + OLLAMA_TOKEN}, timeout=120)
    names = [model.model for model in client.list().models]
    assert "llama3.1:8b-q6" in names
    answer = client.generate(model="llama3.1:8b-q6", prompt="Say hello.", options={"num_predict": 8})
    assert answer.eval_count == 8 and answer.eval_duration > 0
    # With the desktop gone the whole model is on the GPU (it was not beside the desktop:
    # the benchmark shows that before/after).
    loaded = client.ps().models
    assert loaded and all(m.size_vram == m.size for m in loaded), loaded
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        with pytest.raises(ollama.ResponseError) as refused:
            ollama.Client(host=base, headers=headers, timeout=30).list()
        assert refused.value.status_code == 401


def test_llama_server_answers_a_real_client_through_socat_with_its_key_only():
    base = "http://%s:%d/v1" % (address("vramfree-llm-llamacpp"), PROXY_PORT)
    deadline = time.monotonic() + 120
    while True:
        try:
            reply = openai.OpenAI(base_url=base, api_key=API_KEY, max_retries=0, timeout=30).chat.completions.create(
                model="any", messages=[{"role": "user", "content": "Say hello."}], max_tokens=8
            )
            break
        except openai.APIStatusError as exc:
            # 503 while the model loads after the last restart: wait on it, no longer.
            if exc.status_code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert reply.usage.completion_tokens == 8
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=base, api_key="sk-wrong", max_retries=0, timeout=30).chat.completions.create(
            model="any", messages=[{"role": "user", "content": "hi"}], max_tokens=1
        )


def test_a1111_still_runs_beside_them(host):
    if expect(host)["ui"] != "a1111":
        # The LLM boxes got no image UI's unit.
        assert not host.file("/etc/systemd/system/webui.service").exists
        return
    assert '"Stable Diffusion (stand-in)"' in http_get(host, 7860, "/")


def report():
    folder = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "report"
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def test_the_report_shows_each_servers_settings_and_the_vram_it_gained():
    hosts = report()["hosts"]
    assert set(hosts) == set(HOSTS)
    text = json.dumps(report())
    assert OLLAMA_TOKEN not in text and API_KEY not in text
    for name, want in HOSTS.items():
        entry = hosts[name]
        assert entry["webui"]["ui"] == want["ui"], entry
        assert entry["webui"]["configured"] is True, entry
    assert hosts["vramfree-llm-ollama"]["webui"]["memory_mode"] == "lean"
    layers = int(hosts["vramfree-llm-llamacpp"]["webui"]["memory_mode"])
    assert 30 <= layers < 41


# The benchmark: Ollama's gain from the desktop stop, llama-server's autotune -------------

EPHEMERAL = pathlib.Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "."))
BENCHMARK = pathlib.Path(__file__).resolve().parents[3] / "playbooks" / "benchmark.yml"
CONVERGE = pathlib.Path(__file__).resolve().parents[1] / "converge.yml"


def benchmarked(folder, name):
    return json.loads((EPHEMERAL / folder / "benchmark.json").read_text(encoding="utf-8"))["hosts"][name]


def run_benchmark(folder, limit, *args):
    proc = ansible_playbook(
        BENCHMARK, "-e", "vramfree_hosts=%s" % limit, "-e", "vramfree_report_dir=%s" % (EPHEMERAL / folder), *args
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    return proc


def test_the_benchmark_measures_ollamas_gain_from_the_desktop_stop():
    # prepare.yml ran the benchmark beside the desktop, on the installer's settings.
    run_benchmark("benchmark-after", "vramfree-llm-ollama")
    before = [t for t in benchmarked("benchmark-before", "vramfree-llm-ollama")["trials"] if t["ok"]]
    after = [t for t in benchmarked("benchmark-after", "vramfree-llm-ollama")["trials"] if t["ok"]]
    assert before and after
    # Beside the desktop some layers stayed on the CPU; without it the whole model is in VRAM,
    # and the tokens come faster.
    assert 0 < before[-1]["vram_share"] < 1
    assert after[-1]["vram_share"] == 1
    assert after[-1]["tokens_per_second"] > before[-1]["tokens_per_second"]


def test_autotune_finds_the_most_layers_that_load_and_site_keeps_them():
    server = testinfra.get_host(
        "ansible://vramfree-llm-llamacpp", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"], sudo=True
    )
    planned = llama_layers(server)[0]
    run_benchmark("benchmark-autotune", "vramfree-llm-llamacpp", "-e", "autotune=true")
    entry = benchmarked("benchmark-autotune", "vramfree-llm-llamacpp")
    chosen = int(entry["chosen_mode"])
    tried = {int(t["mode"]): t["ok"] for t in entry["trials"] if t["phase"] == "autotune"}
    # The plan's estimate leaves room; autotune proves one layer more loads and the next
    # runs out of memory (the stand-in's cudaMalloc failure), and leaves the server there.
    assert chosen >= planned and tried[chosen] is True
    assert tried.get(chosen + 1) is False or chosen == entry["layers_total"]
    assert llama_layers(server)[0] == chosen
    assert server.service("llamacpp.service").is_running
    # site keeps what autotune proved: nothing changes, the server is not restarted.
    pid = server.check_output("systemctl show --property=MainPID --value llamacpp.service")
    # A report folder of its own, made first: a new folder on the controller is a change.
    (EPHEMERAL / "report-rerun").mkdir(exist_ok=True)
    proc = ansible_playbook(
        CONVERGE, "--limit", "vramfree-llm-llamacpp", "-e", "vramfree_report_dir=%s" % (EPHEMERAL / "report-rerun")
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert play_recap(proc.stdout)["vramfree-llm-llamacpp"]["changed"] == 0, changed_tasks(proc.stdout)
    assert llama_layers(server)[0] == chosen
    assert server.check_output("systemctl show --property=MainPID --value llamacpp.service") == pid
