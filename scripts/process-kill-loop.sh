#!/usr/bin/env bash
# The kill loop across real processes: the built fedface-aggregator and three fedface-site processes (fresh PKI from
# fedface-certs, three LFW people of four photos per site, the pretrained MobileFaceNet as version 0, two training
# steps a round) federate over loopback for ROUNDS rounds while the loop kills one of them with SIGKILL at random
# points, chosen by SEED:
#   aggregator-time    the aggregator, 0-4 s after a random wait in its life;
#   aggregator-commit  the aggregator inside a commit, by FEDFACE_CRASH_AT=<file>.<step>:<next round> at its start;
#   site-training      a site 0-1 s after its log says it downloaded the round's model (it trains next);
#   site-upload        a site as soon as the aggregator logs its metrics for the round (it uploads its update next).
# Whatever was killed is started again at once. After every aggregator restart it checks that the aggregator resumed
# from the round state.json committed (never earlier than the last it had committed) and that no *.tmp is left; at the
# end that the state records hold each round 0..ROUNDS once, each naming a model file present on disk and chained to
# state.json, and that every site finished. Prints one row per kill and writes lab/results/kill-loop.json.
#   site-secure        (with --secure, every round secure-aggregated) a site right after the aggregator closes a secure
#                      stage of the round (key advertising, key sharing, masked input, consistency), before the next.
# Usage: scripts/process-kill-loop.sh [ROUNDS (default 20)] [SEED (default: time-based)] [--secure]
#   --secure writes lab/results/kill-loop-secure.json instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
source scripts/deploy-fixtures.sh

rounds="${1:-20}"
seed="${2:-$(( $(date +%s) % 100000 ))}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "error: ROUNDS '$rounds' is not a positive whole number (usage: scripts/process-kill-loop.sh [ROUNDS] [SEED])" >&2; exit 2; }
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "error: SEED '$seed' is not a whole number (usage: scripts/process-kill-loop.sh [ROUNDS] [SEED])" >&2; exit 2; }
secure=false
[ "${3:-}" = --secure ] && secure=true
[ -z "${3:-}" ] || [ "$secure" = true ] || { echo "error: unknown option '$3' (usage: scripts/process-kill-loop.sh [ROUNDS] [SEED] [--secure])" >&2; exit 2; }
RANDOM="$seed"
# A secure round needs 3 sites: a fourth lets it go on while one is killed.
sites=3 min_sites=2 secure_settings=()
[ "$secure" = true ] && { sites=4 min_sites=3; secure_settings=(--Aggregator:SecureAggregation:AdvertiseKeysSeconds 15
  --Aggregator:SecureAggregation:ShareKeysSeconds 15 --Aggregator:SecureAggregation:ConsistencyCheckSeconds 10); }
load_at_start="$(cat /proc/loadavg)"

dotnet build src/FedFace.Aggregator --nologo -v quiet >/dev/null
dotnet build src/FedFace.Client --nologo -v quiet >/dev/null
dotnet build certs --nologo -v quiet >/dev/null
aggregator_exe=src/FedFace.Aggregator/bin/Debug/net10.0/linux-x64/fedface-aggregator
site_exe=src/FedFace.Client/bin/Debug/net10.0/linux-x64/fedface-site
certs_exe=certs/bin/Debug/net10.0/linux-x64/fedface-certs

work="$(mktemp -d /tmp/fedface-kill-loop.XXXXXX)"
declare -A pid site_lives
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
# Stopped from outside (timeout, Ctrl-C): still end the processes it started.
trap 'exit 143' TERM INT
fail() { echo "kill-loop: FAILED: $*" >&2; exit 1; }

"$certs_exe" --out "$work/pki" --sites "$sites" >/dev/null
deploy_photos "$work/photos" "$sites"
"$site_exe" init-model --from-onnx "$FEDFACE_SHARED_DIR/models/mobilefacenet_foamliu.onnx" --out "$work/initial.ffm" >"$work/init-model.log" 2>&1
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
state="$work/aggregator-state"

