#!/usr/bin/env bash
# The published aggregator and site federate over loopback, each started from its publish folder as systemd would
# start it: a fresh PKI (fedface-certs), a version-0 model from the published site, an aggregator, two sites with four
# LFW photos of each of three people, one short round (two training steps). Passes when both sites finish with exit 0,
# the aggregator committed round 1 and then stops cleanly on SIGTERM, and the site mapped every native library its
# publish folder ships beyond .NET's own (so the folder carries none it does not load). Before the round it asks the
# aggregator's gRPC health and reflection services, with curl, whether they survived trimming.
# Usage: scripts/deploy-smoke.sh [PUBLISH_DIR]   (default out/publish, made by scripts/publish.sh). About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
source scripts/deploy-fixtures.sh

publish="$(cd "${1:-out/publish}" 2>/dev/null && pwd)" || { echo "error: no publish folder ${1:-out/publish}; run scripts/publish.sh first" >&2; exit 1; }
aggregator="$publish/aggregator/fedface-aggregator"
site="$publish/site/fedface-site"
for executable in "$aggregator" "$site"; do
  [ -x "$executable" ] || { echo "error: $executable is missing; run scripts/publish.sh first" >&2; exit 1; }
done

work="$(mktemp -d /tmp/fedface-deploy-smoke.XXXXXX)"
pids=()
finish() {
  status=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      echo "--- $log (last 20 lines)" >&2
      tail -n 20 "$log" >&2 || true
    done
  fi
  rm -rf "$work"
}
trap finish EXIT
fail() { echo "deploy-smoke: FAILED: $*" >&2; exit 1; }

echo "deploy-smoke: PKI and version-0 model in $work"
deploy_pki "$work/pki" 2
deploy_photos "$work/photos" 2
# The site's environment is the deployed one (deploy/site.env), not the developer's.
set -a
source deploy/site.env
set +a
"$site" init-model --out "$work/initial.ffm" --seed 1 >"$work/init-model.log"

# No port is hard-wired: the aggregator takes a free one and logs it.
"$aggregator" --Aggregator:Port 0 --Aggregator:MinSites 2 --Aggregator:TotalRounds 1 --Aggregator:RoundDeadlineSeconds 300 \
  --Aggregator:Training:BatchSize 4 --Aggregator:Training:MaxSteps 2 --Aggregator:InitialModelPath "$work/initial.ffm" \
  --Aggregator:StateDirectory "$work/aggregator-state" --Aggregator:CaCertificatePath "$work/pki/ca.crt" \
  --Aggregator:CertificatePath "$work/pki/aggregator.crt" --Aggregator:KeyPath "$work/pki/aggregator.key" \
  --Aggregator:ModelSigningCertificatePath "$work/pki/model-signing.crt" --Aggregator:ModelSigningKeyPath "$work/pki/model-signing.key" \
  >"$work/aggregator.log" 2>&1 &
aggregator_pid=$!
pids+=("$aggregator_pid")
url=""
for _ in $(seq 1 120); do
  url="$(grep -o 'Listening on https://[^ ]*' "$work/aggregator.log" | head -n 1 | cut -d' ' -f3 || true)"
  [ -n "$url" ] && break
  kill -0 "$aggregator_pid" 2>/dev/null || fail "the aggregator exited before listening"
  sleep 0.5
done
[ -n "$url" ] || fail "the aggregator did not say where it listens within 60 s"
echo "deploy-smoke: aggregator listening on $url"

# gRPC health and reflection survive trimming: one unary and one streaming call with curl over HTTP/2 and mutual TLS,
# each body a gRPC frame (flag byte, 4-byte length, protobuf message).
grpc_call() {
  printf "$2" | curl -sS --http2 --max-time 30 --cacert "$work/pki/ca.crt" --cert "$work/pki/sites/site-01.crt" \
    --key "$work/pki/sites/site-01.key" -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @- "${url%/}/$1"
}
# Health/Check with an empty request answers status 1, SERVING: frame 00 00000002, field 1 = 1.
[ "$(grpc_call grpc.health.v1.Health/Check '\x00\x00\x00\x00\x00' | od -An -tx1 | tr -d ' \n')" = 00000000020801 ] \
  || fail "gRPC health did not answer SERVING"
# ServerReflectionInfo with list_services (field 7, empty) names the federation's service.
grpc_call grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo '\x00\x00\x00\x00\x02\x3a\x00' | grep -a -q fedface.v1.Federation \
  || fail "gRPC reflection did not list fedface.v1.Federation"
echo "deploy-smoke: gRPC health answers SERVING and reflection lists fedface.v1.Federation"

site_pids=()
for index in 1 2; do
  id="site-0$index"
  "$site" --Site:AggregatorUrl "${url%/}" --Site:CaCertificatePath "$work/pki/ca.crt" \
    --Site:CertificatePath "$work/pki/sites/$id.crt" --Site:KeyPath "$work/pki/sites/$id.key" --Site:DataDirectory "$work/photos/$id" \
    --Site:StateDirectory "$work/$id-state" --Site:DetectorModelPath "$FEDFACE_SHARED_DIR/models/face_detection_yunet_2023mar.onnx" \
    --Site:GiveUpAfterSeconds 120 >"$work/$id.log" 2>&1 &
  site_pids+=($!)
  pids+=($!)
done

# Which of the site folder's libraries a running site maps, sampled until the sites are done.
: >"$work/mapped"
deadline=$((SECONDS + 600))
while kill -0 "${site_pids[0]}" 2>/dev/null || kill -0 "${site_pids[1]}" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the sites still ran after 600 s"
  for pid in "${site_pids[@]}"; do
    grep -o "$publish/site/[^ ]*\.so[.0-9]*" "/proc/$pid/maps" 2>/dev/null >>"$work/mapped" || true
  done
  sleep 0.5
done
for index in 0 1; do
  wait "${site_pids[$index]}" || fail "site-0$((index + 1)) exited with $?"
done
grep -q '"CommittedRound": 1' "$work/aggregator-state/state.json" || fail "the aggregator did not commit round 1"
kill -TERM "$aggregator_pid"
wait "$aggregator_pid" || fail "the aggregator exited with $? on SIGTERM"
echo "deploy-smoke: both sites finished and the aggregator committed round 1"

unloaded=""
for library in "$publish"/site/*.so*; do
  name="$(basename "$library")"
  [[ "$name" =~ $deploy_dotnet_runtime_library ]] && continue
  grep -q -F "/$name" "$work/mapped" || unloaded+=" $name"
done
[ -z "$unloaded" ] || fail "the site's publish folder ships native libraries no site loaded:$unloaded"
echo "deploy-smoke: the site loaded every native library it ships: $(sort -u "$work/mapped" | xargs -n1 basename | grep -v -E "$deploy_dotnet_runtime_library" | tr '\n' ' ')"
echo "deploy-smoke: passed"
