# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE: the command-line options of AUTOMATIC1111's web UI (modules/cmd_args.py).

A subset of the real options, under their real names, arities and defaults, defined the
way the real file defines them, so that webui_flags' validate_with reads it as it
reads the real one, and a flag the UI does not know makes it exit with status 2.
"""

import argparse

parser = argparse.ArgumentParser()

parser.add_argument("--data-dir", type=str, default=None, help="base path where all user data is stored")
parser.add_argument("--ckpt", type=str, default=None, help="path to checkpoint of stable diffusion model")
parser.add_argument("--ckpt-dir", type=str, default=None, help="Path to directory with stable diffusion checkpoints")
parser.add_argument("--no-half", action='store_true', help="do not switch the model to 16-bit floats")
parser.add_argument("--no-half-vae", action='store_true', help="do not switch the VAE model to 16-bit floats")
parser.add_argument("--precision", type=str, choices=["full", "half", "autocast"], default="autocast")
parser.add_argument("--medvram", action='store_true', help="split the model into parts, keep one in VRAM")
parser.add_argument("--medvram-sdxl", action='store_true', help="--medvram, only for SDXL models")
parser.add_argument("--lowvram", action='store_true', help="split the model into many parts")
parser.add_argument("--lowram", action='store_true', help="load checkpoint weights to VRAM instead of RAM")
parser.add_argument("--xformers", action='store_true', help="enable xformers for cross attention layers")
parser.add_argument("--opt-sdp-attention", action='store_true', help="scaled dot product cross-attention")
parser.add_argument("--opt-split-attention", action='store_true', help="split cross-attention layers")
parser.add_argument("--upcast-sampling", action='store_true', help="upcast sampling")
parser.add_argument("--skip-torch-cuda-test", action='store_true', help="do not check if CUDA is able to work")
parser.add_argument("--device-id", type=str, default=None, help="Select the default CUDA device to use")
parser.add_argument("--listen", action='store_true', help="launch gradio with 0.0.0.0 as server name")
parser.add_argument("--port", type=int, default=None, help="launch gradio with given server port")
parser.add_argument("--server-name", type=str, default=None, help="Sets hostname of server")
parser.add_argument("--share", action='store_true', help="use share=True for gradio")
parser.add_argument("--gradio-auth", type=str, default=None, help='set gradio authentication like "username:password"')
parser.add_argument("--gradio-allowed-path", action='append', help="add path to gradio's allowed_paths")
parser.add_argument("--api", action='store_true', help="use api=True to launch the API together with the webui")
parser.add_argument("--api-auth", type=str, default=None, help='Set authentication for API like "username:password"')
parser.add_argument("--api-log", action='store_true', help="use api-log=True to enable logging of all API requests")
parser.add_argument("--nowebui", action='store_true', help="use api=True to launch the API instead of the webui")
parser.add_argument("--theme", type=str, default=None, help="launches the UI with light or dark theme")
parser.add_argument("--enable-insecure-extension-access", action='store_true', help="enable extensions tab")
parser.add_argument("--skip-install", action='store_true', help="skip installation of packages")
