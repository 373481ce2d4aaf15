#!/usr/bin/env bash
# Runs deploy/compose.yaml end to end on loopback with podman-compose: a fresh PKI whose aggregator certificate names
# "aggregator" (the compose service the sites dial), a version-0 model made by the site image, three sites with four
# LFW photos of each of three people, and one short round. Passes when the three site containers exit 0 and the
# aggregator logs the finished federation; then removes the containers and their volumes.
# Needs the images (scripts/deploy-images.sh), podman and podman-compose. Usage: scripts/deploy-compose-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
source scripts/deploy-fixtures.sh

for image in localhost/fedface-aggregator:latest localhost/fedface-site:latest; do
  podman image exists "$image" || { echo "error: no image $image; run scripts/deploy-images.sh first" >&2; exit 1; }
done
command -v podman-compose >/dev/null || { echo "error: podman-compose is not installed; run: apt-get install -y podman-compose" >&2; exit 1; }
source scripts/podman-host.sh localhost/fedface-aggregator:latest

project="fedface-smoke-$$"
work="$(mktemp -d /tmp/fedface-compose-smoke.XXXXXX)"
compose=(podman-compose -p "$project" -f deploy/compose.yaml -f "$work/smoke.yaml")
finish() {
  status=$?
  if [ "$status" -ne 0 ]; then
    for service in aggregator site-01 site-02 site-03; do
      echo "--- $service (last 15 lines)" >&2
      podman logs --tail 15 "${project}_${service}_1" >&2 2>&1 || true
    done
  fi
  "${compose[@]}" down -v >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap finish EXIT
fail() { echo "deploy-compose-smoke: FAILED: $*" >&2; exit 1; }

# What an operator prepares (deploy/compose.yaml's header): the PKI with its keys readable by the containers' uid,
# the version-0 model, the detector and a photo folder per site.
deploy_pki "$work/pki" 3 --aggregator-name aggregator
chown 10001:10001 "$work"/pki/*.key "$work"/pki/sites/*.key
install -d -o 10001 -g 10001 "$work/model"
podman run --rm --network none -v "$work/model:/model" localhost/fedface-site:latest init-model --out /model/initial-model.ffm --seed 1 >/dev/null
deploy_photos "$work/photos" 3
export FEDFACE_PKI="$work/pki" FEDFACE_INITIAL_MODEL="$work/model/initial-model.ffm" FEDFACE_PHOTOS="$work/photos"
export FEDFACE_DETECTOR="$FEDFACE_SHARED_DIR/models/face_detection_yunet_2023mar.onnx"
FEDFACE_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export FEDFACE_PORT
# One short round: the override a rehearsal would use.
cat >"$work/smoke.yaml" <<YAML
services:
  aggregator:
    environment:
      Aggregator__MinSites: 3
      Aggregator__TotalRounds: 1
      Aggregator__RoundDeadlineSeconds: 300
      Aggregator__Training__BatchSize: 4
      Aggregator__Training__MaxSteps: 2
YAML

echo "deploy-compose-smoke: starting $project (aggregator on 127.0.0.1:$FEDFACE_PORT)"
"${compose[@]}" up -d >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "podman-compose up"; }
for _ in $(seq 1 60); do
  (exec 3<>"/dev/tcp/127.0.0.1/$FEDFACE_PORT") 2>/dev/null && break
  sleep 1
done
(exec 3<>"/dev/tcp/127.0.0.1/$FEDFACE_PORT") 2>/dev/null || fail "nothing listens on 127.0.0.1:$FEDFACE_PORT"
for service in site-01 site-02 site-03; do
  code="$(timeout 900 podman wait "${project}_${service}_1")" || fail "$service still ran after 900 s"
  [ "$code" = 0 ] || fail "$service exited with $code"
done
podman logs "${project}_aggregator_1" 2>&1 | grep -q "Federation finished: model v1 after round 1" \
  || fail "the aggregator did not finish the federation after round 1"
echo "deploy-compose-smoke: the three sites finished and the aggregator committed round 1"
echo "deploy-compose-smoke: passed"
