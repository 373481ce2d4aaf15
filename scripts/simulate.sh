#!/usr/bin/env bash
# The simulator as the README runs it: what a fresh machine lacks and the allocator's tunables first
# (scripts/prerequisites.sh: without glibc.malloc.hugetlb=1 training is slower and holds more memory), then a quiet
# Release build, then fedface-simulator with every argument given here, e.g.
#   scripts/simulate.sh simulate simulator/scenarios/fedavg-vs-fedprox.json
#   scripts/simulate.sh --sites 8 --rounds 5 --out runs/eight
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh

dotnet build simulator/FedFace.Simulator.csproj -c Release --nologo -v quiet
exec dotnet simulator/bin/Release/net10.0/linux-x64/fedface-simulator.dll "$@"
