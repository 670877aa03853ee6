#!/usr/bin/env bash
# make bench: benchmarks that print figures (never pass/fail on wall-clock time in tests).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
bash scripts/deps.sh
step "gpu_vram_facts, NVML path, 4 fake GPUs"
python tests/bench/bench_gpu_vram_facts.py
