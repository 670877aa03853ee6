# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE of AUTOMATIC1111's launch.py, for hosts without a GPU.

What is real: the arguments are read as A1111 reads them (its own argv plus
shlex.split($COMMANDLINE_ARGS), parsed by argparse with A1111's option names: an
unknown flag exits with status 2); the server is a real Gradio 3.41.2 app (the version
A1111 pins) bound to the address and port those arguments give, with Gradio's login
under --gradio-auth; with --api, A1111's /sdapi/v1/cmd-flags answers with the parsed
options, behind HTTP basic auth under --api-auth.

What is simulated, and labelled so in every answer: /sdapi/v1/txt2img makes no image.
It waits steps x seconds-per-iteration of the memory mode the UI runs with (measured on
a GTX 970: 1.22 s/it with no memory flag, 2.73 s/it with --lowvram), scaled by
$VRAMFREE_STANDIN_TIME_SCALE (default 0.01) so that tests stay short; and it answers
A1111's out-of-memory error (HTTP 500, OutOfMemoryError) when the GPU double has less
VRAM free than the mode needs. The figures and their sources: modules/simulated_gpu.py.
"""

import json
import os
import secrets
import shlex
import sys
import time

# A1111's launch_utils appends the variable's words to its own argv.
sys.argv += shlex.split(os.environ.get("COMMANDLINE_ARGS", ""))
# start() prints every argument, --gradio-auth and --api-auth values included, before
# webui.py parses them strictly (A1111 1.10.1 and Forge, modules/launch_utils.py): the
# journal holds them even when a flag is refused.
print(f"Launching {'API server' if '--nowebui' in sys.argv else 'Web UI'} with arguments: {shlex.join(sys.argv[1:])}")

# As A1111's webui does: modules/cmd_args.py's flags plus those the built-in extensions'
# preload.py files add, parsed strictly (modules/shared_cmd_options.py).
from modules.shared_cmd_options import cmd_opts  # noqa: E402  pylint: disable=wrong-import-position

# Gradio is not installed on the test hosts; the tests mount a copy of it here.
sys.path.insert(0, os.environ.get("VRAMFREE_STANDIN_GRADIO", "/opt/vramfree-gradio"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402  pylint: disable=wrong-import-position,import-error
from fastapi import Depends, HTTPException  # noqa: E402  pylint: disable=wrong-import-position,import-error
from fastapi.responses import JSONResponse  # noqa: E402  pylint: disable=wrong-import-position,import-error
from fastapi.security import HTTPBasic, HTTPBasicCredentials  # noqa: E402  pylint: disable=wrong-import-position,import-error
from modules import simulated_gpu  # noqa: E402  pylint: disable=wrong-import-position


def memory_mode():
    for mode in ("lowvram", "medvram", "medvram-sdxl"):
        if getattr(cmd_opts, mode.replace("-", "_")):
            return mode
    return "none"


def generate(prompt):
    return "stand-in web UI (simulated, no image): %s" % prompt


def credentials(value):
    return [tuple(pair.split(":", 1)) for pair in value.split(",") if ":" in pair] if value else None


def api_auth_dependency():
    pairs = dict(credentials(cmd_opts.api_auth) or [])
    if not pairs:
        return []
    basic = HTTPBasic()

    def check(creds: HTTPBasicCredentials = Depends(basic)):
        expected = pairs.get(creds.username)
        if expected is None or not secrets.compare_digest(expected, creds.password):
            raise HTTPException(
                status_code=401, detail="Incorrect username or password", headers={"WWW-Authenticate": "Basic"}
            )

    return [Depends(check)]


# The free VRAM this UI found at its first request (modules/simulated_gpu.py).
ROOM = []


def txt2img(request: dict):
    """A1111's /sdapi/v1/txt2img in shape (images, parameters, info as a JSON string),
    with simulated timing and out-of-memory errors (modules/simulated_gpu.py)."""
    steps = int(request.get("steps", 20))
    width, height = int(request.get("width", 512)), int(request.get("height", 512))
    if not ROOM:
        # The first request finds the UI's room, as A1111 does when it loads the model.
        ROOM.append(simulated_gpu.free_vram_mib())
    status, seconds, simulated = simulated_gpu.generate(memory_mode(), steps, width, height, ROOM[0])
    if status != 200:
        return JSONResponse(status_code=status, content=simulated)
    started = time.monotonic()
    time.sleep(seconds)
    info = {
        "prompt": request.get("prompt", ""),
        "steps": steps,
        "width": width,
        "height": height,
        "seed": request.get("seed", -1),
        "sampler_name": request.get("sampler_name"),
        "simulated": True,
    }
    return dict(simulated, images=[], parameters=request, info=json.dumps(info), elapsed=time.monotonic() - started)


with gr.Blocks(title="Stable Diffusion (stand-in)") as demo:
    prompt_box = gr.Textbox(label="Prompt")
    result_box = gr.Textbox(label="Result")
    gr.Button("Generate").click(fn=generate, inputs=prompt_box, outputs=result_box, api_name="predict")

demo.queue()
server_name = cmd_opts.server_name or ("0.0.0.0" if cmd_opts.listen else "127.0.0.1")
app = demo.launch(
    server_name=server_name,
    server_port=cmd_opts.port or 7860,
    auth=credentials(cmd_opts.gradio_auth),
    prevent_thread_lock=True,
)[0]
if cmd_opts.api or cmd_opts.nowebui:
    deps = api_auth_dependency()
    app.add_api_route("/sdapi/v1/cmd-flags", lambda: vars(cmd_opts), methods=["GET"], dependencies=deps)
    app.add_api_route("/sdapi/v1/txt2img", txt2img, methods=["POST"], dependencies=deps)
print(
    "Stand-in web UI (simulated generation) on %s:%s, memory mode %s"
    % (server_name, cmd_opts.port or 7860, memory_mode()),
    flush=True,
)
demo.block_thread()
