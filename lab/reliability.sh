#!/usr/bin/env bash
# The reliability table by one command: runs the tests of every row (certificates refused, crashes inside a commit, bad
# photos and bad updates, robust rules against scaled and sign-flipped updates, held uploads, outages, a bounded fuzz run...)
# with the TRX logger, and writes lab/results/reliability.json and docs/reliability.md (| check | how | cases | survived |
# data lost | message clear |), every figure taken from the run. Without --long the load rows are read from the last
# lab/results/load.json. Exits 1 when a row failed.
# Usage: bash lab/reliability.sh [--no-build] [--long] [--crash-rounds N] [--fuzz-cases N] [--load-quick]
#   --long      also runs scripts/crash-loop.sh, scripts/process-kill-loop.sh, scripts/fuzz.sh (long campaign) and lab/load.sh
#               (--load-quick: its quick run); their sizes and defaults: fedface-bench reliability --help, and the doc's header
#   --no-build  use the test projects and fedface-bench as last built
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh >/dev/null

if [ "${1:-}" = "--no-build" ]; then
  shift
else
  for project in FedFace.Certs.Tests FedFace.Core.Tests FedFace.Aggregator.Tests FedFace.Vision.Tests FedFace.Fuzz.Tests; do
    dotnet build "tests/$project" --nologo -v quiet -clp:NoSummary
  done
  dotnet build lab/FedFace.Benchmarks/FedFace.Benchmarks.csproj -c Release --nologo -v quiet -clp:NoSummary
fi
exec dotnet lab/FedFace.Benchmarks/bin/Release/net10.0/linux-x64/fedface-bench.dll reliability "$@"
