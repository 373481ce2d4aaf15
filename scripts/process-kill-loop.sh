#!/usr/bin/env bash
# The kill loop across real processes: the built fedface-aggregator and three fedface-site processes (fresh PKI from
# fedface-certs, three LFW people of four photos per site, the pretrained MobileFaceNet as version 0, two training
# steps a round) federate over loopback for ROUNDS rounds while the loop kills one of them with SIGKILL at random
# points, chosen by SEED:
#   aggregator-time    the aggregator, 0-4 s after a random wait in its life;
#   aggregator-commit  the aggregator inside a commit, by FEDFACE_CRASH_AT=<file>.<step>:<next round> at its start;
#   site-training      a site 0-1 s after its log says it downloaded the round's model (it trains next);
#   site-upload        a site right when its log gives the round's delta norm (it reports metrics and uploads next).
# Whatever was killed is started again at once. After every aggregator restart it checks that the aggregator resumed
# from the round state.json committed (never earlier than the last it had committed) and that no *.tmp is left; at the
# end that the state records hold each round 0..ROUNDS once, each naming a model file present on disk and chained to
# state.json, and that every site finished. Prints one row per kill and writes lab/results/kill-loop.json.
# Usage: scripts/process-kill-loop.sh [ROUNDS (default 20)] [SEED (default: time-based)]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
source scripts/deploy-fixtures.sh

rounds="${1:-20}"
seed="${2:-$(( $(date +%s) % 100000 ))}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "error: ROUNDS '$rounds' is not a positive whole number (usage: scripts/process-kill-loop.sh [ROUNDS] [SEED])" >&2; exit 2; }
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "error: SEED '$seed' is not a whole number (usage: scripts/process-kill-loop.sh [ROUNDS] [SEED])" >&2; exit 2; }
RANDOM="$seed"
sites=3

dotnet build src/FedFace.Aggregator --nologo -v quiet >/dev/null
dotnet build src/FedFace.Client --nologo -v quiet >/dev/null
dotnet build certs --nologo -v quiet >/dev/null
aggregator_exe=src/FedFace.Aggregator/bin/Debug/net10.0/linux-x64/fedface-aggregator
site_exe=src/FedFace.Client/bin/Debug/net10.0/linux-x64/fedface-site
certs_exe=certs/bin/Debug/net10.0/linux-x64/fedface-certs

