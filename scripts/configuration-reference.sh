#!/usr/bin/env bash
# Regenerates docs/configuration.md from the settings classes (AggregatorOptions, SiteOptions, SimulatorOptions and
# the settings nested in them: names, defaults, XML doc comments). The test that fails when the file is stale runs
# with every ./run-tests.sh; this writes the file instead of comparing it.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/FedFace.EndToEnd.Tests --nologo -v quiet
FEDFACE_WRITE_CONFIGURATION_REFERENCE=1 dotnet test tests/FedFace.EndToEnd.Tests --no-build --nologo \
  --filter "FullyQualifiedName~ConfigurationReferenceTests.The_committed_configuration_reference_is_what_the_settings_classes_generate"
echo "wrote docs/configuration.md"
