# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in Ollama and llama-server, run as programs on a fake GPU host (the fake
nvidia-smi first on PATH, a systemctl that answers from a table) and judged with the real
clients: the `ollama` package and the `openai` package."""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import ollama
import openai
import pytest
from _gguf_fixture import write_gguf
from fake_host import DESKTOP, DESKTOP_PIDS, FAKE_SMI, PROFILES, FakeHost

FILES = FAKE_SMI.parent
OLLAMA = FILES / "standin-ollama" / "ollama"
LLAMA_SERVER = FILES / "standin-llamacpp" / "llama-server"
GTX1070_UUID = "GPU-0f6b3d2e-8a41-4c7d-b1e9-5a2c7d4e9f08"
GTX1080TI_UUID = "GPU-3a9e51c4-7d20-4f86-a5b3-c18e6f0d2b97"
# A 12B-class model (Mistral Nemo's shape) that does not fit an 8 GB card whole, and an
# 8B-class one (Llama 3's shape) that does.
BIG = dict(size_mib=6800, block_count=40, embedding_length=5120, head_count=32, head_count_kv=8)
SMALL = dict(size_mib=4400, block_count=32, embedding_length=4096, head_count=32, head_count_kv=8)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout=20.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("timed out waiting for %s" % what)


def http(url, headers=None):
    """(status, JSON body) of a GET, or None while nothing listens."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except (ConnectionError, urllib.error.URLError):
        return None


class Host:
    """A fake GPU host in tmp_path with one service unit (ollama.service or
    llamacpp.service) whose held VRAM the fake nvidia-smi reads from a file."""

    def __init__(self, tmp_path, profile, unit):
        self.fake = FakeHost(tmp_path)
        self.held_dir = tmp_path / "run-vramfree-fake-gpu"
        self.held_dir.mkdir()
        self.held = self.held_dir / (unit.split(".")[0] + ".mib")
        data = json.loads((PROFILES / profile).read_text(encoding="utf-8"))
        for holder in data["holders"]:
            if "used_mib_file" in holder:
                assert holder["unit"] == unit
                assert holder["used_mib_file"] == "/run/vramfree-fake-gpu/%s" % self.held.name
                holder["used_mib_file"] = str(self.held)
        self.profile = tmp_path / profile
        self.profile.write_text(json.dumps(data), encoding="utf-8")
        self.unit = unit
        self.tmp = tmp_path
        self.procs = []

    def env(self, desktop=True, **extra):
        units = dict(DESKTOP if desktop else {}, **{self.unit: {"main_pid": 4242}})
        env = self.fake.env(self.profile, units, DESKTOP_PIDS)
        env.update(HOME=str(self.tmp), VRAMFREE_FAKE_GPU_HELD=str(self.held), VRAMFREE_STANDIN_TIME_SCALE="0.001")
        env.update(extra)
        return env

    def start(self, argv, env):
        # One server at a time: they share the unit and its used_mib_file.
        self.stop_all()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(proc)
        return proc

    def smi(self, desktop=True, *args):
        out = subprocess.run(
            [str(self.fake.smi)] + list(args), env=self.env(desktop), check=True, capture_output=True, text=True
        ).stdout
        return out

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.communicate(timeout=20)


@pytest.fixture
def host(tmp_path):
    made = []

    def make(profile, unit):
        made.append(Host(tmp_path / str(len(made)), profile, unit))
        return made[-1]

    yield make
    for one in made:
        one.stop_all()


# --- Ollama ---------------------------------------------------------------------------------


