#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shared images on a booted appliance (Debian's kernel: loop and erofs are
# modules the image carries): two read-only containers with the same image
# and their own user namespaces share one erofs copy, mounted once and
# idmapped into each. Inside each the image's files are root's and its
# root-only directory is open to the container's root, the uid map shows
# each its own range, and the image refuses writes (EROFS). The kernel has
# made one loop device, the image's: loop is loaded with max_loop=0 (the
# builder's module_options), where Debian's config makes 8 as it loads.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# What each prints: the owner of /bin/busybox, its uid map's outside base,
# whether /root (0700, root's) opens, and what a write to / says.
report='      echo "owner $(stat -c %u:%g /bin/busybox) base $(awk "{ print \$2 }" /proc/self/uid_map)"
      ls /root >/dev/null && echo "root-only directory: open"
      touch /written 2>&1 | sed "s/^/write: /"
      echo "loop devices: $(ls /sys/block | grep -c "^loop")"'
cat >"$work/shared.yml" <<YAML
name: shared
onboot:
  - name: first
    image: busybox
    command: |
$report
  - name: second
    image: busybox
    command: |
$report
YAML
"$BULKHEAD" build -q "$work/shared.yml" -o "$work/probe" >/dev/null 2>&1 || true
zcat "$work/probe/initrd.img" 2>/dev/null | cpio -t --quiet 2>/dev/null | grep -q '^containers/images/0\.erofs$' ||
  skip_all "the build holds no shared image: these containers have no user namespace ranges yet"

boot shared "$work/shared.yml"
log=$work/console
tr -d '\r' <"$boot_log" >"$log"
check "the appliance powers off with status 0 (got $boot_status) after ${boot_seconds:-?} s" test "$boot_status" -eq 0
check "the init mounted the shared image once for both" grep -q 'shared images: mounted for 2 containers' "$log"
check "  ... on the one loop device the kernel has ($(grep -m1 '^\[first\] loop devices' "$log"))" \
  grep -qx '\[first\] loop devices: 1' "$log"
for name in first second; do
  check "$name: /bin/busybox is 0:0 inside" grep -q "^\[$name\] owner 0:0 base " "$log"
  check "$name: the image's root-only directory opens to its root" grep -qx "\[$name\] root-only directory: open" "$log"
  check "$name: a write to the image fails with EROFS" grep -q "^\[$name\] write: .*Read-only file system" "$log"
done
first=$(sed -n 's/^\[first\] owner 0:0 base \([0-9]*\)$/\1/p' "$log")
second=$(sed -n 's/^\[second\] owner 0:0 base \([0-9]*\)$/\1/p' "$log")
check "each runs in its own range ($first, $second)" \
  test -n "$first" -a -n "$second" -a "${first:-0}" -ge 65536 -a "${second:-0}" -ge 65536 -a "$first" != "$second"
console_on_failure
done_testing
