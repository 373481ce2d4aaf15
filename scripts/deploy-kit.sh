#!/usr/bin/env bash
# Produces and checks the whole deployment kit (docs/deployment.md), one step after another, stopping at the first
# failure: publish the aggregator and the site, federate the published folders over loopback, validate the Kubernetes
# manifests and systemd units, and, where podman is installed and we are root, build the container images and run the
# compose file on loopback. Long (10-20 minutes on 2 busy cores), so not part of run-tests.sh. Usage: scripts/deploy-kit.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/publish.sh
scripts/deploy-smoke.sh
scripts/deploy-validate.sh
if command -v podman >/dev/null && command -v podman-compose >/dev/null && [ "$(id -u)" = 0 ]; then
  scripts/deploy-images.sh
  scripts/deploy-compose-smoke.sh
else
  echo "deploy-kit: no podman, podman-compose or root here: the container images and the compose file were not built or run"
fi
echo "deploy-kit: passed"