def add_ollama_model(models, name, **shape):
    """The real store's layout: a manifest naming the GGUF blob by digest."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    blobs = models / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    write_gguf(blobs / ("sha256-" + digest), **shape)
    model, _colon, tag = name.partition(":")
    manifest = models / "manifests" / "registry.ollama.ai" / "library" / model / (tag or "latest")
    manifest.parent.mkdir(parents=True, exist_ok=True)
    size = (blobs / ("sha256-" + digest)).stat().st_size
    manifest.write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "layers": [
                    {"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:" + digest, "size": size}
                ],
            }
        ),
        encoding="utf-8",
    )


class Ollama:
    def __init__(self, host, desktop=True, **env):
        self.port = free_port()
        self.host = host
        models = host.tmp / "models"
        if not models.exists():
            add_ollama_model(models, "nemo:12b", **BIG)
            add_ollama_model(models, "llama3:8b", **SMALL)
        environ = host.env(desktop, OLLAMA_HOST="127.0.0.1:%d" % self.port, OLLAMA_MODELS=str(models), **env)
        self.proc = host.start([str(OLLAMA), "serve"], environ)
        self.env = environ
        wait_until(lambda: self.proc.poll() is not None or http(self.url + "/api/version"), what="ollama to listen")
        assert self.proc.poll() is None, self.proc.communicate()
        self.client = ollama.Client(host=self.url)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def loaded(self, model, **options):
        self.client.generate(model=model, prompt="", options=options)
        (running,) = self.client.ps().models
        return running

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.communicate(timeout=20)


def test_ollama_places_more_layers_when_the_desktop_frees_vram(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    with_desktop = Ollama(gpu, desktop=True).loaded("nemo:12b")
    without = Ollama(gpu, desktop=False).loaded("nemo:12b")
    assert 0 < with_desktop.size_vram < without.size_vram < without.size
    # The model is the same, so what does not fit on the GPU is the difference.
    assert with_desktop.size == pytest.approx(without.size, rel=0.01)
    assert with_desktop.model == "nemo:12b" and with_desktop.details.quantization_level == "Q4_0"
    assert with_desktop.context_length == 4096


def test_ollama_small_model_fits_whole(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    running = Ollama(gpu).loaded("llama3:8b")
    assert running.size == running.size_vram > 4400 * 2**20


def test_ollama_kv_cache_type_needs_flash_attention_as_the_real_one(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    f16 = Ollama(gpu).loaded("nemo:12b")
    q8_without_fa = Ollama(gpu, OLLAMA_KV_CACHE_TYPE="q8_0").loaded("nemo:12b")
    q8_with_fa = Ollama(gpu, OLLAMA_KV_CACHE_TYPE="q8_0", OLLAMA_FLASH_ATTENTION="1").loaded("nemo:12b")
    bogus_with_fa = Ollama(gpu, OLLAMA_KV_CACHE_TYPE="q3_k", OLLAMA_FLASH_ATTENTION="true").loaded("nemo:12b")
    assert (q8_without_fa.size, q8_without_fa.size_vram) == (f16.size, f16.size_vram)
    assert (bogus_with_fa.size, bogus_with_fa.size_vram) == (f16.size, f16.size_vram)
    # 800 MiB of f16 KV cache at 4096 tokens becomes 425 MiB: a smaller model in all, and
    # a larger share of it on the GPU.
    assert q8_with_fa.size < f16.size
    assert q8_with_fa.size_vram / q8_with_fa.size > f16.size_vram / f16.size


def test_ollama_context_length_and_gpu_overhead(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    server = Ollama(gpu, OLLAMA_GPU_OVERHEAD=str(1024 * 2**20))
    reserved = server.loaded("nemo:12b")
    plain = Ollama(gpu).loaded("nemo:12b")
    assert reserved.size_vram < plain.size_vram
    longer = Ollama(gpu, OLLAMA_CONTEXT_LENGTH="16384").loaded("nemo:12b")
    assert longer.context_length == 16384 and longer.size > plain.size
    per_request = Ollama(gpu).loaded("nemo:12b", num_ctx=2048)
    assert per_request.context_length == 2048 and per_request.size < plain.size


def test_ollama_generate_and_chat_with_the_real_client(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    server = Ollama(gpu)
    client = server.client
    assert {m.model for m in client.list().models} == {"nemo:12b", "llama3:8b"}
    answer = client.generate(model="llama3:8b", prompt="Why is the sky blue?", options={"num_predict": 20})
    assert answer.done and answer.eval_count == 20 and answer.eval_duration > 0 and answer.response
    assert answer.prompt_eval_count > 0 and answer.total_duration >= answer.eval_duration
    parts = list(client.generate(model="llama3:8b", prompt="Hi", stream=True))
    assert [p.done for p in parts] == [False] * 32 + [True]
    assert parts[-1].eval_count == 32 and "".join(p.response for p in parts).startswith("This is")
    chat = client.chat(model="llama3:8b", messages=[{"role": "user", "content": "Hello"}])
    assert chat.message.role == "assistant" and chat.message.content and chat.eval_count == 32
    streamed = list(client.chat(model="llama3:8b", messages=[{"role": "user", "content": "Hi"}], stream=True))
    assert streamed[-1].done and streamed[-1].eval_duration > 0
    shown = client.show("llama3:8b")
    assert shown.modelinfo["llama.block_count"] == 32 and shown.details.family == "llama"
    with pytest.raises(ollama.ResponseError) as missing:
        client.generate(model="absent:1b", prompt="Hi")
    assert missing.value.status_code == 404 and missing.value.error == "model 'absent:1b' not found"
    with pytest.raises(ollama.ResponseError) as hostile:
        client.generate(model="../../../etc/passwd", prompt="Hi")
    assert hostile.value.status_code == 404


def tokens_per_second(answer):
    return answer.eval_count / answer.eval_duration * 1e9


def test_ollama_speed_follows_the_layers_on_the_gpu(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    crowded = Ollama(gpu, desktop=True).client.generate(model="nemo:12b", prompt="Hi")
    free = Ollama(gpu, desktop=False).client.generate(model="nemo:12b", prompt="Hi")
    whole = Ollama(gpu, desktop=False).client.generate(model="llama3:8b", prompt="Hi")
    assert tokens_per_second(crowded) < tokens_per_second(free) < tokens_per_second(whole)
    # All 33 layers of the 4400 MiB model from VRAM at 250000 MiB/s.
    assert tokens_per_second(whole) == pytest.approx(250000 / 4400, rel=0.01)


def used_mib(gpu, desktop=True):
    return int(gpu.smi(desktop, "--query-gpu=memory.used", "--format=csv,noheader,nounits"))


def test_ollama_declares_what_it_holds_to_the_fake_gpu(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    server = Ollama(gpu)
    assert not gpu.held.exists() and used_mib(gpu) == 701
    running = server.loaded("nemo:12b")
    held = int(gpu.held.read_text())
    assert held == -(-running.size_vram // 2**20)
    assert used_mib(gpu) == 701 + held
    apps = gpu.smi(True, "--query-compute-apps=pid,process_name,used_memory", "--format=csv,noheader,nounits")
    assert apps == "4242, /usr/local/bin/ollama, %d\n" % held
    # keep_alive 0 unloads, as `ollama stop` does.
    server.client.generate(model="nemo:12b", prompt="", keep_alive=0)
    assert server.client.ps().models == [] and not gpu.held.exists() and used_mib(gpu) == 701
    server.loaded("llama3:8b")
    assert gpu.held.exists()
    server.stop()
    assert server.proc.returncode == 0 and not gpu.held.exists()


def test_ollama_keep_alive_expires(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    server = Ollama(gpu, OLLAMA_KEEP_ALIVE="200ms")
    server.loaded("llama3:8b")
    wait_until(lambda: not server.client.ps().models and not gpu.held.exists(), what="the model to expire")


def test_ollama_version_and_cuda_visible_devices(host):
    gpu = host("gtx1070-ollama-desktop.json", "ollama.service")
    server = Ollama(gpu)
    out = subprocess.run([str(OLLAMA), "--version"], env=server.env, capture_output=True, text=True, check=True)
    assert out.stdout == "ollama version is 0.6.8\n"
    assert Ollama(gpu, CUDA_VISIBLE_DEVICES=GTX1070_UUID).loaded("llama3:8b").size_vram > 0
    assert Ollama(gpu, CUDA_VISIBLE_DEVICES="0").loaded("llama3:8b").size_vram > 0
    hidden = Ollama(gpu, CUDA_VISIBLE_DEVICES="").loaded("llama3:8b")
    assert hidden.size_vram == 0 and hidden.size > 0
    assert Ollama(gpu, CUDA_VISIBLE_DEVICES="GPU-00000000").loaded("llama3:8b").size_vram == 0


@pytest.fixture(scope="module")
def ollama_module():
    loader = importlib.machinery.SourceFileLoader("standin_ollama", str(OLLAMA))
    spec = importlib.util.spec_from_loader("standin_ollama", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", ("http", "127.0.0.1", 11434)),
        ("0.0.0.0", ("http", "0.0.0.0", 11434)),
        ("0.0.0.0:8080", ("http", "0.0.0.0", 8080)),
        (":1234", ("http", "", 1234)),
        ("http://10.0.0.5", ("http", "10.0.0.5", 80)),
        ("https://example.com/", ("https", "example.com", 443)),
        ("[::1]:11500", ("http", "::1", 11500)),
        ("::1", ("http", "::1", 11434)),
        ("'127.0.0.1:11435'", ("http", "127.0.0.1", 11435)),
        ("127.0.0.1:99999", ("http", "127.0.0.1", 11434)),
    ],
)
def test_ollama_host_is_parsed_as_envconfig_does(ollama_module, value, expected):
    assert ollama_module.parse_host(value) == expected


# --- llama-server -----------------------------------------------------------------------------


class LlamaServer:
    def __init__(self, host, *args, desktop=True, model="big.gguf", wait=True, **env):
        self.port = free_port()
        shape = {"big.gguf": BIG, "small.gguf": SMALL}[model]
        self.model = host.tmp / model
        if not self.model.exists():
            write_gguf(self.model, **shape)
        self.env = host.env(desktop, **env)
        argv = [str(LLAMA_SERVER), "-m", str(self.model), "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = host.start(argv + list(args), self.env)
        if wait:
            wait_until(lambda: self.proc.poll() is not None or self.health() == 200, what="llama-server to load")
            assert self.proc.poll() is None, self.proc.communicate()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def health(self):
        answer = http(self.url + "/health")
        return answer and answer[0]

    def post(self, path, body, key=None):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        request = urllib.request.Request(self.url + path, json.dumps(body).encode(), headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


def test_llama_server_health_is_503_while_loading_then_200(host):
    gpu = host("two-gpus-llamacpp.json", "llamacpp.service")
    gate = gpu.tmp / "gate"
    server = LlamaServer(gpu, "-ngl", "20", wait=False, VRAMFREE_STANDIN_LOAD_GATE=str(gate))
    loading = wait_until(lambda: http(server.url + "/health"), what="the HTTP server")
    assert loading == (503, {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}})
    assert http(server.url + "/v1/models")[0] == 503 and not gpu.held.exists()
    gate.touch()
    wait_until(lambda: server.health() == 200, what="the model to load")
    assert http(server.url + "/health") == (200, {"status": "ok"})


def test_llama_server_api_key_as_the_real_one(host):
    gpu = host("two-gpus-llamacpp.json", "llamacpp.service")
    keys = gpu.tmp / "keys"
    keys.write_text("# the role's key\nsecret-one\n\nsecret-two\n", encoding="utf-8")
    server = LlamaServer(
        gpu, "--api-key-file", str(keys), "-a", "nemo", "-c", "4096", "-ngl", "99", CUDA_VISIBLE_DEVICES=GTX1080TI_UUID
    )
    denied = {"error": {"code": 401, "message": "Invalid API Key", "type": "authentication_error"}}
    assert server.post("/completion", {"prompt": "Hi"}) == (401, denied)
    assert server.post("/completion", {"prompt": "Hi"}, key="wrong") == (401, denied)
    assert server.post("/completion", {"prompt": "Hi"}, key="# the role's key") == (401, denied)
    assert http(server.url + "/props") == (401, denied)
    assert http(server.url + "/health") == (200, {"status": "ok"})
    status, listed = http(server.url + "/v1/models")
    assert status == 200 and [m["id"] for m in listed["data"]] == ["nemo"]
    status, body = server.post("/completion", {"prompt": "Hi", "n_predict": 8}, key="secret-two")
    assert status == 200 and body["tokens_predicted"] == 8 and body["timings"]["predicted_per_second"] > 0

    client = openai.OpenAI(base_url=server.url + "/v1", api_key="secret-one")
    reply = client.chat.completions.create(model="nemo", messages=[{"role": "user", "content": "Hello"}], max_tokens=12)
    assert reply.choices[0].message.content and reply.choices[0].finish_reason == "length"
    assert (reply.usage.completion_tokens, reply.usage.total_tokens) == (12, 12 + reply.usage.prompt_tokens)
    chunks = list(
        client.chat.completions.create(model="nemo", messages=[{"role": "user", "content": "Hi"}], stream=True)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).startswith("This is")
    assert [m.id for m in client.models.list()] == ["nemo"]
    with pytest.raises(openai.AuthenticationError) as wrong:
        openai.OpenAI(base_url=server.url + "/v1", api_key="wrong").chat.completions.create(
            model="nemo", messages=[{"role": "user", "content": "Hi"}]
        )
    assert wrong.value.status_code == 401 and wrong.value.body == denied["error"]


def test_llama_server_exits_with_the_out_of_memory_text(host):
    gpu = host("two-gpus-llamacpp.json", "llamacpp.service")
    server = LlamaServer(gpu, "-ngl", "99", "-c", "4096", wait=False, CUDA_VISIBLE_DEVICES=GTX1070_UUID)
    _out, err = server.proc.communicate(timeout=30)
    assert server.proc.returncode == 1
    assert "load_tensors: offloaded 41/41 layers to GPU" in err
    # The weights (7000 MiB with the CUDA context) fit the 7413 MiB free; the KV cache does not.
    assert "allocating 800.00 MiB on device 0: cudaMalloc failed: out of memory" in err
    assert "llama_init_from_model: failed to initialize the context: failed to allocate buffer for kv cache" in err
    assert err.endswith("srv  llama_server: exiting due to model loading error\n")
    assert not gpu.held.exists()


def test_llama_server_layers_follow_the_free_vram(host):
    gpu = host("two-gpus-llamacpp.json", "llamacpp.service")
    on_desktop_gpu = dict(CUDA_VISIBLE_DEVICES=GTX1070_UUID)
    # 30 layers fit beside the desktop on the GTX 1070, 36 only once the desktop is stopped.
    assert LlamaServer(gpu, "-ngl", "30", "-c", "4096", **on_desktop_gpu).health() == 200
    failed = LlamaServer(gpu, "-ngl", "36", "-c", "4096", wait=False, **on_desktop_gpu)
    assert failed.proc.wait(timeout=30) == 1
    fits = LlamaServer(gpu, "-ngl", "36", "-c", "4096", desktop=False, **on_desktop_gpu)
    assert fits.post("/completion", {"prompt": "Hi"})[0] == 200
    rates = []
    for layers in ("0", "20", "41"):
        server = LlamaServer(gpu, "-ngl", layers, "-c", "4096", CUDA_VISIBLE_DEVICES=GTX1080TI_UUID)
        rates.append(server.post("/completion", {"prompt": "Hi"})[1]["timings"]["predicted_per_second"])
    assert rates[0] < rates[1] < rates[2]
    assert rates[2] == pytest.approx(250000 / 6800, rel=0.01)


def test_llama_server_declares_what_it_holds_on_its_gpu(host):
    gpu = host("two-gpus-llamacpp.json", "llamacpp.service")
    server = LlamaServer(gpu, "-ngl", "41", "-c", "4096", CUDA_VISIBLE_DEVICES=GTX1080TI_UUID)
    held = int(gpu.held.read_text())
    # 200 CUDA context + 6800 weights + 800 KV cache + 533 compute buffer.
    assert held == 8334
    rows = gpu.smi(True, "--query-gpu=index,memory.used", "--format=csv,noheader,nounits").splitlines()
    assert rows == ["0, 701", "1, %d" % (1 + held)]
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=20) == 0 and not gpu.held.exists()


def test_llama_server_fits_an_unset_layer_count(host):
    gpu = host("two-gpus-llamacpp.json", "llamacpp.service")
    server = LlamaServer(gpu, "-c", "4096", CUDA_VISIBLE_DEVICES=GTX1070_UUID)
    assert server.health() == 200
    # Leaves --fit-target's 1024 MiB of the 7413 free.
    assert 7413 - 1024 - 200 < int(gpu.held.read_text()) <= 7413 - 1024


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus"], "error: invalid argument: --bogus\n"),
        (["--port=8080"], "error: invalid argument: --port=8080\n"),
        (["-ngl"], 'error while handling argument "-ngl": expected value for argument\n'),
    ],
)
def test_llama_server_refuses_unknown_arguments(host, args, message):
    gpu = host("two-gpus-llamacpp.json", "llamacpp.service")
    proc = subprocess.run(
        [str(LLAMA_SERVER)] + args, env=gpu.env(), capture_output=True, text=True, timeout=30, check=False
    )
    assert proc.returncode == 1 and proc.stderr.startswith(message)


def test_llama_server_no_gpu_runs_on_the_cpu(host):
    gpu = host("two-gpus-llamacpp.json", "llamacpp.service")
    server = LlamaServer(gpu, "-ngl", "99", "-c", "4096", model="small.gguf", CUDA_VISIBLE_DEVICES="")
    status, body = server.post("/completion", {"prompt": "Hi"})
    assert status == 200 and body["timings"]["predicted_per_second"] == pytest.approx(25000 / 4400, rel=0.01)
    assert not gpu.held.exists()
    server.proc.send_signal(signal.SIGTERM)
    assert "warning: no usable GPU found, --gpu-layers option will be ignored" in server.proc.communicate()[1]


def test_standins_run_with_debians_python3_alone():
    for path in (OLLAMA, LLAMA_SERVER):
        text = path.read_text(encoding="utf-8")
        assert path.stat().st_mode & 0o111 and text.startswith("#!/bin/sh\n")
        imported = {line.split()[1].split(".")[0] for line in text.splitlines() if line.startswith("import ")}
        assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)
        assert "\nfrom " not in text


def test_ollama_unit_is_the_installers():
    unit = (FILES / "standin-ollama" / "ollama.service").read_text(encoding="utf-8")
    body = [line for line in unit.splitlines() if line and not line.startswith("#")]
    assert body == [
        "[Unit]",
        "Description=Ollama Service",
        "After=network-online.target",
        "[Service]",
        "ExecStart=/usr/local/bin/ollama serve",
        "User=ollama",
        "Group=ollama",
        "Restart=always",
        "RestartSec=3",
        'Environment="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"',
        "[Install]",
        "WantedBy=default.target",
    ]
    assert os.path.basename(OLLAMA) == "ollama"
