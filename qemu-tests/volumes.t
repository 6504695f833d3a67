#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Persistent volumes: bulkhead build creates the disk once and never
# overwrites it (a rebuild keeps it), bulkhead run attaches it, the init
# mounts it by label and binds a directory of it into the container. Data
# written (and not synced) survives two reboots through the orderly
# shutdown; a read-only volume refuses writes; a container without the
# volume cannot see it.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
command -v mkfs.ext4 >/dev/null || skip_all "mkfs.ext4 is not installed (make deps installs e2fsprogs)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

guest_manifest >"$work/vol.yml" <<'YAML'
name: vol
disks:
  - label: data
    size: 32M
services:
  - name: counter
    image: busybox
    volumes:
      - disk: data
        path: /var/lib/counter
    command: "f=/var/lib/counter/count; n=$(cat $f 2>/dev/null || echo 0); echo $((n + 1)) > $f; echo boot $((n + 1))"
  - name: reader
    image: busybox
    volumes:
      - disk: data
        path: /shared
        sub: counter
        readonly: true
    # Reads once the counter has written (on the first boot, the file is new).
    command: |
      @wait_for@
      wait_for "the counter to write /shared/count" 120 test -s /shared/count
      echo reader sees $(cat /shared/count); (echo x > /shared/x) 2>/dev/null || echo reader cannot write
  - name: outsider
    image: busybox
    command: "ls /volumes 2>/dev/null || echo outsider sees no volumes"
YAML
"$BULKHEAD" build "$work/vol.yml" -o "$work/vol" >"$work/build.log"
check "the first build creates the disk" grep -q 'disk data: created' "$work/build.log"
boot_vol() {
  "$BULKHEAD" run --timeout 300 "$work/vol" </dev/null 2>&1 | tr -d '\r' >"$work/$1.log"
  boot_status=${PIPESTATUS[0]}
  boot_log=$work/$1.log
}
boot_vol first
check "first boot: status 0 (got $boot_status)" test "$boot_status" -eq 0
check "first boot: the disk is mounted by its label" grep -q 'disk data: /dev/vda mounted on /volumes/data' "$boot_log"
check "first boot: the count starts at 1" grep -qx '\[counter\] boot 1' "$boot_log"
check "a read-only volume shows the same data" grep -qx '\[reader\] reader sees 1' "$boot_log"
check "  ... and refuses writes" grep -qx '\[reader\] reader cannot write' "$boot_log"
check "a container without the volume does not see the disks" grep -qx '\[outsider\] outsider sees no volumes' "$boot_log"
console_on_failure
boot_vol second
check "second boot: what the first wrote (unsynced) is there" grep -qx '\[counter\] boot 2' "$boot_log"
"$BULKHEAD" build "$work/vol.yml" -o "$work/vol" >"$work/rebuild.log"
check "a rebuild keeps the existing disk" grep -q 'disk data: kept' "$work/rebuild.log"
boot_vol third
check "third boot, after the rebuild: the data is still there" grep -qx '\[counter\] boot 3' "$boot_log"
console_on_failure
done_testing
