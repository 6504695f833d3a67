#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A failing appliance: the first failing container's status becomes the
# appliance's, through QEMU's exit; with onboot_failure: continue, a
# container whose command is missing is reported and the init goes on. A
# test appliance ends by itself with its checker's status (on_exit:
# poweroff), its server behind init: true stopping by SIGTERM.
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

# busybox sleep as a container's PID 1 ignores SIGTERM (the kernel drops
# it): without init: true its stop would wait out the 60 s grace.
cat >"$work/checked.yml" <<'YAML'
name: checked
services:
  - name: server
    image: busybox
    init: true
    stop_grace: 60s
    command: "echo serving, parent $PPID; touch /tmp/serving; exec sleep 1000"
    # The checker waits until the server has said it serves: started
    # alone is its PID 1 exec'd, and a quick checker's power-off could
    # stop the server before its shell had echoed (a race once starts
    # became concurrent and faster).
    healthcheck: {test: "test -f /tmp/serving", interval: 100ms, start_period: 120s}
  - name: checker
    image: busybox
    depends_on: {server: {condition: service_healthy}}
    on_exit: poweroff
    command: "echo check failed; exit 3"
YAML
boot checked "$work/checked.yml"
tr -d '\r' <"$boot_log" >"$log"
check "bulkhead run returns the checker's status 3 by itself (got $boot_status, ${boot_seconds:-?} s)" test "$boot_status" -eq 3
check "  ... the checker's end powered the appliance off" \
  grep -q '^\[init\] checker ended with status 3 (on_exit: poweroff): shutting down' "$log"
check "the server ran behind the init's reaper, its parent PID 1" grep -qx '\[server\] serving, parent 1' "$log"
check "  ... and sleep stopped by the SIGTERM it forwarded (143), not killed after its grace" \
  sh -c "grep -q 'server: exited with status 143' '$log' && ! grep -q 'server: still running after its grace' '$log'"
console_on_failure
done_testing
