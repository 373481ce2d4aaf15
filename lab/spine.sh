#!/usr/bin/env bash
# The spine benchmark: FedAvg folding against memcpy, and model download / update upload through a real
# mTLS aggregator against a raw TLS socket. Prints figures as it goes and writes lab/results/spine.json.
# Usage: bash lab/spine.sh [--demo-report runs/demo/simulation-report.json] [--out PATH]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first" >&2
  exit 1
fi

dotnet build lab/FedFace.Benchmarks/FedFace.Benchmarks.csproj -c Release --nologo -v quiet
exec dotnet lab/FedFace.Benchmarks/bin/Release/net10.0/linux-x64/fedface-bench.dll spine "$@"
