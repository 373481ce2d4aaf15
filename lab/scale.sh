#!/usr/bin/env bash
# Issue 23's scale benchmark for the virtual-site engine: the built simulator (Release) runs federations of many
# registered virtual sites against its real in-process aggregator over mutual TLS, and this script writes the "engine"
# section of lab/results/scale.json (the "secure_aggregation" sections, from lab/secure-aggregation.sh scale, stay):
#   train-10, train-100, train-1000   10,000 registered training sites (2 LFW people each, 2-3 faces a person, people
#                                     reused across sites), 10 / 100 / 1,000 sampled a round, 1 local epoch, 2 rounds
#   synthetic-1000, synthetic-10000   synthetic updates (MobileFaceNet-sized deltas), every registered site each round
#                                     (10,000 sites get an hour a round: a loaded 2-core machine needed over 900 s)
#   secure-1000                       1,000 synthetic sites, every round SecAgg+ (dropout tolerance 20%), 100 of them (10%)
#                                     vanishing before their masked input in round 1
# 1,000 and 10,000 sites a round are summed as their updates arrive (--sum-in-site-order false): in site order a round
# holds every update until the last has come (4 MB each), 7.4 GB at 1,000 training sites.
# Each row: sites_registered, sites_per_round, round_seconds (each round), peak_rss_gb (the whole process, aggregator
# included: /usr/bin/time's maximum resident size), cpu_ms_per_site (the process's CPU time in the round per site,
# aggregator included: for synthetic rows the whole cost of a site's round) and, for training rows, per_site_overhead_ms
# (round time minus the sites' training time, per site, as the engine measures it with one training worker), with the
# commit that ran it. A row is written as soon as its run ends, so a partial run keeps what it measured.
# Usage: bash lab/scale.sh [NAME ...]   (default: every row above, in that order; hours on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
out=lab/results/scale.json
declare -A configs=(
  [train-10]="--sites 10000 --sample-fraction 0.001 --engine-people-per-site 2 --min-images 2 --max-images 3 --epochs 1 --rounds 2 --eval-pairs-per-fold 20"
  [train-100]="--sites 10000 --sample-fraction 0.01 --engine-people-per-site 2 --min-images 2 --max-images 3 --epochs 1 --rounds 2 --eval-pairs-per-fold 20"
  [train-1000]="--sites 10000 --sample-fraction 0.1 --engine-people-per-site 2 --min-images 2 --max-images 3 --epochs 1 --rounds 2 --eval-pairs-per-fold 20 --sum-in-site-order false"
  [synthetic-1000]="--sites 1000 --engine-site-work synthetic --rounds 2 --sum-in-site-order false"
  [synthetic-10000]="--sites 10000 --engine-site-work synthetic --rounds 2 --sum-in-site-order false --deadline 3600"
  [secure-1000]="--sites 1000 --engine-site-work synthetic --rounds 2 --secure-aggregation --secagg-dropout-tolerance 0.2 --drop-sites 100 --drop-at masked --secagg-stage-seconds 600 --deadline 1800"
)
order=(train-10 train-100 train-1000 synthetic-1000 synthetic-10000 secure-1000)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${order[@]}")
for name in "${names[@]}"; do
  [ -n "${configs[$name]:-}" ] || { echo "error: unknown row '$name' (one of: ${order[*]})" >&2; exit 2; }
done

dotnet build simulator -c Release --nologo -v quiet >/dev/null
simulator=simulator/bin/Release/net10.0/linux-x64/fedface-simulator
commit="$(git rev-parse HEAD)"
dirty=false
[ -z "$(git status --porcelain -- . ':!lab/results')" ] || dirty=true
machine="$(jq -n --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" --argjson cores "$(nproc)" \
  --arg avx512 "$(grep -o 'avx512[a-z]*' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//')" \
  --argjson memory_gb "$(awk '/MemTotal/ {printf "%.1f", $2 / 1e6}' /proc/meminfo)" '{cpu: $cpu, cores: $cores, avx512: $avx512, memory_gb: $memory_gb}')"
[ -f "$out" ] || echo '{}' > "$out"

for name in "${names[@]}"; do
  run="runs/scale/$name"
  rm -rf "$run"
  mkdir -p "$run"
  load="$(cat /proc/loadavg)"
  echo "== $name: $simulator ${configs[$name]} --out $run (load $load)"
  # shellcheck disable=SC2086 # the configuration is a list of flags
  /usr/bin/time -f '%M' -o "$run/max-rss-kb" "$simulator" ${configs[$name]} --out "$run" 2>&1 | tee "$run/output.log" | grep -E 'engine: round|^round [0-9]|Face pool|Done in|error' || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "scale: $name failed; its output is in $run/output.log" >&2; exit 1; }
  # The engine's figures for each round, from the run's report (simulation-report.json for training sites, engine-report.json else)
  report="$run/simulation-report.json"
  [ -f "$report" ] || report="$run/engine-report.json"
  rounds="$(jq '.EngineRounds | map({round: .Round, answered: .Answered, sites: .Sites, seconds: (.Seconds * 100 | round / 100),
    work_seconds: (.WorkSeconds * 100 | round / 100), overhead_ms_per_site: (.PerSiteOverheadMs | round), workers: .Workers,
    cpu_ms_per_site: (.CpuMsPerSite | round)})' "$report")"
  registered="$(grep -o -- '--sites [0-9]*' <<< "${configs[$name]}" | cut -d' ' -f2)"
  row="$(jq -n --arg command "$simulator ${configs[$name]}" --arg commit "$commit" --argjson dirty "$dirty" --arg load "$load" \
    --argjson registered "$registered" --argjson rounds "$rounds" \
    --argjson rss_kb "$(cat "$run/max-rss-kb")" --arg kind "${name%%-*}" '{
      command: $command, commit: $commit, dirty: $dirty, load_average_at_start: $load, sites_registered: $registered,
      sites_per_round: ($rounds | map(.sites) | max),
      round_seconds: ($rounds | map(.seconds)),
      peak_rss_gb: (($rss_kb / 1e6) * 100 | round / 100),
      cpu_ms_per_site: ($rounds | map(.cpu_ms_per_site)),
      rounds: $rounds}
      + (if $kind == "train" then {per_site_overhead_ms: ($rounds | map(.overhead_ms_per_site))} else {} end)')"
  tmp="$(mktemp)"
  jq --arg name "$name" --argjson row "$row" --argjson machine "$machine" --arg commit "$commit" --argjson dirty "$dirty" \
    '.engine.machine = $machine | .engine.commit = $commit | .engine.dirty = $dirty | .engine.rows[$name] = $row' "$out" > "$tmp"
  mv "$tmp" "$out"
  echo "   wrote engine.rows[\"$name\"] of $out"
done
