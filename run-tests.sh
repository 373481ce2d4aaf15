#!/usr/bin/env bash
# Builds FedFace and runs every test project; ends with one line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
# The dashboard's end-to-end test drives Debian's chromium through Debian's chromium-driver (same version by construction).
offer_debian_packages "the dashboard's browser test" chromedriver chromium chromium-driver

results="TestResults/run-$(date +%Y%m%d-%H%M%S)"
dotnet build FedFace.sln --nologo -v quiet
set +e
dotnet test FedFace.sln --no-build --nologo --logger trx --results-directory "$results"
status=$?
# The backbones' convolution layout depends on the CPU (ConvolutionLayoutGuard: channels-last only where it computes
# right). Pin both paths on whatever CPU runs this: the tests that compare embeddings against ONNX Runtime and across
# batchings, and the guard's own checks, once more with oneDNN capped at AVX2 and once with the contiguous layout forced.
numerics_tests='FullyQualifiedName~OnnxParityTests.Imported_pretrained|FullyQualifiedName~OnnxParityTests.An_exported_'
numerics_tests+='|FullyQualifiedName~FaceEmbedderTests.Embeddings_are_unit_rows|FullyQualifiedName~ConvolutionPathCheckTests.Channels_last_agrees'
numerics_tests+='|FullyQualifiedName~ConvolutionPathCheckTests.The_contiguous_layout|FullyQualifiedName~ConvolutionPathCheckTests.The_process_layout|FullyQualifiedName~ConvolutionPathCheckTests.The_backbones_convolve'
for setting in ONEDNN_MAX_CPU_ISA=AVX2 FEDFACE_CONV_LAYOUT=contiguous; do
  env "$setting" dotnet test tests/FedFace.Learning.Tests --no-build --nologo --filter "$numerics_tests" \
    --logger "trx;LogFileName=numerics-${setting%%=*}.trx" --results-directory "$results" || status=$?
done
set -e

# Sum the counters of every TRX file: dotnet test's own summary is per project.
counter() { echo "$2" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  executed=$(counter executed "$counters")
  passed=$((passed + $(counter passed "$counters")))
  failed=$((failed + $(counter failed "$counters")))
  skipped=$((skipped + $(counter total "$counters") - executed))
done
if [ "$files" -eq 0 ]; then
  echo "error: no test results were written (did the build or a test host crash?)" >&2
  failed=$((failed + 1))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "error: dotnet test exited with $status although no test failed (a test host crashed?)" >&2
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
