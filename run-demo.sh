#!/usr/bin/env bash
# Runs the simulated federation demo on the shared LFW data: a real aggregator on loopback and K sites
# over mutual TLS. Any simulator option may follow, e.g. ./run-demo.sh --sites 8 --rounds 5.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh

dotnet build simulator/FedFace.Simulator.csproj -c Release --nologo -v quiet
exec dotnet simulator/bin/Release/net10.0/linux-x64/fedface-simulator.dll "$@"