work="$(mktemp -d /tmp/fedface-kill-loop.XXXXXX)"
declare -A pid
finish() {
  status=$?
  for name in "${!pid[@]}"; do kill -9 "${pid[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do echo "--- $log (last 15 lines)" >&2; tail -n 15 "$log" >&2 || true; done
    echo "kill-loop: logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap finish EXIT
fail() { echo "kill-loop: FAILED: $*" >&2; exit 1; }

"$certs_exe" --out "$work/pki" --sites "$sites" >/dev/null
deploy_photos "$work/photos" "$sites"
"$site_exe" init-model --from-onnx "$FEDFACE_SHARED_DIR/models/mobilefacenet_foamliu.onnx" --out "$work/initial.ffm" >"$work/init-model.log" 2>&1
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
state="$work/aggregator-state"

committed() { [ -f "$state/state.json" ] && jq -r .CommittedRound "$state/state.json" || echo 0; }
crash_files=(Model StateRecord State)
crash_steps=(TemporaryWritten TemporaryFlushed Renamed)
aggregator_crash_at=""
start_aggregator() {
  local -a environment=()
  [ -n "$aggregator_crash_at" ] && environment=(env "FEDFACE_CRASH_AT=$aggregator_crash_at")
  "${environment[@]}" "$aggregator_exe" --Aggregator:Port "$port" --Aggregator:MinSites 2 --Aggregator:TotalRounds "$rounds" \
    --Aggregator:RoundDeadlineSeconds 60 --Aggregator:Training:BatchSize 4 --Aggregator:Training:MaxSteps 2 \
    --Aggregator:InitialModelPath "$work/initial.ffm" --Aggregator:StateDirectory "$state" \
    --Aggregator:CaCertificatePath "$work/pki/ca.crt" --Aggregator:CertificatePath "$work/pki/aggregator.crt" \
    --Aggregator:KeyPath "$work/pki/aggregator.key" --Aggregator:ModelSigningCertificatePath "$work/pki/model-signing.crt" \
    --Aggregator:ModelSigningKeyPath "$work/pki/model-signing.key" >>"$work/aggregator.log" 2>&1 &
  pid[aggregator]=$!
}
start_site() {
  local id="$1"
  "$site_exe" --Site:AggregatorUrl "https://localhost:$port" --Site:CaCertificatePath "$work/pki/ca.crt" \
    --Site:CertificatePath "$work/pki/sites/$id.crt" --Site:KeyPath "$work/pki/sites/$id.key" --Site:DataDirectory "$work/photos/$id" \
    --Site:StateDirectory "$work/$id-state" --Site:DetectorModelPath "$FEDFACE_SHARED_DIR/models/face_detection_yunet_2023mar.onnx" \
    --Site:GiveUpAfterSeconds 300 >>"$work/$id.log" 2>&1 &
  pid[$id]=$!
}
# waits for the aggregator's new life to say it resumed, and checks the round against what state.json held before.
check_resume() {
  local expected="$1" lives_before="$2" line
  for _ in $(seq 1 240); do
    [ "$(grep -c 'Resumed from committed round\|Listening on' "$work/aggregator.log" || true)" -gt "$lives_before" ] && break
    sleep 0.25
  done
  line="$(grep -o 'Resumed from committed round [0-9]*' "$work/aggregator.log" | tail -n 1 | grep -o '[0-9]*$' || echo 0)"
  [ "$(grep -c 'Resumed from committed round' "$work/aggregator.log" || true)" -gt 0 ] || line=0
  [ "$line" = "$expected" ] || fail "the aggregator resumed from round $line, but state.json had committed round $expected"
  [ -z "$(find "$state" -name '*.tmp' 2>/dev/null)" ] || fail "temporary files left after the restart: $(find "$state" -name '*.tmp')"
}
lives() { grep -c 'Resumed from committed round\|Listening on' "$work/aggregator.log" 2>/dev/null || echo 0; }
# waits until FILE has more than COUNT lines matching PATTERN, or the federation is done; non-zero when done.
wait_for_line() {
  local file="$1" pattern="$2" count="$3"
  while [ "$(grep -c "$pattern" "$file" || true)" -le "$count" ]; do
    [ "$(committed)" -lt "$rounds" ] || return 1
    sleep 0.1
  done
}

start_aggregator
check_resume 0 0 || true
for index in $(seq 1 "$sites"); do start_site "$(printf 'site-%02d' "$index")"; done

rows=()
json_rows="[]"
kills=0
began=$SECONDS
while [ "$(committed)" -lt "$rounds" ]; do
  [ $((SECONDS - began)) -lt $((rounds * 120)) ] || fail "the federation did not reach round $rounds in $((rounds * 120)) s"
  kinds=(aggregator-time aggregator-commit site-training site-upload)
  kind="${kinds[$((RANDOM % 4))]}"
  before="$(committed)"
  victim=aggregator
  case "$kind" in
    aggregator-time)
      sleep "$((RANDOM % 5)).$((RANDOM % 10))"
      moment="$(date -u +%T), ${SECONDS}s in, during round $(( $(committed) + 1 ))" ;;
    aggregator-commit)
      # the crash is set for the next round's commit: the aggregator is restarted with it and dies there by itself.
      aggregator_crash_at="${crash_files[$((RANDOM % 3))]}.${crash_steps[$((RANDOM % 3))]}:$(( $(committed) + 1 ))"
      kill -9 "${pid[aggregator]}" 2>/dev/null || true
      wait "${pid[aggregator]}" 2>/dev/null || true
      expected="$(committed)"; lives_before="$(lives)"
      start_aggregator
      check_resume "$expected" "$lives_before"
      wait "${pid[aggregator]}" 2>/dev/null || true
      aggregator_crash_at=""
      moment="FEDFACE_CRASH_AT=$(grep -o 'FEDFACE_CRASH_AT=[^:]*:[0-9]*' "$work/aggregator.log" | tail -n 1 | cut -d= -f2)" ;;
    site-training|site-upload)
      victim="$(printf 'site-%02d' $((RANDOM % sites + 1)))"
      pattern='Downloaded model v'; [ "$kind" = site-upload ] && pattern='delta norm\|steps had their gradient clipped'
      wait_for_line "$work/$victim.log" "$pattern" "$(grep -c "$pattern" "$work/$victim.log" || true)" || break
      [ "$kind" = site-training ] && sleep "0.$((RANDOM % 10))"
      moment="$(grep "$pattern" "$work/$victim.log" | tail -n 1 | grep -o 'Round [0-9]*\|model v[0-9]*' | head -n 1)" ;;
  esac
  [ "$kind" = site-training ] && moment="after downloading $moment"
  [ "$kind" = site-upload ] && moment="$moment, as it uploads"
  expected="$(committed)"
  if [ "$kind" != aggregator-commit ]; then
    kill -9 "${pid[$victim]}" 2>/dev/null || true
    wait "${pid[$victim]}" 2>/dev/null || true
    expected="$(committed)"
  fi
  kills=$((kills + 1))
  if [ "$victim" = aggregator ]; then
    lives_before="$(lives)"
    start_aggregator
    check_resume "$expected" "$lives_before"
    outcome="resumed from round $expected (before the kill: $before), no *.tmp left"
  else
    start_site "$victim"
    outcome="restarted; federation at round $expected"
  fi
  rows+=("| $kills | $victim | $kind | $moment | $outcome |")
  json_rows="$(jq -c --arg who "$victim" --arg kind "$kind" --arg when "$moment" --arg outcome "$outcome" --argjson resumed "$expected" \
    '. + [{who: $who, kind: $kind, when: $when, resumedFromRound: $resumed, outcome: $outcome}]' <<<"$json_rows")"
  # a kill per round at most, on average: give the federation time to move on.
  sleep "$((RANDOM % 4 + 2))"
