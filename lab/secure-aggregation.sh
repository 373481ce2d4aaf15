#!/usr/bin/env bash
# The secure-aggregation benchmark: SecAgg+ rounds of 10, 100 and 1,000 sites run in process against plain
# FedAvg of the same deltas (error, exact sums under 30% dropout, site and server time, bytes on the wire),
# the mask PRG against its own keystream, and one plain and one secure round of 100 synthetic sites through the
# real aggregator over mutual TLS (10% of the sites leaving). Prints figures as it goes and writes
# lab/results/secure-aggregation.json. About five minutes on 2 cores (the wire rounds peak near 3 GB).
# Usage: bash lab/secure-aggregation.sh [--out PATH] [--prg-pairs N] [--large-dimension N] [--wire-sites N]
# Issue 23's rows (server unmasking of 1,000 sites against the keystream it requires, 10% and 30% dropout; writes the
# "secure_aggregation" section of lab/results/scale.json; tens of minutes at 1.2M parameters on 2 cores):
#        bash lab/secure-aggregation.sh scale [--out PATH] [--sites 1000] [--dimension 1200000] [--dropouts 0.1,0.3] [--prg-pairs 5]
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash lab/fedface-bench.sh secure-aggregation "$@"
