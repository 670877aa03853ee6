"""playbooks/files/webui_api.py as the benchmark runs it (python3 -c, one JSON order on
stdin) against a local HTTP server answering as A1111's API does."""

from __future__ import annotations

import base64
import http.server
import json
import pathlib
import subprocess
import sys
import threading

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "playbooks" / "files" / "webui_api.py"
AUTH = "sd:hunter2"


class A1111(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def authorised(self):
        expected = "Basic " + base64.b64encode(AUTH.encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.answer(401, {"detail": "Incorrect username or password"})
            return False
        return True

    def do_GET(self):
        if self.path == "/sdapi/v1/cmd-flags" and self.authorised():
            self.answer(200, {"medvram": True, "api": True})
        elif self.path != "/sdapi/v1/cmd-flags":
            self.answer(404, {"detail": "Not Found"})

    def do_POST(self):
        order = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not self.authorised():
            return
        if order["width"] > 512:
            self.answer(
                500,
                {
                    "error": "OutOfMemoryError",
                    "detail": "",
                    "body": "",
                    "errors": "CUDA out of memory. Tried to allocate 1.00 GiB",
                },
            )
        else:
            self.answer(200, {"images": ["iVBORw0KGgo=" * 1000], "parameters": order, "info": "{}"})


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), A1111)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()


def run(order):
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT.read_text(encoding="utf-8")],
        input=json.dumps(order),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return json.loads(proc.stdout)


def test_txt2img_is_timed_and_its_images_counted(server):
    answer = run(
        {"action": "txt2img", "url": server + "/sdapi/v1/txt2img", "auth": AUTH, "payload": {"steps": 20, "width": 512}}
    )
    assert answer["status"] == 200 and answer["body"]["images"] == 1
    assert isinstance(answer["elapsed_s"], float) and answer["elapsed_s"] > 0


def test_an_out_of_memory_answer_comes_back_whole(server):
    answer = run(
        {
            "action": "txt2img",
            "url": server + "/sdapi/v1/txt2img",
            "auth": AUTH,
            "payload": {"steps": 20, "width": 1024},
        }
    )
    assert answer["status"] == 500 and answer["body"]["error"] == "OutOfMemoryError"


def test_the_login_is_sent_and_a_wrong_one_is_401(server):
    assert run({"action": "get", "url": server + "/sdapi/v1/cmd-flags", "auth": AUTH})["body"] == {
        "medvram": True,
        "api": True,
    }
    assert run({"action": "get", "url": server + "/sdapi/v1/cmd-flags", "auth": "sd:wrong"})["status"] == 401
    assert run({"action": "get", "url": server + "/sdapi/v1/cmd-flags"})["status"] == 401
    assert run({"action": "get", "url": server + "/sdapi/v1/nothing", "auth": AUTH})["status"] == 404


def test_nothing_listening_is_status_minus_one(server):
    answer = run({"action": "wait", "url": "http://127.0.0.1:9/sdapi/v1/cmd-flags", "timeout": 1})
    assert answer["status"] == -1 and "no answer after 1 s" in answer["error"]


def test_wait_returns_as_soon_as_the_api_answers(server):
    answer = run({"action": "wait", "url": server + "/sdapi/v1/cmd-flags", "auth": AUTH, "timeout": 30})
    assert answer["status"] == 200


KEY = "sk-bench-secret"


class Llm(http.server.BaseHTTPRequestHandler):
    """Ollama's /api/generate and /api/ps, and llama-server's /completion behind its API
    key, in their shapes (Ollama v0.9.6 api/types.go; llama.cpp b5900 tools/server)."""

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        if self.path == "/api/ps":
            self.answer(200, {"models": [{"name": "llama3.2:1b", "size": 2048, "size_vram": 1024}]})
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        order = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/api/generate":
            self.answer(
                200,
                {
                    "model": order["model"],
                    "response": "x" * 5000,
                    "context": list(range(4096)),
                    "eval_count": order["options"]["num_predict"],
                    "eval_duration": 1_000_000_000,
                },
            )
        elif self.headers.get("Authorization") != "Bearer " + KEY:
            self.answer(401, {"error": {"code": 401, "message": "Invalid API Key", "type": "authentication_error"}})
        else:
            self.answer(
                200, {"content": "x", "timings": {"predicted_n": order["n_predict"], "predicted_per_second": 9.5}}
            )


@pytest.fixture(scope="module")
def llm():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Llm)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()


def test_generate_asks_ps_after_and_leaves_the_context_out(llm):
    answer = run(
        {
            "action": "generate",
            "url": llm + "/api/generate",
            "ps_url": llm + "/api/ps",
            "payload": {"model": "llama3.2:1b", "prompt": "Hi", "stream": False, "options": {"num_predict": 16}},
        }
    )
    assert answer["status"] == 200 and answer["body"]["eval_count"] == 16
    assert "context" not in answer["body"] and len(answer["body"]["response"]) == 200
    assert answer["ps"] == {
        "status": 200,
        "body": {"models": [{"name": "llama3.2:1b", "size": 2048, "size_vram": 1024}]},
    }


def test_the_api_key_goes_as_a_bearer_token_from_stdin(llm):
    order = {"action": "post", "url": llm + "/completion", "payload": {"prompt": "Hi", "n_predict": 8}}
    assert run(dict(order, bearer=KEY))["body"]["timings"]["predicted_n"] == 8
    refused = run(dict(order, bearer="wrong"))
    assert refused["status"] == 401 and refused["body"]["error"]["message"] == "Invalid API Key"
    assert run(order)["status"] == 401
