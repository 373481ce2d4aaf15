#!/usr/bin/env bash
# Builds the Debian 12 base image the FedFace containers start FROM, without a registry: debootstrap a minimal
# bookworm root file system and import it into podman as localhost/fedface-debian:bookworm. Where a registry is
# reachable, skip this and build on docker.io/library/debian:bookworm-slim instead (the Containerfiles' default).
# Needs root, debootstrap and podman (apt-get install debootstrap podman). Usage: scripts/deploy-base-image.sh [MIRROR]
set -euo pipefail

image=localhost/fedface-debian:bookworm
mirror="${1:-http://deb.debian.org/debian}"

if [ "$(id -u)" != 0 ]; then
  echo "error: debootstrap needs root" >&2
  exit 1
fi
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed; run: apt-get install -y $tool" >&2; exit 1; }
done
if podman image exists "$image"; then
  echo "$image exists; remove it (podman rmi $image) to rebuild"
  exit 0
fi

rootfs="$(mktemp -d /var/tmp/fedface-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
# minbase: essential packages and apt only, as debian:bookworm-slim has.
nice -n 10 debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
# What the slim images do: no downloaded packages, apt caches, docs or manuals in the layer.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$image"
podman image ls "$image"
