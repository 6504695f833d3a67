#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# User namespaces on a booted appliance: inside, /proc/self/uid_map shows
# each container's range; a file its root writes on a volume is owned, on
# the disk (read on the host with debugfs after the VM is off), by the
# range's base, with the range recorded on the directory; a rebuild that
# gives the container another range moves the directory's owners once at the
# next boot, and the container still reads and owns what it wrote; a
# read-only reader in another range reads the world-readable file.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
command -v debugfs >/dev/null || skip_all "debugfs is not installed (make deps installs e2fsprogs)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

manifest() {
  guest_manifest <<YAML
name: uns
disks:
  - {label: data, size: 16M}
services:
  - name: writer
    image: busybox
    $1
    volumes: [{disk: data, path: /data}]
    command: |
      echo "map \$(cat /proc/self/uid_map)"
      [ -f /data/by-root ] && echo "writer reads \$(cat /data/by-root), owned by \$(stat -c %u:%g /data/by-root)"
      echo hello > /data/by-root && echo "writer wrote"
  - name: reader
    image: busybox
    depends_on: [writer]
    volumes: [{disk: data, path: /shared, sub: writer, readonly: true}]
    command: |
      @wait_for@
      wait_for "the writer's file" 120 test -s /shared/by-root
      echo "map \$(cat /proc/self/uid_map)"; echo "reader sees \$(cat /shared/by-root)"
YAML
}
boot() {
  "$BULKHEAD" run --timeout 300 "$work/uns" </dev/null 2>&1 | tr -d '\r' >"$work/$1.log"
  boot_status=${PIPESTATUS[0]}
  boot_log=$work/$1.log
}
disk=$work/uns/disks/data.ext4
# debugfs prints ids as signed 32-bit numbers: made unsigned again.
on_disk() {
  debugfs -R "stat $1" "$disk" 2>/dev/null |
    awk '/User:/ { u = $2 < 0 ? $2 + 4294967296 : $2; g = $4 < 0 ? $4 + 4294967296 : $4; printf "%.0f:%.0f\n", u, g }'
}
record() { debugfs -R "ea_get $1 trusted.bulkhead.ids" "$disk" 2>/dev/null | grep '^trusted\.bulkhead\.ids'; }

manifest "" >"$work/uns.yml"
"$BULKHEAD" build "$work/uns.yml" -o "$work/uns" >"$work/build.log" || cat "$work/build.log" >&2
boot first
# The ranges the build gave (the initrd's appliance.json).
ranges=$(zcat "$work/uns/initrd.img" | cpio -i --to-stdout --quiet etc/bulkhead/appliance.json 2>/dev/null |
  jq -r '.services[] | "\(.name) \(.userns_base)"')
writer=$(awk '$1 == "writer" { print $2 }' <<<"$ranges") reader=$(awk '$1 == "reader" { print $2 }' <<<"$ranges")
check "first boot: status 0 (got $boot_status)" test "$boot_status" -eq 0
check "inside, the writer's uid_map maps 0 to its range's base ($writer)" grep -Eq "^\[writer\] map +0 +$writer +65536\$" "$boot_log"
check "the reader has a range of its own ($reader)" grep -Eq "^\[reader\] map +0 +$reader +65536\$" "$boot_log"
check "the writer wrote as its root" grep -qx '\[writer\] writer wrote' "$boot_log"
check "a reader in another range reads the world-readable file" grep -qx '\[reader\] reader sees hello' "$boot_log"
console_on_failure
check "on the disk, the file root wrote is owned by the range's base ($(on_disk writer/by-root))" \
  test "$(on_disk writer/by-root)" = "$writer:$writer"
check "  ... as is the volume's directory ($(on_disk writer))" test "$(on_disk writer)" = "$writer:$writer"
check "the directory records its range ($(record writer))" grep -q "$writer 65536" <<<"$(record writer)"

manifest "userns: {base: 500000, size: 65536}" >"$work/uns.yml"
"$BULKHEAD" build "$work/uns.yml" -o "$work/uns" >"$work/build.log" || cat "$work/build.log" >&2
boot second
check "second boot, in another range: status 0 (got $boot_status)" test "$boot_status" -eq 0
check "the init moves the directory's owners once, saying so" \
  grep -q "disk data: /volumes/data/writer: moving its owners from ids $writer.. to 500000.. (once)" "$boot_log"
check "the writer still reads its file, owned by its root" grep -qx '\[writer\] writer reads hello, owned by 0:0' "$boot_log"
check "  ... and writes it" grep -qx '\[writer\] writer wrote' "$boot_log"
console_on_failure
check "on the disk the file is the new range's base's ($(on_disk writer/by-root))" \
  test "$(on_disk writer/by-root)" = "500000:500000"
check "  ... with the new range recorded ($(record writer))" grep -q '500000 65536' <<<"$(record writer)"
boot third
check "third boot, same range: nothing is moved again" sh -c "! grep -q 'moving its owners' '$boot_log'"
check "  ... and the file is still the writer's" grep -qx '\[writer\] writer reads hello, owned by 0:0' "$boot_log"
console_on_failure
done_testing