# Progress is counted in model versions: an aborted round takes a round number but commits nothing.
committed() { if [ -f "$state/state.json" ]; then jq -r .ModelVersion "$state/state.json"; else echo 0; fi; }
# What state.json holds as the resume line prints it: round, version, sha256.
committed_tuple() { if [ -f "$state/state.json" ]; then jq -r '"\(.CommittedRound) v\(.ModelVersion) \(.ModelSha256)"' "$state/state.json"; else echo "0 v0 ?"; fi; }
crash_files=(Model StateRecord State)
crash_steps=(TemporaryWritten TemporaryFlushed Renamed DirectoryFlushed)
aggregator_crash_at=""
start_aggregator() {
  local -a environment=()
  [ -n "$aggregator_crash_at" ] && environment=(env "FEDFACE_CRASH_AT=$aggregator_crash_at")
  "${environment[@]}" "$aggregator_exe" --Aggregator:Port "$port" --Aggregator:MinSites "$min_sites" --Aggregator:TotalRounds "$rounds" \
    --Aggregator:RoundDeadlineSeconds 60 --Aggregator:Training:BatchSize 4 --Aggregator:Training:MaxSteps 2 \
    --Aggregator:InitialModelPath "$work/initial.ffm" --Aggregator:StateDirectory "$state" \
    --Aggregator:CaCertificatePath "$work/pki/ca.crt" --Aggregator:CertificatePath "$work/pki/aggregator.crt" \
    --Aggregator:KeyPath "$work/pki/aggregator.key" --Aggregator:ModelSigningCertificatePath "$work/pki/model-signing.crt" \
    --Aggregator:ModelSigningKeyPath "$work/pki/model-signing.key" --Aggregator:Observability:ManagementPort 0 --Aggregator:SecureAggregation:Enabled "$secure" "${secure_settings[@]}" >>"$work/aggregator.log" 2>&1 &
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
# waits for the aggregator's new life to say it resumed, and checks that it resumed from what state.json held before
# the start (round, version and sha256), and that no temporary file is left.
resumes() { grep -c 'Resumed from committed round' "$work/aggregator.log" 2>/dev/null || true; }
check_resume() {
  local expected="$1" lives_before="$2" resumed
  for _ in $(seq 1 480); do
    [ "$(resumes)" -gt "$lives_before" ] && break
    kill -0 "${pid[aggregator]}" 2>/dev/null || fail "the aggregator exited before it resumed"
    sleep 0.25
  done
  [ "$(resumes)" -gt "$lives_before" ] || fail "the aggregator did not say it resumed within 120 s"
  resumed="$(grep -o 'Resumed from committed round [0-9]*: model v[0-9]* sha256 [0-9a-f]*' "$work/aggregator.log" | tail -n 1 | sed 's/Resumed from committed round \([0-9]*\): model \(v[0-9]*\) sha256 /\1 \2 /')"
  [ "$resumed" = "$expected" ] || fail "the aggregator resumed from '$resumed', but state.json held '$expected'"
  [ -z "$(find "$state" -name '*.tmp' 2>/dev/null)" ] || fail "temporary files left after the restart: $(find "$state" -name '*.tmp')"
}
# waits until FILE has more than COUNT lines matching PATTERN, or the federation is done; non-zero when done.
wait_for_line() {
  local file="$1" pattern="$2" count="$3"
  while [ "$(grep -c "$pattern" "$file" || true)" -le "$count" ]; do
    [ "$(committed)" -lt "$rounds" ] || return 1
    sleep 0.1
  done
}

start_aggregator
# A fresh start commits round 0 and says where it listens, not that it resumed.
for _ in $(seq 1 480); do
  grep -q 'Listening on https' "$work/aggregator.log" && break
  kill -0 "${pid[aggregator]}" 2>/dev/null || fail "the aggregator exited at its first start"
  sleep 0.25
done
for index in $(seq 1 "$sites"); do start_site "$(printf 'site-%02d' "$index")"; done

rows=()
json_rows="[]"
kills=0
began=$SECONDS
while [ "$(committed)" -lt "$rounds" ]; do
  [ $((SECONDS - began)) -lt $((rounds * 120)) ] || fail "the federation did not reach round $rounds in $((rounds * 120)) s"
  kinds=(aggregator-time aggregator-commit site-training site-upload)
  [ "$secure" = true ] && kinds+=(site-secure site-secure)
  kind="${kinds[$((RANDOM % ${#kinds[@]}))]}"
  victim=aggregator
  case "$kind" in
    aggregator-time)
      sleep "$((RANDOM % 5)).$((RANDOM % 10))"
      moment="$((SECONDS - began))s in, after $(grep -o 'Round [0-9]* open\|Round [0-9]*: accepted update\|Round [0-9]*: committed\|Round [0-9]* aborted' "$work/aggregator.log" | tail -n 1 || true)" ;;
    aggregator-commit)
      # the crash is set for the next round's commit: the aggregator is restarted with it and dies there by itself.
      # The next round's number: one past the last opened (an aborted round takes a number too).
      next_round=$(( $(grep -o 'Round [0-9]* open' "$work/aggregator.log" | tail -n 1 | grep -o '[0-9]*' || echo 0) + 1 ))
      aggregator_crash_at="${crash_files[$((RANDOM % 3))]}.${crash_steps[$((RANDOM % 4))]}:$next_round"
      kill -9 "${pid[aggregator]}" 2>/dev/null || true
      wait "${pid[aggregator]}" 2>/dev/null || true
      expected="$(committed_tuple)"; lives_before="$(resumes)"
      start_aggregator
      check_resume "$expected" "$lives_before"
      # It dies by itself in that commit, unless that round aborts or the federation ends first: then a kill by time.
      for _ in $(seq 1 900); do kill -0 "${pid[aggregator]}" 2>/dev/null || break; [ "$(committed)" -lt "$rounds" ] || break; sleep 0.1; done
      if kill -0 "${pid[aggregator]}" 2>/dev/null; then
        kill -9 "${pid[aggregator]}"
        moment="FEDFACE_CRASH_AT=$aggregator_crash_at not reached (round aborted or federation done): killed by time"
      else
        grep -q "FEDFACE_CRASH_AT=$aggregator_crash_at: crashing here" "$work/aggregator.log" || fail "the aggregator died without the crash it was set for"
        moment="inside the commit: FEDFACE_CRASH_AT=$aggregator_crash_at"
      fi
      { wait "${pid[aggregator]}"; } 2>/dev/null || true
      aggregator_crash_at="" ;;
    site-secure)
      victim="$(printf 'site-%02d' $((RANDOM % sites + 1)))"
      pattern='secure stage [A-Za-z]* closed'
      wait_for_line "$work/aggregator.log" "$pattern" "$(grep -c "$pattern" "$work/aggregator.log" || true)" || break
      moment="right after $(grep -o "Round [0-9]*: $pattern" "$work/aggregator.log" | tail -n 1)" ;;
    site-training|site-upload)
      victim="$(printf 'site-%02d' $((RANDOM % sites + 1)))"
      # Training follows the model's download in the site's log; the upload follows the metrics report the
      # aggregator logs ("Site site-0N round R: loss ...").
      log="$work/$victim.log"; pattern='Downloaded model v'
      [ "$kind" = site-upload ] && { log="$work/aggregator.log"; pattern="Site $victim round [0-9]*: loss"; }
      wait_for_line "$log" "$pattern" "$(grep -c "$pattern" "$log" || true)" || break
      if [ "$kind" = site-training ]; then
        sleep "0.$((RANDOM % 10))"
        moment="0-1 s after it downloaded $(grep -o 'Downloaded model v[0-9]*' "$log" | tail -n 1 | grep -o 'v[0-9]*')"
      else
        moment="right after its metrics for $(grep -o "Site $victim round [0-9]*" "$log" | tail -n 1 | grep -o 'round [0-9]*'), as it uploads"
      fi ;;
  esac
  if [ "$kind" != aggregator-commit ]; then
    kill -9 "${pid[$victim]}" 2>/dev/null || true
    wait "${pid[$victim]}" 2>/dev/null || true
  fi
  expected="$(committed_tuple)"
  kills=$((kills + 1))
  if [ "$victim" = aggregator ]; then
    lives_before="$(resumes)"
    start_aggregator
    check_resume "$expected" "$lives_before"
    read -r resumed_round resumed_version resumed_sha <<<"$expected"
    outcome="resumed from round $resumed_round, model $resumed_version sha256 ${resumed_sha:0:12}… as state.json held at the kill; no *.tmp left"
  else
    start_site "$victim"
    site_lives[$victim]=$((${site_lives[$victim]:-1} + 1))
    outcome="restarted at model v$(committed)"
  fi
  rows+=("| $kills | $victim | $kind | $moment | $outcome |")
  json_rows="$(jq -c --arg who "$victim" --arg kind "$kind" --arg when "$moment" --arg outcome "$outcome" --arg state "$expected" \
    '. + [{who: $who, kind: $kind, when: $when, committedAfter: $state, outcome: $outcome}]' <<<"$json_rows")"
  # a kill per round at most, on average: give the federation time to move on.
  sleep "$((RANDOM % 4 + 2))"
