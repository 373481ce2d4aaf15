#!/usr/bin/env bash
# The convolution path check on an emulated AVX-512 CPU, for machines without one: boots Debian's kernel in Bochs
# (a CPU emulator that implements AVX-512) with a RAM disk holding the self-contained probe
# (lab/EmulatedCpu/ConvolutionPathProbe) and runs it three ways: as every FedFace process does, forced contiguous, and
# with oneDNN held to AVX2. Each run records oneDNN's ISA, the convolution kernels it ran and the check's verdict.
# Writes lab/results/emulated-avx512.json. About 8 minutes on a 2-core AMD EPYC (the emulator uses one core). Needs root
# to install Debian's bochs, syslinux, mtools, dosfstools, busybox-static and cpio.
# Usage: bash lab/emulated-avx512.sh [--cpu BOCHS_CPU_MODEL] [--out PATH]
# corei7_skylake_x (the default; oneDNN's avx512_core) boots. Bochs 2.7's models with AVX512_VNNI did not: corei7_icelake_u
# hung early in this kernel's boot (after "Poking KASLR using RDRAND RDTSC"), tigerlake printed nothing in 6 minutes.
# No Bochs model has AVX512_BF16.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh

cpu_model=corei7_skylake_x
out=lab/results/emulated-avx512.json
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) cpu_model="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: bash lab/emulated-avx512.sh [--cpu BOCHS_CPU_MODEL] [--out PATH]" >&2; exit 2 ;;
  esac
done

packages=(bochs bochsbios vgabios syslinux syslinux-common mtools dosfstools busybox-static cpio)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if can_install_debian_packages; then
    echo "Installing Debian packages: ${missing[*]}"
    install_debian_packages "${missing[@]}"
  else
    echo "error: missing Debian packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# The code measured: the tree as the run starts.
commit="$(git rev-parse HEAD)"
dirty=false
[ -z "$(git status --porcelain)" ] || dirty=true

work="$(mktemp -d /tmp/fedface-emulated-avx512.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# The guest kernel: Debian's current one, unpacked rather than installed.
kernel_package="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ { print $2; exit }')"
(cd "$work" && apt-get download -q "$kernel_package" 2>/dev/null) \
  || { echo "error: apt-get download $kernel_package failed (the guest kernel comes from Debian's archive)" >&2; exit 1; }
dpkg-deb -x "$work"/"$kernel_package"_*.deb "$work/kernel"
vmlinuz="$(ls "$work"/kernel/boot/vmlinuz-*)"

# The RAM disk: busybox, the probe with its .NET runtime and libtorch, and the host's C and C++ libraries they link.
root="$work/root"
mkdir -p "$root"/{bin,proc,sys,dev,tmp,lib64,lib/x86_64-linux-gnu}
dotnet publish lab/EmulatedCpu/ConvolutionPathProbe -c Release --self-contained --nologo -v quiet -o "$root/app"
# Libraries libtorch ships that the probe never loads: 60 MB less to copy into the emulated machine.
rm -f "$root"/app/{libtorch_python.so,libtorchbind_test.so,libjitbackend_test.so,libnnapi_backend.so,libbackend_with_compiler.so,libaoti_custom_ops.so,libmscordaccore.so,libmscordbi.so,createdump}
cp /bin/busybox "$root/bin/busybox"
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
for library in $(ldd "$root"/app/*.so "$root/app/ConvolutionPathProbe" 2>/dev/null | awk '$3 ~ /^\/(usr\/)?lib/ { print $3 }' | sort -u); do
  cp -L "$library" "$root/lib/x86_64-linux-gnu/"
done
install -m 755 lab/EmulatedCpu/guest-init.sh "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initrd"

# Linux 6.x uses the compacted XSAVE format when the CPU offers XSAVES or XSAVEC, and Bochs 2.7 reports the standard
# format's size for it; the kernel then turns XSAVE off, and AVX with it. Without them it takes the standard format.
# Protection keys (tigerlake) are dropped for the same reason: Bochs reports their state with no size.
command_line="console=ttyS0,115200 rdinit=/init loglevel=4 clearcpuid=xsaves,xsavec,pku,ospke mitigations=off nokaslr"
disk="$work/boot.img"
truncate -s $(( $(stat -c %s "$work/initrd") / 1048576 + 128 ))M "$disk"
mkfs.vfat -F 32 -n FEDFACE "$disk" >/dev/null
syslinux --install "$disk"
printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd\n  APPEND %s\n' "$command_line" > "$work/syslinux.cfg"
mcopy -i "$disk" "$work/syslinux.cfg" ::syslinux.cfg
mcopy -i "$disk" "$vmlinuz" ::vmlinuz
mcopy -i "$disk" "$work/initrd" ::initrd

sed -e "s#@CPU_MODEL@#$cpu_model#" -e "s#@DISK@#$disk#" -e "s#@SERIAL@#$work/serial.txt#" -e "s#@LOG@#$work/bochs.log#" \
  lab/EmulatedCpu/bochsrc.in > "$work/bochsrc"
echo "Booting $kernel_package on Bochs's $cpu_model; the probe's three runs follow (about 8 minutes)"
start=$(date +%s)
# Debian's Bochs starts in its debugger: "c" continues. The emulated machine powers itself off when done.
echo c | timeout 3600 bochs -q -f "$work/bochsrc" > "$work/bochs.out" 2>&1 || true
seconds=$(( $(date +%s) - start ))

/usr/bin/python3 lab/EmulatedCpu/report.py --serial "$work/serial.txt" --out "$out" --commit "$commit" --dirty "$dirty" \
  --cpu-model "$cpu_model" --bochs-version "$(dpkg-query -W -f '${Version}' bochs)" --kernel-command-line "$command_line" --seconds "$seconds" \
  || { cp "$work/serial.txt" /tmp/emulated-avx512-serial.txt 2>/dev/null; echo "serial log kept in /tmp/emulated-avx512-serial.txt" >&2; exit 1; }
