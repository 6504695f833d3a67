#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The disk formats boot alone under UEFI firmware (OVMF): bulkhead run boots
# the raw-efi disk and the qcow2 disk of one tiny appliance, and everything
# -kernel gives works the same: the console on stdio, the container's exit
# status as bulkhead run's (through isa-debug-exit), a data disk by its
# label and as /dev/vda, ctl --vm on the second serial port and bulkhead stop
# through QEMU's monitor.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
[ -r /usr/share/OVMF/OVMF_CODE.fd ] || skip_all "no OVMF firmware (make deps installs ovmf)"
command -v mformat >/dev/null || skip_all "mtools is not installed (make deps installs it)"
work=$(mktemp -d)
run_pid=
trap '[ -n "$run_pid" ] && kill $run_pid 2>/dev/null; rm -rf "$work"' EXIT

# The onboot container fails with status 3 and the boot goes on, so that
# the service is there to be asked for and stopped; the first failure's
# status is the appliance's.
cat >"$work/tiny.yml" <<'YAML'
name: tiny
onboot_failure: continue
stop_grace: 500ms
disks:
  - label: data
    size: 16M
onboot:
  - name: say
    image: busybox
    volumes:
      - disk: data
        path: /data
    command: "echo booted from the disk > /data/note; cat /data/note; exit 3"
services:
  - name: server
    image: busybox
    command: "echo serving; exec sleep 1000"
YAML

# until_up PATTERN SECONDS: until_logged, but giving up as soon as
# bulkhead run has ended.
logged_or_ended() { logged "$1" || ! kill -0 "$run_pid" 2>/dev/null; }
until_up() {
  wait_for "a console line matching '$1'" "$2" logged_or_ended "$1" || return 1
  logged "$1" && return 0
  echo "# bulkhead run ended before a console line matched '$1'" >&2
  return 1
}

for format in raw-efi qcow2; do
  dir=$work/$format
  "$BULKHEAD" build -q "$work/tiny.yml" -o "$dir" --format "$format"
  check "$format: the appliance builds" test $? -eq 0
  boot_log=$work/$format.console
  start=$(date +%s.%N)
  "$BULKHEAD" run --timeout 400 "$dir" </dev/null >"$boot_log" 2>&1 &
  run_pid=$!
  if until_up '^\[say\] booted from the disk' 300; then
    seconds=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
    ok "$format: OVMF boots the disk to the container's line on the console (in $seconds s)"
  else
    not_ok "$format: OVMF boots the disk to the container's line on the console"
  fi
  check "$format: the init's lines reach the console (console=ttyS0 is in the embedded command line)" \
    grep -q '^\[init\] appliance tiny: 1 onboot, 1 services' "$boot_log"
  check "$format:   ... and so is quiet: the kernel's messages are not" \
    sh -c "grep -q '^\[init\]' '$boot_log' && ! grep -q 'Linux version' '$boot_log'"
  check "$format: the data disk is found by its label, as /dev/vda (the boot disk comes last)" \
    grep -q 'disk data: /dev/vda mounted on /volumes/data' "$boot_log"
  check "$format: the service comes up" until_up '^\[server\] serving' 240
  "$BULKHEAD" ctl --vm "$dir" ps >"$work/ps" 2>&1
  check "$format: ctl --vm ps answers over the second serial port" grep -qE '^server +services +running' "$work/ps"
  "$BULKHEAD" stop "$dir"
  check "$format: bulkhead stop reaches QEMU's monitor" test $? -eq 0
  wait $run_pid
  status=$?
  run_pid=
  check "$format: bulkhead run returns the appliance's status 3 (got $status)" test "$status" -eq 3
  check "$format: the init saw the power button" grep -q 'power button: shutting down' "$boot_log"
  disk=$([ $format = qcow2 ] && echo disk.qcow2 || echo disk.img)
  "$BULKHEAD" build -q "$work/tiny.yml" -o "$work/again-$format" --format "$format"
  check "$format: the boot left the disk as built (byte-identical to a fresh build)" \
    cmp -s "$dir/$disk" "$work/again-$format/$disk"
  console_on_failure
  [ "$tap_failed" -eq 0 ] || break
done
check "no copy of the firmware's variables is left in ${TMPDIR:-/tmp}" \
  test -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'bulkhead-ovmf-vars-*' -newer "$work/tiny.yml" 2>/dev/null)"
done_testing
