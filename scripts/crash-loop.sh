#!/usr/bin/env bash
# The commit crash loop, as long as asked: one aggregator (its real resume and round committer, in-process) through
# many lives, each ending in a crash injected at a random step of a commit (a file's temporary written, flushed,
# renamed, directory flushed; model, state record or state.json). After every restart it checks that the aggregator
# resumed from the last committed round with that model's SHA-256, that no temporary file is left, and at the end that
# the chain of state records holds each round once, each naming a model file with its recorded hash. Prints the table
# (one row per life) and writes it to TestResults/crash-loop.md. Exits non-zero when an invariant broke.
# Usage: bash scripts/crash-loop.sh [ROUNDS (default 50)] [SEED (default: time-based)]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh

export FEDFACE_CRASH_LOOP_ROUNDS="${1:-50}"
export FEDFACE_CRASH_LOOP_SEED="${2:-$(( $(date +%s) % 100000 ))}"
mkdir -p TestResults
export FEDFACE_CRASH_LOOP_TABLE="$PWD/TestResults/crash-loop.md"
rm -f "$FEDFACE_CRASH_LOOP_TABLE"

dotnet build tests/FedFace.Aggregator.Tests --nologo -v quiet
echo "crash loop: $FEDFACE_CRASH_LOOP_ROUNDS rounds, seed $FEDFACE_CRASH_LOOP_SEED"
set +e
dotnet test tests/FedFace.Aggregator.Tests --no-build --nologo --filter "FullyQualifiedName~CommitCrashLoopTests" > "${TMPDIR:-/tmp}/fedface-crash-loop-$$.log" 2>&1
status=$?
set -e
if [ -f "$FEDFACE_CRASH_LOOP_TABLE" ]; then cat "$FEDFACE_CRASH_LOOP_TABLE"; fi
if [ "$status" -ne 0 ]; then cat "${TMPDIR:-/tmp}/fedface-crash-loop-$$.log"; fi
rm -f "${TMPDIR:-/tmp}/fedface-crash-loop-$$.log"
exit "$status"
