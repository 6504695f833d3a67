#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo appliance (examples/hello.yml): the onboot container runs first,
# then both services; every line reaches the console prefixed with its
# container's name; the VM powers off by itself with status 0.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

BOOT_FLAGS=--debug boot hello "$TOP/examples/hello.yml"
log=$work/console
tr -d '\r' <"$boot_log" >"$log"
check "hello powers off by itself with status 0 (got $boot_status) after ${boot_seconds:-?} s" test "$boot_status" -eq 0
check "onboot output is prefixed" grep -qx '\[greet\] hello from an onboot container' "$log"
check "service output is prefixed" grep -qx '\[counter\] tick 3: pid 1 on counter' "$log"
greet=$(grep -n '^\[greet\]' "$log" | head -n1 | cut -d: -f1)
counter=$(grep -n '^\[counter\]' "$log" | head -n1 | cut -d: -f1)
check "onboot finished before the services started" test "${greet:-999}" -lt "${counter:-0}"
check "the sandbox service holds only CAP_NET_BIND_SERVICE" grep -q '^\[sandbox\] capabilities: CapEff:.*0000000000000400' "$log"
check "the sandbox's write under /etc is refused" grep -qx '\[sandbox\] write under /etc: refused' "$log"
check "the sandbox's mount is refused" grep -qx '\[sandbox\] mount: refused' "$log"
check "the init reaped every container" test "$(grep -c 'exited with status 0' "$log")" -eq 3
check "bulkhead run --debug: the init prints its phases' durations" \
  grep -qE '^\[init\] debug: starting the services took [0-9]+ us \([0-9]+ us since the init started\)$' "$log"
check "  ... and its resident memory" grep -qE '^\[init\] debug: VmRSS:[[:space:]]+[0-9]+ kB$' "$log"
console_on_failure
done_testing
