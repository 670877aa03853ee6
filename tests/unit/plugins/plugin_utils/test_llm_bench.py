"""The benchmark's decisions for the LLM servers: tokens per second and the VRAM share from
their answers, out of memory, llama-server's unit with another --n-gpu-layers, the
autotune's trials and stop rule, what is remembered for site, and the report."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark as bm
from ansible_collections.vramfree.webui.plugins.plugin_utils import _llm_bench as lb

# Ollama v0.9.6 api/types.go GenerateResponse, non-streamed: durations in nanoseconds.
GENERATE = {
    "model": "llama3.2:1b",
    "created_at": "2026-01-01T00:00:00Z",
    "response": "The lighthouse keeper ...",
    "done": True,
    "done_reason": "length",
    "total_duration": 2_500_000_000,
    "load_duration": 1_000_000_000,
    "prompt_eval_count": 20,
    "prompt_eval_duration": 100_000_000,
    "eval_count": 128,
    "eval_duration": 1_280_000_000,
}
# ProcessModelResponse: size and size_vram in bytes.
PS = {
    "models": [
        {
            "name": "llama3.2:1b",
            "model": "llama3.2:1b",
            "size": 2048 * lb.MIB,
            "size_vram": 1536 * lb.MIB,
            "digest": "abc",
            "expires_at": "2026-01-01T00:05:00Z",
        }
    ]
}
# llama.cpp b5900 tools/server: /completion's answer.
COMPLETION = {
    "content": " The lighthouse",
    "tokens_predicted": 128,
    "tokens_evaluated": 20,
    "stop": True,
    "timings": {
        "prompt_n": 20,
        "prompt_ms": 50.0,
        "prompt_per_second": 400.0,
        "predicted_n": 128,
        "predicted_ms": 3200.0,
        "predicted_per_second": 40.0,
    },
}
LLAMA_OOM_LOG = [
    "llama_model_load_from_file_impl: using device CUDA0 (NVIDIA GeForce GTX 970) - 3329 MiB free",
    "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 2900.00 MiB on device 0: cudaMalloc failed: out of memory",
    "llama_model_load: error loading model: unable to allocate CUDA0 buffer",
]
UNIT = """# Ansible managed
[Unit]
Description=llama.cpp's llama-server (model.gguf)

[Service]
Type=simple
User=llama
Environment=CUDA_DEVICE_ORDER=PCI_BUS_ID
ExecStart="/usr/local/bin/llama-server" --model /srv/models/model.gguf --host 127.0.0.1 --port 8080 \
--ctx-size 4096 --n-gpu-layers 20 --api-key-file /etc/vramfree/llamacpp.service/api-key
Restart=always

