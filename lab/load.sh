#!/usr/bin/env bash
# Load with uploads: the real aggregator in its own process on loopback (mutual TLS) and many synthetic sites, each its own
# certificate and HTTP/2 connection, doing the real calls round after round (join, task, signed download, 4.8 MB upload).
# Three phases, each a fresh aggregator: honest load (p50/p99 of task, download and upload, client- and server-side; the
# aggregator's peak resident size; rounds committed a minute), then held-open uploads and slow senders from every tenth
# site against the per-site stream limit, the chunk timeout and the round deadline. Writes lab/results/load.json; exits 1
# when a verdict fails (a limit did not cut an attacker, honest rounds stopped committing, memory grew past the bound).
# Runs niced: the machine may be shared, and the JSON records the load averages and the nice value.
# Usage: bash lab/load.sh [--quick] [fedface-bench load options]   (--quick: 100 sites, about 4 minutes; default 1,000 sites, about 15)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh >/dev/null
exec nice -n 10 bash lab/fedface-bench.sh load "$@"
