#!/usr/bin/env bash
# Builds the container images localhost/fedface-aggregator and localhost/fedface-site (tagged with the build's version
# and latest) from the publish folders (scripts/publish.sh) with podman. The base is FEDFACE_BASE_IMAGE, by default
# the Debian 12 image that scripts/deploy-base-image.sh debootstraps here, since no registry may be reachable; where
# one is, FEDFACE_BASE_IMAGE=docker.io/library/debian:bookworm-slim does the same.
# Usage: scripts/deploy-images.sh [PUBLISH_DIR]   (default out/publish)
set -euo pipefail
cd "$(dirname "$0")/.."

publish="${1:-out/publish}"
for executable in "$publish/aggregator/fedface-aggregator" "$publish/site/fedface-site"; do
  [ -x "$executable" ] || { echo "error: $executable is missing; run scripts/publish.sh first" >&2; exit 1; }
done
base="${FEDFACE_BASE_IMAGE:-localhost/fedface-debian:bookworm}"
if [ "$base" = localhost/fedface-debian:bookworm ] && ! podman image exists "$base"; then
  scripts/deploy-base-image.sh
fi
source scripts/podman-host.sh "$base"

# The version the binaries print ("fedface-aggregator 0.1.0+commit"), without the commit: one version for all.
version="$("$publish/aggregator/fedface-aggregator" --version | cut -d' ' -f2 | cut -d+ -f1)"
tunables="$(grep '^GLIBC_TUNABLES=' deploy/site.env)"

build() {
  local name="$1" context="$2"; shift 2
  nice -n 10 podman build --quiet --build-arg "BASE_IMAGE=$base" "$@" -f "deploy/containers/$name.Containerfile" \
    -t "localhost/fedface-$name:$version" -t "localhost/fedface-$name:latest" "$context" >/dev/null
}
build aggregator "$publish/aggregator"
build site "$publish/site" --build-arg "$tunables"
podman image ls --filter reference='localhost/fedface-*'