done

for index in $(seq 1 "$sites"); do
  id="$(printf 'site-%02d' "$index")"
  for _ in $(seq 1 600); do kill -0 "${pid[$id]}" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "${pid[$id]}" 2>/dev/null; then fail "$id still runs after the last round"; fi
  wait "${pid[$id]}" || fail "$id exited with $? at the end"
  joins="$(grep -c 'Joined federation' "$work/$id.log" || true)"
  [ "$joins" -eq "${site_lives[$id]:-1}" ] || fail "$id joined $joins times in ${site_lives[$id]:-1} lives: a restart did not rejoin"
  unset "pid[$id]"
done

# The chain: one state record per model version 0..ROUNDS, their rounds rising, each naming a model file on disk and
# carrying a signature over its own version, round and sha256; state.json the last of them. Each version the log says
# was committed, committed once, with the hash its record holds.
mapfile -t versions < <(for record in "$state"/models/state-v*.json; do jq -r .ModelVersion "$record"; done | sort -n)
[ "${versions[*]}" = "$(seq -s ' ' 0 "$rounds")" ] || fail "state records hold versions ${versions[*]}, not 0..$rounds each once"
previous_round=-1
for version in "${versions[@]}"; do
  record="$state/models/$(printf 'state-v%06d.json' "$version")"
  [ -f "$record" ] || fail "no state record file $record"
  round="$(jq -r .CommittedRound "$record")"
  [ "$round" -gt "$previous_round" ] || fail "$record commits round $round, not after round $previous_round"
  previous_round="$round"
  [ -f "$state/$(jq -r .ModelFileName "$record")" ] || fail "$record names a model file that is not there"
  if [ "$version" -gt 0 ]; then
    signed="$(jq -r .Signature.ModelSha256 "$record" | base64 -d | od -An -tx1 | tr -d ' \n')"
    [ "$signed" = "$(jq -r .ModelSha256 "$record")" ] || fail "$record: the signed sha256 is not the recorded one"
    [ "$(jq -r '"\(.Signature.ModelVersion) \(.Signature.Round)"' "$record")" = "$version $round" ] || fail "$record: the signature names another version or round"
    logged="$(grep -o "committed model v$version from [^,]*, sha256 [0-9a-f]*" "$work/aggregator.log" | grep -o '[0-9a-f]*$' || true)"
    [ "$(wc -w <<<"$logged")" -le 1 ] || fail "model v$version was committed more than once: $logged"
    [ -z "$logged" ] || [ "$logged" = "$(jq -r .ModelSha256 "$record")" ] || fail "model v$version was logged with another hash than its record holds"
  fi
