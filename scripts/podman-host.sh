#!/usr/bin/env bash
# Sourced by the deploy scripts before they use podman. On most hosts it does nothing. Where podman's defaults cannot
# start a container (seen on a Firecracker VM: crun refuses its cgroups v1/v2 hybrid, and podman's default rlimits
# exceed the hard limits), it points podman at a containers.conf of its own that uses runc and limits within the
# host's: podman reads CONTAINERS_CONF instead of /etc/containers/containers.conf, which stays untouched.
# Usage: source scripts/podman-host.sh IMAGE   (an image that exists locally, to try a container with)
podman_host_try() { podman run --rm --network none --entrypoint /bin/true "$1" >/dev/null 2>&1; }

if [ -z "${CONTAINERS_CONF:-}" ] && ! podman_host_try "$1"; then
  command -v runc >/dev/null || { echo "error: podman cannot start a container here; install runc (apt-get install -y runc) and retry" >&2; return 1 2>/dev/null || exit 1; }
  CONTAINERS_CONF="$(mktemp /tmp/fedface-containers.XXXXXX.conf)"
  export CONTAINERS_CONF
  # 4096 processes is ample for one .NET process per container (the runtime refused anything above 32768 there).
  processes=$(( $(ulimit -Hu) < 4096 ? $(ulimit -Hu) : 4096 ))
  cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$processes:$processes"]
[engine]
runtime = "runc"
CONF
  if ! podman_host_try "$1"; then
    echo "error: podman cannot start a container here, even with runc and $CONTAINERS_CONF:" >&2
    podman run --rm --network none --entrypoint /bin/true "$1" >&2 || true
    return 1 2>/dev/null || exit 1
  fi
  echo "podman: using $CONTAINERS_CONF (runc, rlimits within this host's)"
fi
