#!/usr/bin/env bash
# Checks the deployment files that cannot run here as they will run in production (about a minute, no cluster needed):
#  - deploy/kubernetes: rendered with kustomize (kubectl kustomize), then every object validated against the Kubernetes
#    API's OpenAPI schemas (types, required fields, enums) by the kubernetes-models npm package's compiled validators
#    (scripts/validate-kubernetes.mjs; the packages are installed once into out/deploy-validate). Unknown fields are not
#    flagged: those schemas allow additional properties.
#  - deploy/systemd: systemd-analyze verify on the units in a scratch root holding the published executables, where any
#    complaint (an unknown key, a key in the wrong section, a missing executable) counts as a failure.
#  - deploy/site.env sets the GLIBC_TUNABLES that scripts/prerequisites.sh sets for development and tests.
# deploy/compose.yaml is checked by running it: scripts/deploy-compose-smoke.sh. Usage: scripts/deploy-validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d /tmp/fedface-deploy-validate.XXXXXX)"
trap 'rm -rf "$work"' EXIT
status=0

for tool in kubectl node npm systemd-analyze; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }
done

echo "== Kubernetes: kubectl kustomize deploy/kubernetes, then the kubernetes-models schemas"
kubectl kustomize deploy/kubernetes >"$work/kubernetes.yaml"
tools=out/deploy-validate
if [ ! -f "$tools/node_modules/kubernetes-models/package.json" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --silent kubernetes-models@5.1.0 yaml@2.9.1
fi
# The validator resolves the packages from where it lies.
cp scripts/validate-kubernetes.mjs "$tools/"
node "$tools/validate-kubernetes.mjs" "$work/kubernetes.yaml" || status=1

echo "== systemd: systemd-analyze verify"
publish=out/publish
for executable in "$publish/aggregator/fedface-aggregator" "$publish/site/fedface-site"; do
  [ -x "$executable" ] || { echo "error: $executable is missing; run scripts/publish.sh first" >&2; exit 1; }
done
root="$work/root"
mkdir -p "$root/opt/fedface-aggregator" "$root/opt/fedface-site" "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp "$publish/aggregator/fedface-aggregator" "$root/opt/fedface-aggregator/"
cp "$publish/site/fedface-site" "$root/opt/fedface-site/"
cp /usr/lib/systemd/system -r "$root/usr/lib/systemd/"
cp deploy/systemd/*.service "$root/etc/systemd/system/"
for unit in deploy/systemd/*.service; do
  complaints="$(systemd-analyze verify --root="$root" "$(basename "$unit")" 2>&1 || true)"
  if [ -n "$complaints" ]; then
    echo "$unit: INVALID:"
    echo "$complaints"
    status=1
  else
    echo "$unit: valid"
  fi
done

echo "== deploy/site.env agrees with scripts/prerequisites.sh (the developers' and the tests' environment)"
tunables="$(grep '^GLIBC_TUNABLES=' deploy/site.env | cut -d= -f2-)"
if [ -n "$tunables" ] && grep -q -F "$tunables\"" scripts/prerequisites.sh; then
  echo "GLIBC_TUNABLES=$tunables: the same"
else
  echo "deploy/site.env's GLIBC_TUNABLES ($tunables) is not what scripts/prerequisites.sh sets"
  status=1
fi

[ "$status" -eq 0 ] && echo "deploy-validate: passed" || echo "deploy-validate: FAILED" >&2
exit "$status"
