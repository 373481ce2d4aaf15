#!/usr/bin/env bash
# The learning benchmark: ONNX import/export parity (TorchSharp against ONNX Runtime on 200 aligned LFW faces),
# training throughput against the same network and step in PyTorch (Debian's python3-torch, lab/python/
# train_reference.py), the local round time for 500 images and the delta copy time; embeds the headline figures
# of the E1/E2 experiment reports when given. Writes lab/results/learning.json with the machine and commit.
# The experiments themselves run first (on 2 cores E1 about 25 minutes, E2 41-78 depending on the CPU):
#   dotnet simulator/bin/Release/net10.0/linux-x64/fedface-simulator.dll experiment e1   # → runs/e1/e1-report.json
#   dotnet simulator/bin/Release/net10.0/linux-x64/fedface-simulator.dll experiment e2   # → runs/e2/e2-report.json
# Usage: bash lab/learning.sh [--e1 runs/e1/e1-report.json] [--e2 runs/e2/e2-report.json] [--out PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
# .NET SDK, OpenCV's native runtime (libgtk-3-0), the shared faces and models, huge-page malloc.
source scripts/prerequisites.sh

# The PyTorch reference runs on the system interpreter; Debian packages torch.
require_python_module 'import torch' python3-torch

dotnet build simulator/FedFace.Simulator.csproj -c Release --nologo -v quiet
exec dotnet simulator/bin/Release/net10.0/linux-x64/fedface-simulator.dll bench-learning "$@"
