#!/usr/bin/env bash
# Publishes the aggregator and the site as self-contained linux-x64 folders for deployment (settings:
# deploy/Publish.props and the two csproj files) and prints their sizes. The container images, systemd units and
# scripts/deploy-smoke.sh start from these folders. Usage: scripts/publish.sh [OUTPUT_DIR]   (default: out/publish)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deploy-fixtures.sh

output="${1:-out/publish}"
mkdir -p "$output"
output="$(cd "$output" && pwd)"

publish() {
  local project="$1" folder="$output/$2"
  rm -rf "$folder"
  # Niced: publishing trims the framework, which keeps a core busy for a minute on a shared machine.
  nice -n 10 dotnet publish "$project" -c Release -r linux-x64 -o "$folder" --nologo -v quiet
}

publish src/FedFace.Aggregator aggregator
publish src/FedFace.Client site

# The aggregator must carry no native library of its own: only .NET's runtime (lib*.so from the runtime pack).
unexpected="$(cd "$output/aggregator" && ls -1 -- *.so* 2>/dev/null | grep -v -E "$deploy_dotnet_runtime_library" || true)"
if [ -n "$unexpected" ]; then
  echo "error: the aggregator's publish folder holds native libraries that are not .NET's: $unexpected" >&2
  exit 1
fi
du -sh "$output/aggregator" "$output/site"
