#!/usr/bin/env bash
# Builds fedface-bench in Release and runs one of its commands (spine, vision, secure-aggregation) with the given
# arguments; spine.sh, vision.sh and secure-aggregation.sh call it after their own prerequisites.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first" >&2
  exit 1
fi

dotnet build lab/FedFace.Benchmarks/FedFace.Benchmarks.csproj -c Release --nologo -v quiet
exec dotnet lab/FedFace.Benchmarks/bin/Release/net10.0/linux-x64/fedface-bench.dll "$@"
