#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The builder's figures: how long `bulkhead build` takes for each example
# (median of RUNS, from scratch into a fresh directory each time), and the
# hello appliance's initrd against a plain busybox initramfs whose /init
# runs the same commands with no isolation at all (the floor any initramfs
# with a shell pays). Prints tables and ratios; never part of make check.
#
# usage: bench/build.sh [RUNS]   (default 3)
. "$(dirname "$0")/lib.sh"
runs=${1:-3}
cd "$top"

ms_since() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.0f\n", (e - s) * 1000 }'; }

printf '%-22s %12s %12s %s\n' example "build time" "initrd" "outputs"
for manifest in examples/*.yml; do
  name=$(basename "$manifest" .yml)
  # Its image is made from the package mirror (make python-image), not here.
  [ "$name" = python ] && continue
  for i in $(seq "$runs"); do
    rm -rf "$work/$name"
    start=$EPOCHREALTIME
    "$bulkhead" build -q "$manifest" -o "$work/$name"
    ms_since "$start"
  done >"$work/$name.times"
  printf '%-22s %9d ms %9d kB %s\n' "$name" "$(median <"$work/$name.times")" \
    $(($(stat -c %s "$work/$name/initrd.img") / 1024)) "$(cd "$work/$name" && find . -type f | sort | tr '\n' ' ')"
done

# hello with kernel: minimal: the same containers and no modules to carry.
sed 's/^kernel: debian$/kernel: minimal/' examples/hello.yml >"$work/hello-minimal.yml"
"$bulkhead" build -q "$work/hello-minimal.yml" -o "$work/hello-minimal"

# The busybox initramfs: busybox-static, its applet links, and an /init
# that prints what hello's three containers print, then powers off.
root=$work/busybox.root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/tmp"
cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cat >"$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
echo "hello from an onboot container"
for i in 1 2 3; do echo "tick $i: pid $$ on $(hostname)"; sleep 1; done &
echo "capabilities: $(grep CapEff /proc/self/status)"
echo "seccomp mode: $(grep '^Seccomp:' /proc/self/status)"
echo hi > /tmp/ok && echo "write under /tmp: allowed"
wait
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -n >"$work/busybox-initramfs.img"

bh=$(stat -c %s "$work/hello/initrd.img")
bh_min=$(stat -c %s "$work/hello-minimal/initrd.img")
bb=$(stat -c %s "$work/busybox-initramfs.img")
modules=$(zcat "$work/hello/initrd.img" | cpio -t --quiet 2>/dev/null | grep -c '\.ko' || true)
echo
printf '%-46s %9s\n' initrd "size"
printf '%-46s %6d kB\n' "hello, kernel: debian ($modules modules)" $((bh / 1024))
printf '%-46s %6d kB\n' "hello, kernel: minimal (no modules)" $((bh_min / 1024))
printf '%-46s %6d kB\n' "busybox initramfs running the same commands" $((bb / 1024))
awk -v a="$bh" -v m="$bh_min" -v b="$bb" \
  'BEGIN { printf "hello/busybox: %.2f (kernel: debian), %.2f (kernel: minimal)\n", a / b, m / b }'
