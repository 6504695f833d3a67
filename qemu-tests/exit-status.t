#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A failing appliance: the first failing container's status becomes the
# appliance's, through QEMU's exit; with onboot_failure: continue, a
# container whose command is missing is reported and the init goes on.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/failing.yml" <<'YAML'
name: failing
onboot_failure: continue
onboot:
  - name: migrate
    image: busybox
    command: "echo migration failed; exit 7"
services:
  - name: missing
    image: busybox
    command: ["/bin/no-such-program"]
  - name: survivor
    image: busybox
    command: ["/bin/echo", "still served"]
YAML

boot failing "$work/failing.yml"
log=$work/console
tr -d '\r' <"$boot_log" >"$log"
check "bulkhead run exits with the failing container's status 7 (got $boot_status)" test "$boot_status" -eq 7
check "the failing container's output reached the console" grep -qx '\[migrate\] migration failed' "$log"
check "the missing command is reported by name" \
  grep -q "missing: cannot start: exec /bin/no-such-program: not found in the container's rootfs" "$log"
check "the other service still ran" grep -qx '\[survivor\] still served' "$log"
console_on_failure
done_testing
