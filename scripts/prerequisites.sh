#!/usr/bin/env bash
# Checks (and where we are root, installs) what a fresh Debian machine lacks for FedFace:
# the .NET 10 SDK must be there; OpenCV's native runtime needs libgtk-3-0; the Haar cascades come from
# opencv-data; the shared data must be found.
# Sourced by run-demo.sh, run-tests.sh and scripts/simulate.sh.
set -euo pipefail

fedface_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first" >&2
  exit 1
fi

missing_packages=()
# OpenCvSharp's native runtime links against GTK 3 (for highgui) even though we never open a window.
shared_libraries="$(ldconfig -p 2>/dev/null || true)"  # captured first: grep -q closing the pipe early would trip pipefail
grep -q 'libgtk-3.so.0' <<<"$shared_libraries" || missing_packages+=(libgtk-3-0)
# OpenCvSharpExtern also links these, which GTK pulls in only with its recommended packages (a minimal host lacks them).
grep -q 'libdrm.so.2' <<<"$shared_libraries" || missing_packages+=(libdrm2)
grep -q 'libatomic.so.1' <<<"$shared_libraries" || missing_packages+=(libatomic1)
# The Haar-cascade face detector (the fallback for sites without the YuNet model) reads its cascades from here.
[ -f /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml ] || missing_packages+=(opencv-data)
if [ ${#missing_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages: ${missing_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" >/dev/null
  else
    echo "error: missing Debian packages: ${missing_packages[*]}; run: sudo apt-get install -y ${missing_packages[*]}" >&2
    exit 1
  fi
fi

# libtorch allocates and frees large activation buffers every step; on VMs where page faults are costly
# (this one: ~10 us each) the fresh 4 KiB pages cost more than the maths — measured 6 vs 150 images/s for
# MobileFaceNet inference. glibc's hugetlb tunable makes malloc ask for transparent huge pages instead.
# arena_max=2: every site trains on a thread of its own, and glibc gives each thread an arena that keeps the freed
# training buffers; the 8-site E1 experiment was killed at 17.4 GB without it and stayed at 11-12 GB with it.
# Added once, however often this file is sourced (run-demo.sh sources it, then scripts/simulate.sh again).
case ":${GLIBC_TUNABLES:-}:" in
  *:glibc.malloc.hugetlb=*) ;;
  *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2" ;;
esac

# The faces and models live next to the checkout (../shared) unless FEDFACE_SHARED_DIR says otherwise.
if [ -z "${FEDFACE_SHARED_DIR:-}" ]; then
  if [ -f "$fedface_root/../shared/data/lfw-pairs.txt" ]; then
    export FEDFACE_SHARED_DIR="$(cd "$fedface_root/../shared" && pwd)"
  else
    echo "error: shared data not found at $fedface_root/../shared; set FEDFACE_SHARED_DIR to the folder holding data/ and models/" >&2
    exit 1
  fi
fi

# apt-get works here when we are root on Debian; installs wait for another apt run to let go of its lock.
can_install_debian_packages() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
install_debian_packages() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$@" >/dev/null
}

# Benchmarks compare against Python peers on Debian's system interpreter: installs the Debian package that provides
# a module when we are root, or says what to install. Usage: require_python_module "import cv2, numpy" python3-opencv
require_python_module() {
  if /usr/bin/python3 -c "$1" >/dev/null 2>&1; then
    return 0
  fi
  if can_install_debian_packages; then
    echo "Installing Debian package: $2"
    install_debian_packages "$2"
  else
    echo "error: /usr/bin/python3 cannot run '$1'; run: sudo apt-get install -y $2" >&2
    exit 1
  fi
}

# Packages only the tests need (run-tests.sh asks for them; the demo does not): installed when we are root, otherwise
# named, and the tests that need them are skipped with that reason (never under CI, where they fail instead).
# Usage: offer_debian_packages "what needs them" COMMAND PACKAGE [PACKAGE...]   (COMMAND: an executable they provide)
offer_debian_packages() {
  local purpose="$1" command="$2"
  shift 2
  command -v "$command" >/dev/null 2>&1 && return 0
  if can_install_debian_packages; then
    echo "Installing Debian packages for $purpose: $*"
    install_debian_packages "$@"
  else
    echo "note: $purpose needs the Debian packages $* (sudo apt-get install -y $*); those tests are skipped without them" >&2
  fi
}
