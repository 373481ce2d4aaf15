#!/bin/busybox sh
# PID 1 of the emulated machine (lab/emulated-avx512.sh): reports the CPU the guest kernel sees, runs the convolution
# path probe three ways, and powers off. Everything it says goes to the serial port, which the host keeps as a file.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "guest-cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "guest-flags $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2-)"
echo "guest-kernel $(uname -r)"
cd /app
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 HOME=/tmp
# Each run: the probe's own lines, oneDNN's ISA and the convolution kernels it ran (with ONEDNN_VERBOSE), its exit code.
probe() {
  label=$1
  shift
  echo "run-start $label $*"
  env ONEDNN_VERBOSE=1 "$@" ./ConvolutionPathProbe > /tmp/out.txt 2>&1
  code=$?
  grep -v '^onednn_verbose' /tmp/out.txt
  grep -m1 '^onednn_verbose,.*,info,cpu,isa:' /tmp/out.txt | sed 's/.*isa:/onednn-isa /'
  grep '^onednn_verbose,.*,exec,cpu,convolution,' /tmp/out.txt | cut -d, -f7-8 | sort | uniq -c | sed 's/^ */onednn-kernel /'
  echo "run-end $code"
}
probe default
probe contiguous FEDFACE_CONV_LAYOUT=contiguous
probe avx2 ONEDNN_MAX_CPU_ISA=AVX2
echo "guest-done"
# The serial port drains at its own pace: powering off at once cut the last lines off.
sleep 3
poweroff -f
