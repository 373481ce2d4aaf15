#!/usr/bin/env bash
# A longer fuzz campaign over the wire parsing (model downloads, update uploads, secure-aggregation stage messages,
# model files) and the photo path (inspection and decoding of mutated JPEG/PNG/BMP/PGM/WebP files): the same properties
# CI checks with a few thousand cases per target (tests/FedFace.Fuzz.Tests), here with as many as asked. Prints one line
# per target (cases run, accepted, refused, findings) and each finding; the input of every finding is kept in the
# findings folder, to turn into a regression test. Exits non-zero when anything was found.
# Usage: bash scripts/fuzz.sh [CASES_PER_TARGET (default 200000)] [SEED (default: time-based)] [FINDINGS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh

export FEDFACE_FUZZ_CASES="${1:-200000}"
export FEDFACE_FUZZ_SEED="${2:-$(date +%s)}"
export FEDFACE_FUZZ_FINDINGS="${3:-$PWD/TestResults/fuzz-findings}"

dotnet build tests/FedFace.Fuzz.Tests --nologo -v quiet
echo "fuzzing with $FEDFACE_FUZZ_CASES cases per target, seed $FEDFACE_FUZZ_SEED; findings kept in $FEDFACE_FUZZ_FINDINGS"
set +e
dotnet test tests/FedFace.Fuzz.Tests --no-build --nologo --logger "console;verbosity=detailed" > "${TMPDIR:-/tmp}/fedface-fuzz-$$.log" 2>&1
status=$?
set -e
grep -E '^ fuzz |^   finding ' "${TMPDIR:-/tmp}/fedface-fuzz-$$.log" || cat "${TMPDIR:-/tmp}/fedface-fuzz-$$.log"
rm -f "${TMPDIR:-/tmp}/fedface-fuzz-$$.log"
exit "$status"
