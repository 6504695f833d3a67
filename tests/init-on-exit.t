#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# on_exit: poweroff, run as PID 1 of a fresh pid namespace on this host (no
# QEMU): the appliance ends by itself, through its normal shutdown, with the
# status of the container that ended, while another service would run
# forever; a service its restart policy starts again has not ended yet.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v unshare >/dev/null || skip_all "unshare is not installed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Without the key these appliances would run until killed: a bound, not a wait.
export BOOT_TIMEOUT=90

# --- a checker's end powers off with its status; the rest stops as at any shutdown
cat >"$work/check.yml" <<'YAML'
name: check
services:
  - name: server
    image: busybox
    init: true
    command: "echo serving; exec sleep 1000"
  - name: checker
    image: busybox
    depends_on: [server]
    on_exit: poweroff
    command: "echo checked; exit 3"
onshutdown:
  - name: drain
    image: busybox
    command: "echo draining"
YAML
boot_host check "$work/check.yml"
check "the appliance ends by itself with the checker's status 3 (got $boot_status)" test "$boot_status" -eq 3
check "  ... saying which container ended it" grep -q 'checker ended with status 3 (on_exit: poweroff): shutting down' "$boot_log"
check "the shutdown is the usual one: onshutdown ran" grep -q '^\[drain\] draining$' "$boot_log"
check "  ... and the server that would run forever was stopped by SIGTERM" grep -q 'server: exited with status 143' "$boot_log"
console_on_failure

# --- restart: on-failure: the restarted instances have not ended; giving up has
cat >"$work/retry.yml" <<'YAML'
name: retry
services:
  - name: server
    image: busybox
    init: true
    command: "exec sleep 1000"
  - name: checker
    image: busybox
    restart: on-failure
    max_restarts: 2
    on_exit: poweroff
    command: "echo run; exit 3"
YAML
boot_host retry "$work/retry.yml"
check "on-failure: the checker ran 1 + max_restarts times before the power-off" \
  test "$(grep -c '^\[checker\] run$' "$boot_log")" -eq 3
check "  ... the power-off came once it was given up, not at a restart" \
  test "$(line_of 'checker: gave up after 2 restarts')" -gt 0 -a \
       "$(line_of 'checker: gave up after 2 restarts')" -lt "$(line_of 'on_exit: poweroff')"
check "  ... and only then: one power-off line" test "$(grep -c 'on_exit: poweroff' "$boot_log")" -eq 1
check "  ... with its last status 3 (got $boot_status)" test "$boot_status" -eq 3
console_on_failure

# --- a checker that never starts, since what it depends on never did, has ended too
cat >"$work/never.yml" <<'YAML'
name: never
services:
  - name: server
    image: busybox
    command: ["/bin/not-here"]
  - name: checker
    image: busybox
    depends_on: [server]
    on_exit: poweroff
    command: "echo checked"
  - name: bystander
    image: busybox
    init: true
    command: "exec sleep 1000"
YAML
boot_host never "$work/never.yml"
check "a checker whose dependency never started powers off with 120 (got $boot_status)" test "$boot_status" -eq 120
check "  ... without ever running" sh -c "grep -q 'checker: not started' '$boot_log' && ! grep -q '^\[checker\]' '$boot_log'"
console_on_failure

# --- an onboot container's end powers off before any service starts
cat >"$work/once.yml" <<'YAML'
name: once
onboot:
  - name: task
    image: busybox
    on_exit: poweroff
    command: "echo done"
services:
  - name: web
    image: busybox
    command: "exec sleep 1000"
YAML
boot_host once "$work/once.yml"
check "onboot with on_exit: poweroff: the appliance ends with its status 0 (got $boot_status)" test "$boot_status" -eq 0
check "  ... and no service starts" sh -c "! grep -q 'web: started' '$boot_log'"
console_on_failure
# --- ctl stop of one backing off between restarts ends it for good: power-off
cat >"$work/stopped.yml" <<'YAML'
name: stopped
services:
  - name: server
    image: busybox
    command: "exec sleep 1000"
  - name: checker
    image: busybox
    restart: on-failure
    on_exit: poweroff
    command: "echo try; exit 4"
YAML
BOOT_BACKGROUND=1 boot_host stopped "$work/stopped.yml"
CTL() { "$BULKHEAD" ctl --socket "/proc/$(init_pid)/root/run/bulkhead/ctl.sock" "$@"; }
backing_off() { CTL ps 2>/dev/null | grep -qE '^checker +services +backoff'; }
# The backoff doubles from 100 ms: after six tries it is 3.2 s, a window a
# loaded machine's ctl stop lands in (the first one's 100 ms it could miss,
# stopping a restart instead: 120).
tries() { test "$(grep -c '^\[checker\] try$' "$boot_log")" -ge 6; }
wait_for "the checker's sixth try" 60 tries
wait_for "the checker to back off between restarts" 60 backing_off
CTL stop checker >/dev/null 2>&1
wait_boot
check "ctl stop of a checker backing off powers off with its last status 4 (got $boot_status)" test "$boot_status" -eq 4
check "  ... saying so" grep -q 'checker ended with status 4 (on_exit: poweroff): shutting down' "$boot_log"
console_on_failure

done_testing
