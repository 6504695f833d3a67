#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The init as a supervisor, run as PID 1 of a fresh pid namespace on this
# host (no QEMU): restart policies with back-off and a maximum, depends_on,
# the onboot failure policy, onshutdown and the reverse stop order with
# grace periods, and the exit status an appliance reports.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v unshare >/dev/null || skip_all "unshare is not installed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- restart on-failure, with back-off and a maximum; a crash loop starves no one
cat >"$work/crash.yml" <<'YAML'
name: crash
services:
  - name: crasher
    image: busybox
    restart: on-failure
    max_restarts: 3
    command: "echo run; exit 3"
  - name: steady
    image: busybox
    command: "for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.3; done"
YAML
boot_host crash "$work/crash.yml"
check "a crash-looping appliance ends with the service's status 3 (got $boot_status)" test "$boot_status" -eq 3
check "on-failure ran the service 1 + max_restarts times" test "$(grep -c '^\[crasher\] run$' "$boot_log")" -eq 4
check "the back-off starts at 100 ms" grep -q 'crasher: restarting in 100 ms (restart 1)' "$boot_log"
check "  ... and doubles" sh -c "grep -q 'crasher: restarting in 200 ms (restart 2)' '$boot_log' && grep -q 'crasher: restarting in 400 ms (restart 3)' '$boot_log'"
check "after max_restarts the service is given up" grep -q 'crasher: gave up after 3 restarts (last status 3)' "$boot_log"
check "the neighbour ran all its ticks meanwhile" grep -q '^\[steady\] tick 6$' "$boot_log"
console_on_failure

# --- restart always; depends_on; a dependency that never starts
cat >"$work/deps.yml" <<'YAML'
name: deps
services:
  - name: app
    image: busybox
    depends_on: [db]
    command: "echo app up"
  - name: db
    image: busybox
    restart: always
    max_restarts: 2
    command: "echo db up"
  - name: orphan
    image: busybox
    depends_on: [broken]
    command: "echo never"
  - name: broken
    image: busybox
    command: ["/bin/not-here"]
YAML
boot_host deps "$work/deps.yml"
check "restart always ran a clean exit again: 3 times with max_restarts 2" test "$(grep -c '^\[db\] db up$' "$boot_log")" -eq 3
check "depends_on: app started after db had started" \
  test "$(line_of 'db: started')" -gt 0 -a "$(line_of 'db: started')" -lt "$(line_of 'app: started')"
check "a service whose dependency never started is not started" grep -q 'orphan: not started: a service it depends on never started' "$boot_log"
check "  ... and never ran" sh -c "! grep -q '^\[orphan\]' '$boot_log'"
check "the missing command is reported and the appliance fails (status $boot_status)" \
  sh -c "test $boot_status -ne 0 && grep -q 'broken: cannot start: .*/bin/not-here' '$boot_log'"
console_on_failure

# --- onboot failure: halt (default) and continue
cat >"$work/halt.yml" <<'YAML'
name: halt
onboot:
  - name: migrate
    image: busybox
    command: "exit 4"
services:
  - name: web
    image: busybox
    command: "echo serving"
YAML
boot_host halt "$work/halt.yml"
check "onboot_failure halt: the appliance ends with the onboot status 4 (got $boot_status)" test "$boot_status" -eq 4
check "  ... and no service starts" sh -c "! grep -q 'web: started' '$boot_log'"
sed 's/^name: halt$/name: halt\nonboot_failure: continue/' "$work/halt.yml" >"$work/continue.yml"
boot_host continue "$work/continue.yml"
check "onboot_failure continue: the services still run" grep -q '^\[web\] serving$' "$boot_log"
check "  ... and the failure is still reported (status $boot_status)" test "$boot_status" -eq 4

# --- shutdown: onshutdown first, then reverse start order, each with its grace
cat >"$work/stop.yml" <<'YAML'
name: stop
stop_grace: 300ms
exit_status_from: first
services:
  - name: first
    image: busybox
    command: "echo first up; exec sleep 1000"
  - name: second
    image: busybox
    depends_on: [first]
    command: "echo second up; exec sleep 1000"
  - name: third
    image: busybox
    command: "echo third up; exec sleep 1000"
onshutdown:
  - name: drain
    image: busybox
    command: "echo draining"
YAML
BOOT_BACKGROUND=1 boot_host stop "$work/stop.yml"
services_up() { until_logged '^\[second\] second up$' && until_logged '^\[third\] third up$'; }
check "the services come up" services_up
kill -TERM "$(init_pid)"
wait_boot
check "SIGTERM to the init shuts the appliance down (in ${boot_seconds} s)" grep -q 'signal 15: shutting down' "$boot_log"
check "onshutdown ran before the services were stopped" \
  test "$(line_of '^\[drain\] draining$')" -lt "$(line_of 'second: still running after its grace period')"
check "a dependent stops before what it depends on: second, then first" \
  test "$(line_of 'second: killed by signal 9')" -lt "$(line_of 'first: killed by signal 9')"
check "unrelated services stop together: each one's grace ran out before the other was killed" \
  sh -c "test $(line_of 'third: still running after its grace period') -lt $(line_of 'second: killed by signal 9') &&
         test $(line_of 'second: still running after its grace period') -lt $(line_of 'third: killed by signal 9')"
check "a service that ignores SIGTERM is killed after its grace period" grep -q 'first: still running after its grace period; killing it' "$boot_log"
check "exit_status_from: the appliance reports first's status 137 as 126 (got $boot_status)" test "$boot_status" -eq 126
console_on_failure
done_testing