[Install]
WantedBy=multi-user.target
""".replace("\\\n", "")
MODEL_INFO = {"name": "Llama 3.2 1B", "block_count": 16, "file_size_mib": 770, "architecture": "llama"}
GPU = {"index": 0, "name": "NVIDIA GeForce GTX 970", "uuid": "GPU-970", "memory_free_mib": 3329}


def answer(body, status=200, ps=None):
    found = {"status": status, "elapsed_s": 2.6, "body": body, "text": None, "error": None}
    if ps is not None:
        found["ps"] = ps
    return found


# Speed and VRAM share -------------------------------------------------------------------------


def test_ollama_tokens_per_second_is_eval_count_over_eval_duration():
    speed = lb.ollama_speed(GENERATE)
    assert speed["tokens_per_second"] == 100.0 and speed["tokens"] == 128
    assert speed["prompt_tokens_per_second"] == 200.0
    assert (speed["load_seconds"], speed["total_seconds"]) == (1.0, 2.5)


def test_a_cached_prompt_leaves_its_rate_out_but_the_generation_counts():
    body = {k: v for k, v in GENERATE.items() if not k.startswith("prompt_eval")}
    assert lb.ollama_speed(body)["prompt_tokens_per_second"] is None
    assert lb.ollama_speed(body)["tokens_per_second"] == 100.0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"eval_count": None}, "no eval_count"),
        ({"eval_duration": None}, "no eval_duration"),
        ({"eval_duration": 0}, "eval_duration 0: nothing to time"),
        ({"eval_count": 0}, "eval_count 0"),
        ({"eval_count": True}, "no eval_count"),
        ({"eval_duration": "1280"}, "no eval_duration"),
    ],
)
def test_ollama_answers_without_the_figures_are_errors(change, message):
    body = {k: v for k, v in dict(GENERATE, **change).items() if v is not None}
    with pytest.raises(lb.LlmBenchError, match=message):
        lb.ollama_speed(body)


def test_the_vram_share_is_size_vram_over_size():
    assert lb.ollama_vram_share(PS, "llama3.2:1b") == {"vram_share": 0.75, "size_mib": 2048, "size_vram_mib": 1536}
    # A name given without its tag is the :latest one.
    latest = copy.deepcopy(PS)
    latest["models"][0].update(name="qwen:latest", model="qwen:latest")
    assert lb.ollama_vram_share(latest, "qwen")["vram_share"] == 0.75
    cpu = copy.deepcopy(PS)
    cpu["models"][0]["size_vram"] = 0
    assert lb.ollama_vram_share(cpu, "llama3.2:1b")["vram_share"] == 0.0


@pytest.mark.parametrize(
    "ps, message",
    [
        ({}, "no models list"),
        ({"models": []}, "does not list llama3.2:1b"),
        ({"models": [{"name": "llama3.2:1b", "size": 0, "size_vram": 0}]}, "size 0"),
        ({"models": [{"name": "llama3.2:1b", "size_vram": 5}]}, "no size"),
        ({"models": [{"name": "llama3.2:1b", "size": 5, "size_vram": None}]}, "no size_vram"),
    ],
)
def test_ps_answers_without_the_model_or_its_size_are_errors(ps, message):
    with pytest.raises(lb.LlmBenchError, match=message):
        lb.ollama_vram_share(ps, "llama3.2:1b")


def test_llamacpp_tokens_per_second_is_its_predicted_per_second():
    speed = lb.llamacpp_speed(COMPLETION)
    assert (speed["tokens_per_second"], speed["tokens"], speed["prompt_tokens_per_second"]) == (40.0, 128, 400.0)
    # predicted_n missing: tokens_predicted says how many.
    body = copy.deepcopy(COMPLETION)
    del body["timings"]["predicted_n"]
    assert lb.llamacpp_speed(body)["tokens"] == 128


@pytest.mark.parametrize(
    "change, message",
    [
        ({"timings": None}, "no timings"),
        ({"timings": {"predicted_n": 128}}, "no predicted_per_second"),
        ({"timings": {"predicted_n": 128, "predicted_per_second": 0}}, "predicted_per_second 0"),
        ({"timings": {"predicted_n": 0, "predicted_per_second": 9.0}, "tokens_predicted": 0}, "tokens_predicted 0"),
    ],
)
def test_llamacpp_answers_without_the_figures_are_errors(change, message):
    body = {k: v for k, v in dict(COMPLETION, **change).items() if v is not None}
    with pytest.raises(lb.LlmBenchError, match=message):
        lb.llamacpp_speed(body)


# One trial ------------------------------------------------------------------------------------


def test_an_ollama_trial_has_its_speed_and_vram_share():
    item = lb.trial("ollama", answer(GENERATE, ps={"status": 200, "body": PS}), "before", None, "llama3.2:1b")
    assert item["ok"] and item["tokens_per_second"] == 100.0 and item["vram_share"] == 0.75
    assert (item["phase"], item["mode"], item["layers"], item["note"]) == ("before", None, None, None)
    assert lb.trial_line(item) == "before as it runs: 100.0 tokens/s, 75% of the model in VRAM"


def test_an_ollama_trial_whose_ps_failed_keeps_its_speed_and_says_why():
    item = lb.trial("ollama", answer(GENERATE, ps={"status": 500, "body": None}), "current", None, "llama3.2:1b")
    assert item["ok"] and item["vram_share"] is None and "/api/ps answered 500" in item["note"]


def test_a_200_without_timings_is_a_failed_trial_saying_what_is_missing():
    item = lb.trial("openai", answer({"content": "x"}), "autotune", 12)
    assert not item["ok"] and not item["oom"] and "no timings" in item["error"]


def test_a_llamacpp_trial_records_its_layers():
    item = lb.trial("openai", answer(COMPLETION), "autotune", 17)
    assert item["ok"] and (item["mode"], item["layers"], item["tokens_per_second"]) == ("17", 17, 40.0)
    assert lb.trial_line(item) == "autotune 17 GPU layers: 40.0 tokens/s"


@pytest.mark.parametrize(
    "found, oom",
    [
        # Ollama: {"error": "..."} with status 500.
        (answer({"error": "llama runner process has terminated: cudaMalloc failed: out of memory"}, 500), True),
        # llama-server: {"error": {"code", "message", "type"}}.
        (
            answer({"error": {"code": 500, "message": "failed to allocate CUDA0 buffer", "type": "server_error"}}, 500),
            True,
        ),
        (answer({"error": {"code": 401, "message": "Invalid API Key", "type": "authentication_error"}}, 401), False),
        ({"status": -1, "elapsed_s": 0.0, "body": None, "text": None, "error": "Connection refused"}, False),
    ],
)
def test_out_of_memory_is_told_from_other_errors(found, oom):
    item = lb.trial("openai", found, "autotune", 30)
    assert not item["ok"] and item["oom"] is oom and item["error"]
    if found["status"] == 401:
        assert item["error"] == "HTTP 401: Invalid API Key"


def test_a_server_that_did_not_come_back_is_out_of_memory_when_its_log_says_so():
    item = lb.failed_start("autotune", 30, LLAMA_OOM_LOG)
    assert item["oom"] and "cudaMalloc failed: out of memory" in item["error"]
    other = lb.failed_start("autotune", 30, ["error: unknown argument: --frobnicate"])
    assert not other["oom"] and other["error"] == "the server did not answer after the restart"


def test_bad_arguments_are_errors():
    with pytest.raises(lb.LlmBenchError, match="api must be one of"):
        lb.trial("sdapi", answer(COMPLETION))
    with pytest.raises(lb.LlmBenchError, match="phase must be one of"):
        lb.trial("openai", answer(COMPLETION), "later")


# The probe ------------------------------------------------------------------------------------


def test_the_probe_of_ollama_picks_the_model():
    tags = {"models": [{"name": "llama3.2:1b"}, {"name": "qwen2.5:0.5b"}]}
    verdict = lb.probe("ollama", 200, "http://127.0.0.1:11434/api/tags", tags, "qwen2.5:0.5b")
    assert verdict["benchmarkable"] and verdict["model"] == "qwen2.5:0.5b"
    several = lb.probe("ollama", 200, "u", tags, "")
    assert not several["benchmarkable"] and "set benchmark_llm_model" in several["reason"]
    assert lb.probe("ollama", 200, "u", {"models": [{"name": "llama3:latest"}]}, "llama3")["model"] == "llama3:latest"
    assert lb.probe("ollama", 200, "u", {"models": [{"name": "llama3:latest"}]}, "")["model"] == "llama3:latest"
    missing = lb.probe("ollama", 200, "u", tags, "mistral")
    assert "mistral is not pulled" in missing["reason"] and "llama3.2:1b" in missing["reason"]
    assert "no model is pulled" in lb.probe("ollama", 200, "u", {"models": []})["reason"]


@pytest.mark.parametrize(
    "status, benchmarkable, reason",
    [
        (200, True, "the API answers"),
        (401, False, "API key"),
        (503, False, "still loading"),
        (-1, False, "not running"),
        (None, False, "not running"),
        (500, False, "HTTP 500"),
    ],
)
def test_the_probe_of_llama_server(status, benchmarkable, reason):
    verdict = lb.probe("openai", status, "http://127.0.0.1:8080/props", {"total_slots": 1})
    assert verdict["benchmarkable"] is benchmarkable and reason in verdict["reason"]


def test_the_completion_orders():
    ollama = lb.completion("ollama", "http://127.0.0.1:11434/", {"prompt": "Hi", "seed": 7}, 64, "llama3.2:1b")
    assert ollama == {
        "action": "generate",
        "url": "http://127.0.0.1:11434/api/generate",
        "ps_url": "http://127.0.0.1:11434/api/ps",
        "payload": {
            "model": "llama3.2:1b",
            "prompt": "Hi",
            "stream": False,
            "options": {"num_predict": 64, "seed": 7, "temperature": 0},
        },
    }
    llama = lb.completion("openai", "http://127.0.0.1:8080", {"prompt": "Hi", "seed": 7}, 64)
    assert llama == {
        "action": "post",
        "url": "http://127.0.0.1:8080/completion",
        "payload": {"prompt": "Hi", "n_predict": 64, "seed": 7, "temperature": 0},
    }
    with pytest.raises(lb.LlmBenchError, match="needs the model"):
        lb.completion("ollama", "http://x", {"prompt": "Hi"}, 64)
    with pytest.raises(lb.LlmBenchError, match="no prompt"):
        lb.completion("openai", "http://x", {}, 64)


# The unit ---------------------------------------------------------------------------------------


def test_the_units_layers_are_read_and_only_their_number_changes():
    assert lb.unit_layers(UNIT) == 20
    text, line = lb.unit_with_layers(UNIT, 7)
    assert lb.unit_layers(text) == 7
    assert text == UNIT.replace("--n-gpu-layers 20", "--n-gpu-layers 7")
    assert line.startswith('ExecStart="/usr/local/bin/llama-server"') and line.endswith(
        "/etc/vramfree/llamacpp.service/api-key"
    )
    assert lb.unit_with_layers(text, 20)[0] == UNIT


@pytest.mark.parametrize(
    "spelled, layers",
    [('--n-gpu-layers "20"', '--n-gpu-layers "5"'), ("--n-gpu-layers=20", "--n-gpu-layers=5")],
)
def test_a_quoted_or_joined_number_is_changed_in_place(spelled, layers):
    unit = UNIT.replace("--n-gpu-layers 20", spelled)
    assert lb.unit_layers(unit) == 20
    assert lb.unit_with_layers(unit, 5)[0] == UNIT.replace("--n-gpu-layers 20", layers)


def test_a_path_holding_the_flags_name_is_not_taken_for_it():
    unit = UNIT.replace("/srv/models/model.gguf", '"/srv/m --n-gpu-layers 99/model.gguf"')
    assert lb.unit_layers(unit) == 20
    assert '"/srv/m --n-gpu-layers 99/model.gguf"' in lb.unit_with_layers(unit, 3)[0]


def test_a_unit_without_the_flag_gets_it_at_the_end():
    unit = UNIT.replace(" --n-gpu-layers 20", "")
    assert lb.unit_layers(unit) is None
    assert lb.unit_with_layers(unit, 9)[1].endswith(
        "--api-key-file /etc/vramfree/llamacpp.service/api-key --n-gpu-layers 9"
    )


@pytest.mark.parametrize(
    "unit, message",
    [
        (UNIT.replace("ExecStart=", "ExecStartPre=/bin/true\nExecStart=/bin/false\nExecStart="), "2 ExecStart= lines"),
        (UNIT.replace("ExecStart=", "#ExecStart="), "0 ExecStart= lines"),
        (UNIT.replace("--n-gpu-layers 20", "--n-gpu-layers 20 -ngl 30"), "as -ngl as well"),
        (UNIT.replace("--n-gpu-layers 20", "--n-gpu-layers 20 --n-gpu-layers 9"), "2 times"),
        (UNIT.replace("--n-gpu-layers 20", "--n-gpu-layers all"), "not a number"),
        (
            UNIT.replace("/etc/vramfree/llamacpp.service/api-key", "/etc/vramfree/llamacpp.service/api-key \\"),
            "several lines",
        ),
    ],
)
def test_a_unit_that_is_not_the_roles_is_not_edited(unit, message):
    with pytest.raises(lb.LlmBenchError, match=message):
        lb.unit_with_layers(unit, 5)


def test_an_empty_exec_start_that_resets_the_list_is_not_counted():
    unit = UNIT.replace("ExecStart=", "ExecStart=\nExecStart=")
    assert lb.unit_layers(unit) == 20


# Autotune ---------------------------------------------------------------------------------------


def tune(planned, total, fits, max_trials=lb.DEFAULT_MAX_TRIALS):
    """The counts autotune tries against a GPU where up to ``fits`` layers load."""
    history = []
    while True:
        layers = lb.next_layers(history, planned, total, max_trials)
        if layers is None:
            return [n for n, _ok in history], lb.best_layers(history)
        history.append((layers, layers <= fits))


@pytest.mark.parametrize(
    "planned, total, fits, tried, best",
    [
        # The plan was right: one up that fails, done.
        (20, 33, 20, [20, 21], 20),
        # Everything fits: up by 1, 2, 4 ... to the total.
        (30, 33, 99, [30, 31, 33], 33),
        (33, 33, 99, [33], 33),
        # The plan was low: up by doubling steps, then halving.
        (10, 33, 17, [10, 11, 13, 17, 25, 21, 19, 18], 17),
        # The plan was high: down by doubling steps, then halving.
        (20, 33, 16, [20, 19, 17, 13, 15, 16], 16),
        # Nothing loads, not even 0 layers.
        (3, 33, -1, [3, 2, 0], None),
        # A plan above the model's layers starts at its total.
        (99, 33, 99, [33], 33),
    ],
)
def test_autotune_tries_up_while_it_loads_and_down_while_it_does_not(planned, total, fits, tried, best):
    assert tune(planned, total, fits) == (tried, best)


@pytest.mark.parametrize("fits", range(0, 34))
def test_autotune_finds_the_most_layers_that_load_within_its_trials(fits):
    tried, best = tune(20, 33, fits, max_trials=12)
    assert best == fits and len(tried) <= 12


def test_autotune_stops_after_max_trials_with_the_best_so_far():
    tried, best = tune(0, 80, 60, max_trials=4)
    assert tried == [0, 1, 3, 7] and best == 7


def test_readings_that_disagree_stop_autotune_on_the_most_below_the_least_that_failed():
    # 12 failed, then 14 loaded: the next count would be one already tried.
    history = [(13, True), (14, False), (12, False)]
    assert lb.next_layers(history, 13, 33) is None
    assert lb.best_layers([(10, True), (12, False), (14, True)]) == 10
    assert lb.best_layers([(12, False)]) is None


def test_bad_autotune_arguments():
    with pytest.raises(lb.LlmBenchError, match="layers_total"):
        lb.next_layers([], 3, -1)
    with pytest.raises(lb.LlmBenchError, match="max_trials"):
        lb.next_layers([], 3, 33, 0)
    assert lb.layers_total(MODEL_INFO) == 17 and lb.layers_total(None) is None
    with pytest.raises(lb.LlmBenchError, match="block_count"):
        lb.layers_total({"block_count": 0})


# What is remembered for site ----------------------------------------------------------------------


def key():
    return lb.conditions("llamacpp", MODEL_INFO, GPU, lb.unit_with_layers(UNIT, 20)[1])


def test_the_conditions_leave_the_layers_out_and_keep_the_rest_of_the_command_line():
    assert key() == lb.conditions("llamacpp", MODEL_INFO, GPU, lb.unit_with_layers(UNIT, 3)[1])
    other = lb.conditions("llamacpp", MODEL_INFO, GPU, lb.unit_with_layers(UNIT.replace("4096", "8192"), 3)[1])
    assert other["args_sha256"] != key()["args_sha256"]
    assert key()["model"] == "Llama 3.2 1B/16 layers/770 MiB" and key()["gpu"] == "GPU-970"


def test_the_remembered_record_is_what_site_reads_back():
    trials = [lb.failed_start("autotune", 18, LLAMA_OOM_LOG), lb.trial("openai", answer(COMPLETION), "autotune", 17)]
    memory = lb.memory(None, key(), trials, 3329, 17, MODEL_INFO, GPU)
    assert memory["version"] == bm.MEMORY_VERSION and memory["out_of_memory"] == {"18": 3329}
    assert memory["tuned"] == {
        "layers": 17,
        "gpu": "GPU-970",
        "model": "Llama 3.2 1B/16 layers/770 MiB",
        "free_mib": 3329,
    }
    # site's reading (_benchmark.tuned_layers): the same GPU, model and free VRAM within 128 MiB.
    assert bm.tuned_layers(memory, GPU, 3300, MODEL_INFO) == {"layers": 17, "free_mib": 3329}
    assert bm.tuned_layers(memory, GPU, 3000, MODEL_INFO) is None
    assert bm.tuned_layers(memory, dict(GPU, uuid="GPU-other"), 3329, MODEL_INFO) is None
    assert bm.tuned_layers(memory, GPU, 3329, dict(MODEL_INFO, file_size_mib=771)) is None
    # An out of memory remembered is not tried again while no more VRAM is free.
    assert bm.remembered_oom(memory, key(), "18", 3400) == 3329
    assert bm.remembered_oom(memory, key(), "18", 3500) is None


def test_a_second_run_within_the_tolerance_leaves_the_record_as_it_was():
    first = lb.memory(None, key(), [], 3329, 17, MODEL_INFO, GPU)
    again = lb.memory(first, key(), [], 3300, 17, MODEL_INFO, GPU)
    assert again == first
    moved = lb.memory(first, key(), [], 3000, 17, MODEL_INFO, GPU)
    assert moved["tuned"]["free_mib"] == 3000


def test_nothing_chosen_or_no_gpu_read_remembers_no_choice():
    assert "tuned" not in lb.memory(None, key(), [], 3329, None, MODEL_INFO, GPU)
    assert "tuned" not in lb.memory(None, key(), [], None, 17, MODEL_INFO, GPU)
    assert "tuned" not in lb.memory(None, key(), [], 3329, 17, MODEL_INFO, None)


# One host's run ---------------------------------------------------------------------------------


class Server:
    """llama-server on a GPU where up to ``fits`` layers load; or Ollama (layers None)."""

    def __init__(self, layers=20, fits=17, ollama=False):
        self.layers, self.fits, self.ollama = layers, fits, ollama
        self.calls = []

    def complete(self, tokens):
        self.calls.append(("complete", tokens))
        if self.ollama:
            return answer(dict(GENERATE, eval_count=tokens), ps={"status": 200, "body": PS})
        if self.layers > self.fits:
            # It exited while loading: nothing listens.
            return {"status": -1, "elapsed_s": 0.0, "body": None, "text": None, "error": "Connection refused"}
        rate = 10.0 + self.layers
        return answer(dict(COMPLETION, timings=dict(COMPLETION["timings"], predicted_per_second=rate)))

    def set_layers(self, layers, restart):
        self.calls.append(("set_layers", layers, restart))
        self.layers = layers
        return layers <= self.fits

    def journal(self):
        return LLAMA_OOM_LOG


def run(server, **kwargs):
    options = dict(layers_before=20, planned=20, total=33, key=key(), free_mib=3329, model="llama3.2:1b")
    options.update(kwargs)
    return lb.Run(server, kwargs.pop("api", "openai"), **{k: v for k, v in options.items() if k != "api"}).run()


def test_autotune_runs_the_trials_and_leaves_the_server_on_the_winner():
    server = Server(layers=20, fits=17)
    done = run(server, compare=True, autotune=True)
    # The server ran on 20, which this GPU does not hold: its "before" failed, and so did
    # the plan's 20 (not restarted for it); down by 1, 2, then halving.
    assert [(t["phase"], t["layers"], t["ok"], t["oom"]) for t in done.trials] == [
        ("before", 20, False, False),
        ("autotune", 20, False, False),
        ("autotune", 19, False, True),
        ("autotune", 17, True, False),
        ("autotune", 18, False, True),
    ]
    assert done.chosen == 17 and done.left_on["layers"] == 17 and done.left_on["running"] is True
    assert server.layers == 17 and server.calls[-1] == ("set_layers", 17, True)
    assert done.written_back() is True and done.problem("u", "llamacpp.service") is None
    assert "out of memory at start" in done.trials[2]["error"]
    tuned = done.memory_after(GPU, MODEL_INFO)["tuned"]
    assert tuned["layers"] == 17 and bm.tuned_layers(done.memory_after(GPU, MODEL_INFO), GPU, 3329, MODEL_INFO)


def test_autotune_from_a_plan_that_fits_tries_upward_and_restarts_only_on_changes():
    server = Server(layers=20, fits=22)
    done = run(server, autotune=True)
    assert [t["layers"] for t in done.trials] == [20, 21, 23, 22]
    assert done.chosen == 22 and server.layers == 22
    # The first trial is the running count: no restart for it.
    assert [c for c in server.calls if c[0] == "set_layers"][0] == ("set_layers", 21, True)
    # A warm-up of 8 tokens, then the 128 timed, per trial.
    assert [c[1] for c in server.calls if c[0] == "complete"][:2] == [8, 128]


def test_a_remembered_out_of_memory_is_not_tried_again():
    server = Server(layers=20, fits=22)
    earlier = lb.memory(None, key(), [lb.failed_start("autotune", 23, LLAMA_OOM_LOG)], 3329, 22, MODEL_INFO, GPU)
    done = run(server, autotune=True, memory_before=earlier)
    remembered = [t for t in done.trials if t["remembered"]]
    assert [t["layers"] for t in remembered] == [23] and ("set_layers", 23, True) not in server.calls
    assert done.chosen == 22


def test_nothing_loading_leaves_the_server_on_what_it_had_and_fails_the_host():
    server = Server(layers=3, fits=-1)
    done = run(server, layers_before=3, planned=3, autotune=True)
    assert done.chosen is None and done.left_on["layers"] == 3 and done.up is False
    assert "did not answer" in done.problem("http://127.0.0.1:8080", "llamacpp.service")


def test_compare_without_autotune_measures_the_plans_layers_after():
    server = Server(layers=20, fits=30)
    done = run(server, compare=True, planned=24)
    assert [(t["phase"], t["layers"]) for t in done.trials] == [("before", 20), ("after", 24)]
    assert done.chosen == 24 and done.left_on["reason"].startswith("the layers site would choose")
    assert done.memory_after(GPU, MODEL_INFO) is None


def test_check_mode_only_measures():
    server = Server(layers=20, fits=30)
    done = run(server, compare=True, autotune=True, check_mode=True)
    assert [(t["phase"], t["layers"]) for t in done.trials] == [("before", 20)]
    assert not [c for c in server.calls if c[0] == "set_layers"] and done.left_on is None


def test_ollama_is_measured_and_never_autotuned():
    server = Server(ollama=True)
    done = run(server, api="ollama", layers_before=None, planned=None, total=None, compare=True, autotune=True)
    assert [(t["phase"], t["ok"], t["vram_share"]) for t in done.trials] == [("before", True, 0.75)]
    assert not [c for c in server.calls if c[0] == "set_layers"] and done.memory_after(GPU, None) is None


def test_autotune_needs_the_models_layer_count():
    with pytest.raises(lb.LlmBenchError, match="layer count"):
        run(Server(), autotune=True, total=None)


# The report -----------------------------------------------------------------------------------


def record(trials, **extra):
    found = {
        "benchmarkable": True,
        "reason": "the API answers",
        "ui": "llamacpp",
        "api": "openai",
        "url": "http://127.0.0.1:8080/",
        "gpu": GPU,
        "mode_before": "20",
        "trials": trials,
        "chosen_mode": "17",
        "written_back": True,
        "left_on": {"mode": "17", "layers": 17, "running": True, "reason": "the most GPU layers that loaded"},
        "layers_total": 17,
        "model": None,
    }
    found.update(extra)
    return found


def test_the_report_has_the_servers_beside_the_image_uis():
    before = lb.trial("openai", answer(COMPLETION), "before", 12)
    chosen = lb.trial(
        "openai",
        answer(dict(COMPLETION, timings=dict(COMPLETION["timings"], predicted_per_second=60.0))),
        "autotune",
        17,
    )
    ollama = record(
        [lb.trial("ollama", answer(GENERATE, ps={"status": 200, "body": PS}), "current", None, "llama3.2:1b")],
        ui="ollama",
        api="ollama",
        chosen_mode=None,
        left_on=None,
        layers_total=None,
        model="llama3.2:1b",
    )
    image = {"benchmarkable": False, "reason": "no --api", "ui": "a1111", "trials": []}
    report = bm.build(
        {"llm": record([before, chosen]), "ollama": ollama, "sd": image},
        {"steps": 20},
        {"prompt": "Hi", "tokens": 128, "seed": 1234, "warmup_tokens": 8},
    )
    entry = report["hosts"]["llm"]
    assert entry["kind"] == "llm" and entry["compare"]["speedup"] == 1.5
    assert report["hosts"]["sd"]["kind"] == "image" and report["llm_request"]["tokens"] == 128
    assert report["hosts"]["ollama"]["model"] == "llama3.2:1b"
    lines = bm.table(report)
    assert lines[0].split()[:3] == ["HOST", "PHASE", "MODE"]
    llm_header = lines.index(next(line for line in lines if line.split()[:4] == ["HOST", "PHASE", "GPU", "LAYERS"]))
    assert any(line.split()[:4] == ["llm", "autotune", "17/17", "60.0"] and "chosen" in line for line in lines)
    assert any(line.split()[:6] == ["ollama", "current", "-", "100.0", "200.0", "75%"] for line in lines)
    assert any(line.split()[:3] == ["llm", "speed-up", "12"] and "x1.50" in line for line in lines)
    assert lines[llm_header - 1] == ""
    text = bm.markdown(report)
    assert "## LLM servers" in text and "One completion of 128 tokens" in text
    assert "| llm | autotune | 17/17 | 60.0 |" in text and "One txt2img request" in text


def test_a_fleet_of_servers_alone_has_no_image_table_and_no_llm_request_otherwise():
    report = bm.build({"llm": record([])}, {"steps": 20}, {"prompt": "Hi", "tokens": 64, "seed": 1})
    assert bm.table(report)[0].split()[:4] == ["HOST", "PHASE", "GPU", "LAYERS"]
    assert "txt2img" not in bm.markdown(report)
    assert bm.build({"sd": {"benchmarkable": False, "trials": []}}, {}, {"tokens": 1})["llm_request"] is None
