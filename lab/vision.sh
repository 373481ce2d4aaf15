#!/usr/bin/env bash
# The vision benchmark: YuNet's detection rate and MobileFaceNet's LFW 10-fold accuracy through the C# pipeline
# (FaceAlignmentPipeline + ONNX Runtime), alignment throughput against a Python/OpenCV reference doing the same
# steps (lab/python/align_reference.py, run with Debian's python3-opencv), one 640x480 frame's latency, the exact
# all-pairs TAR@FAR and 1:N identification over all of LFW, and 1:N search latency at 10k/100k/1M templates against a
# scalar loop. Prints figures as it goes and writes lab/results/vision-eval.json. About 15 minutes on 2 cores.
# Usage: bash lab/vision.sh [--out PATH] [--workers N] [--align-images N] [--align-pairs N] [--frame-runs N]
#                             [--search-probes N] [--python PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
# .NET SDK, OpenCV's native runtime (libgtk-3-0), the shared faces and models, huge-page malloc.
source scripts/prerequisites.sh

# The Python reference needs cv2 and numpy in the system interpreter; Debian packages both.
require_python_module 'import cv2, numpy' python3-opencv

exec bash lab/fedface-bench.sh vision "$@"