done
[ "$(jq -r '"\(.ModelVersion) \(.ModelSha256)"' "$state/state.json")" = "$(jq -r '"\(.ModelVersion) \(.ModelSha256)"' "$state/models/$(printf 'state-v%06d.json' "$rounds")")" ] \
  || fail "state.json is not the last state record"
[ -z "$(find "$state" -name '*.tmp')" ] || fail "temporary files left at the end"
distinct_hashes="$(for record in "$state"/models/state-v*.json; do jq -r .ModelSha256 "$record"; done | sort -u | wc -l)"

echo "| kill | who | kind | when | outcome |"
echo "|---:|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "kill-loop: $rounds rounds, $kills kills (seed $seed), chain of $((rounds + 1)) state records unbroken ($distinct_hashes distinct models), every site finished"

result=lab/results/kill-loop.json
[ "$secure" = true ] && result=lab/results/kill-loop-secure.json
commit="$(git rev-parse HEAD)"
dirty=false; [ -z "$(git status --porcelain -- . ':!lab/results')" ] || dirty=true
mkdir -p lab/results
jq -n --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" --argjson cores "$(nproc)" \
  --arg os "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)" --arg dotnet "$(dotnet --version)" \
  --arg load "$load_at_start" --arg commit "$commit" --argjson dirty "$dirty" --argjson rounds "$rounds" --argjson seed "$seed" --argjson secure "$secure" --argjson sites "$sites" \
  --argjson kills "$kills" --argjson seconds "$((SECONDS - began))" --argjson distinct "$distinct_hashes" --argjson rows "$json_rows" \
  '{machine: {cpu: $cpu, cores: $cores, os: $os, dotnetSdk: $dotnet, loadAverageAtStart: $load}, commit: $commit, dirty: $dirty,
    command: "scripts/process-kill-loop.sh \($rounds) \($seed)\(if $secure then " --secure" else "" end)", secureAggregation: $secure, rounds: $rounds, seed: $seed, sites: $sites, kills: $kills, seconds: $seconds,
    stateRecords: ($rounds + 1), distinctModels: $distinct, chainUnbroken: true, orphanedTemporaries: 0, everySiteFinished: true, killed: $rows}' \
  >"$result"
echo "kill-loop: wrote $result"
