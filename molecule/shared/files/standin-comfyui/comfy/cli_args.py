# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE: a subset of ComfyUI's command-line options (comfy/cli_args.py), under
their real names and arities, defined the way the real file defines them."""

import argparse

parser = argparse.ArgumentParser()

parser.add_argument(
    "--listen",
    type=str,
    default="127.0.0.1",
    metavar="IP",
    nargs="?",
    const="0.0.0.0,::",
    help="Specify the IP address to listen on (default: 127.0.0.1).",
)
parser.add_argument("--port", type=int, default=8188, help="Set the listen port.")
parser.add_argument("--output-directory", type=str, default=None, help="Set the ComfyUI output directory.")
parser.add_argument("--input-directory", type=str, default=None, help="Set the ComfyUI input directory.")
parser.add_argument("--cuda-device", type=int, default=None, metavar="DEVICE_ID", help="Set the CUDA device.")
parser.add_argument("--preview-method", type=str, default="none", help="Default preview method for sampler nodes.")
vram_group = parser.add_mutually_exclusive_group()
vram_group.add_argument("--gpu-only", action="store_true", help="Store and run everything on the GPU.")
vram_group.add_argument("--highvram", action="store_true", help="Keep models in GPU memory.")
vram_group.add_argument("--normalvram", action="store_true", help="Force normal vram use.")
vram_group.add_argument("--lowvram", action="store_true", help="Split the unet in parts to use less vram.")
vram_group.add_argument("--novram", action="store_true", help="When lowvram isn't enough.")
vram_group.add_argument("--cpu", action="store_true", help="To use the CPU for everything (slow).")
parser.add_argument("--disable-auto-launch", action="store_true", help="Disable auto launching the browser.")
