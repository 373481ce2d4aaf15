#!/usr/bin/env bash
# What the deploy scripts share, sourced by them: the fixtures an operator would prepare (after
# scripts/prerequisites.sh) and the names of .NET's own native libraries.

# .NET's runtime libraries in a self-contained folder (diagnostics, the standalone GCs, tracing load on demand): ours to
# ship as they are, never to prune, and the only native libraries the aggregator may carry.
deploy_dotnet_runtime_library='^lib(System\.|clr|coreclr|hostfxr|hostpolicy|mscord)'

# deploy_pki DIR SITES [fedface-certs flags...]: a fresh federation PKI with SITES site certificates.
deploy_pki() {
  local directory="$1" sites="$2"
  shift 2
  dotnet run --project certs -c Release -v quiet -- --out "$directory" --sites "$sites" "$@" >/dev/null
}

# deploy_photos DIR SITES: DIR/site-01 ... DIR/site-SITES, each three LFW people with four photos apiece, different
# people at each site, readable by every user (the services run as users of their own).
deploy_photos() {
  local directory="$1" sites="$2" index person
  local -a people
  mapfile -t people < <(cd "$FEDFACE_SHARED_DIR/data/lfw-deepfunneled" && for person in *; do
    [ "$(ls "$person" | wc -l)" -ge 4 ] && echo "$person"; done | head -n $((sites * 3)))
  for ((index = 0; index < sites; index++)); do
    for person in "${people[@]:$((index * 3)):3}"; do
      mkdir -p "$directory/$(printf 'site-%02d' $((index + 1)))/$person"
      cp "$FEDFACE_SHARED_DIR/data/lfw-deepfunneled/$person"/*_000[1-4].jpg "$directory/$(printf 'site-%02d' $((index + 1)))/$person/"
    done
  done
  chmod -R a+rX "$directory"
}
