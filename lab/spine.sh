#!/usr/bin/env bash
# The spine benchmark: FedAvg folding against memcpy, and model download / update upload through a real
# mTLS aggregator against a raw TLS socket. Prints figures as it goes and writes lab/results/spine.json.
# Usage: bash lab/spine.sh [--demo-report runs/demo/simulation-report.json] [--out PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash lab/fedface-bench.sh spine "$@"