done

for index in $(seq 1 "$sites"); do
  id="$(printf 'site-%02d' "$index")"
  for _ in $(seq 1 600); do kill -0 "${pid[$id]}" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "${pid[$id]}" 2>/dev/null; then fail "$id still runs after the last round"; fi
  wait "${pid[$id]}" || fail "$id exited with $? at the end"
  unset "pid[$id]"
done

# The chain: one state record per round 0..ROUNDS, each naming a model file on disk with its version, state.json the last.
mapfile -t record_rounds < <(for record in "$state"/models/state-v*.json; do jq -r .CommittedRound "$record"; done | sort -n)
[ "${record_rounds[*]}" = "$(seq -s ' ' 0 "$rounds")" ] || fail "state records hold rounds ${record_rounds[*]}, not 0..$rounds each once"
for record in "$state"/models/state-v*.json; do
  [ -f "$state/$(jq -r .ModelFileName "$record")" ] || fail "$record names a model file that is not there"
done
last="$(ls "$state"/models/state-v*.json | sort -V | tail -n 1)"
[ "$(jq -r .ModelSha256 "$last")" = "$(jq -r .ModelSha256 "$state/state.json")" ] || fail "state.json is not the last state record"
[ -z "$(find "$state" -name '*.tmp')" ] || fail "temporary files left at the end"
distinct_hashes="$(for record in "$state"/models/state-v*.json; do jq -r .ModelSha256 "$record"; done | sort -u | wc -l)"

echo "| kill | who | kind | when | outcome |"
echo "|---:|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "kill-loop: $rounds rounds, $kills kills (seed $seed), chain of $((rounds + 1)) state records unbroken ($distinct_hashes distinct models), every site finished"

commit="$(git rev-parse HEAD)"
dirty=false; [ -z "$(git status --porcelain -- . ':!lab/results')" ] || dirty=true
mkdir -p lab/results
jq -n --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" --argjson cores "$(nproc)" \
  --arg os "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)" --arg dotnet "$(dotnet --version)" \
  --arg load "$(cat /proc/loadavg)" --arg commit "$commit" --argjson dirty "$dirty" --argjson rounds "$rounds" --argjson seed "$seed" \
  --argjson kills "$kills" --argjson seconds "$((SECONDS - began))" --argjson distinct "$distinct_hashes" --argjson rows "$json_rows" \
  '{machine: {cpu: $cpu, cores: $cores, os: $os, dotnetSdk: $dotnet, loadAverageAtStart: $load}, commit: $commit, dirty: $dirty,
    command: "scripts/process-kill-loop.sh \($rounds) \($seed)", rounds: $rounds, seed: $seed, sites: 3, kills: $kills, seconds: $seconds,
    stateRecords: ($rounds + 1), distinctModels: $distinct, chainUnbroken: true, orphanedTemporaries: 0, everySiteFinished: true, killed: $rows}' \
  >lab/results/kill-loop.json
echo "kill-loop: wrote lab/results/kill-loop.json"
