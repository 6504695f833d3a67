#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The VM's memory fits the appliance: an image of 150 MiB boots with the
# memory bulkhead build recorded for it, and when the VM is given less (here
# the old fixed default, 256 MiB, where the kernel cannot unpack it whole)
# the init says so, with the size needed, before any container starts.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 150 MiB of data in the image, as a Debian-based Python image has.
mkdir -p "$work/rootfs/bin" "$work/rootfs/data"
cp /bin/busybox "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/sh"
ln -s busybox "$work/rootfs/bin/wc"
head -c $((150 << 20)) /dev/zero >"$work/rootfs/data/blob"
cat >"$work/big.yml" <<'YAML'
name: big
services:
  - name: app
    image: dir:rootfs
    command: ["/bin/sh", "-c", "echo blob holds $(wc -c </data/blob) bytes"]
YAML
"$BULKHEAD" build "$work/big.yml" -o "$work/big" >"$work/build.log" 2>&1
check "an appliance holding 150 MiB builds" test $? -eq 0
needed=$(sed -n 's/.*bulkhead\.memory=\([0-9]*\).*/\1/p' "$work/big/cmdline")
unpacked=$(sed -n 's/.*bulkhead\.initrd=\([0-9]*\).*/\1/p' "$work/big/cmdline")
check "the build records its unpacked size, at least 150 MiB (${unpacked:-none})" test "${unpacked:-0}" -ge 150
check "  ... and memory for twice that and the kernel (${needed:-none} MiB)" test "${needed:-0}" -gt $((2 * 150))
check "  ... and says both in its summary" \
  sh -c "grep -qE '^  initrd.img .* compressed, $unpacked MiB unpacked\$' '$work/build.log' &&
    grep -qE '^  memory +$needed MiB needed to boot' '$work/build.log'"

run_big() { # NAME ARGS...
  local name=$1
  shift
  boot_log=$work/$name.console
  "$BULKHEAD" run --timeout 300 "$@" "$work/big" </dev/null 2>&1 | tr -d '\r' >"$boot_log"
  boot_status=${PIPESTATUS[0]}
}

run_big small --memory 256
check "with 256 MiB the boot ends with status 125 (got $boot_status)" test "$boot_status" -eq 125
check "  ... bulkhead run warned that 256 MiB is less than the appliance needs" \
  grep -q "^bulkhead run: --memory 256 is less than the $needed MiB this appliance was built to need" "$boot_log"
check "  ... the init says the initramfs was not unpacked whole, and how much memory it needs" \
  grep -q "^\[init\] .*the initramfs was not unpacked whole: it takes $unpacked MiB unpacked.*Boot the VM with at least $needed MiB" "$boot_log"
check "  ... and no container was started" sh -c "! grep -q 'app: started' '$boot_log'"
console_on_failure

run_big sized
check "with the recorded memory it boots, status 0 (got $boot_status)" test "$boot_status" -eq 0
check "  ... and the container reads the whole 150 MiB" grep -qx "\[app\] blob holds $((150 << 20)) bytes" "$boot_log"
console_on_failure
done_testing
