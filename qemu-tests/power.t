#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The appliance from the host while it runs: bulkhead ctl --vm reaches the
# init over the VM's ttyS1 (ps with memory.current, logs), and bulkhead stop
# presses the ACPI power button: onshutdown runs, the service that ignores
# SIGTERM is killed after its grace period, the VM powers off with status 0.
# A host peer on the serial line that sends half a line and stalls, or asks
# for a log and never reads, is dropped after the deadline and logged; then
# ctl --vm answers again and the power button still works. The button
# driver's netlink event, forged by containers on the VM's network
# (network: host): the kernel refuses it from one in a user namespace (no
# CAP_NET_ADMIN over the VM's namespace); from one with the VM's ids and
# CAP_NET_ADMIN it reaches the init's socket and its group, and the init,
# which only hears the kernel, takes it for nothing.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
PROBE=$BUILD/tests/helpers/bulkhead-probe
[ -x "$PROBE" ] || skip_all "no $PROBE (make build/tests/helpers/bulkhead-probe)"
work=$(mktemp -d)
holder=
trap 'kill $run_pid $holder 2>/dev/null; rm -rf "$work"' EXIT

mkdir -p "$work/probe-root/bin"
cp "$PROBE" "$work/probe-root/bin/"
cat >"$work/power.yml" <<'YAML'
name: power
stop_grace: 500ms
services:
  - name: server
    image: busybox
    command: "echo serving; exec sleep 1000"
  - name: chatty
    image: busybox
    command: "yes 'a line for the log' | head -c 200000; echo; echo chatty done; exec sleep 1000"
  - name: forger
    image: dir:probe-root
    network: host
    command: ["/bin/bulkhead-probe", "acpi-forge", "1"]
  - name: admin-forger
    image: dir:probe-root
    network: host
    userns: off
    capabilities: {add: [CAP_NET_ADMIN]}
    command: ["/bin/bulkhead-probe", "acpi-forge", "1"]
onshutdown:
  - name: goodbye
    image: busybox
    command: "echo saying goodbye"
YAML
"$BULKHEAD" build -q "$work/power.yml" -o "$work/power"
boot_log=$work/console
"$BULKHEAD" run --timeout 300 "$work/power" </dev/null >"$boot_log" 2>&1 &
run_pid=$!
check "the service comes up" until_logged '^\[server\] serving' 240
"$BULKHEAD" ctl --vm "$work/power" ps >"$work/ps"
check "ctl --vm ps lists the running service with its memory.current, and no address (it is on no network)" \
  grep -qE '^server +services +running +[0-9]+ +0 +[0-9.]+s +[0-9]+ +- +-$' "$work/ps"
check "  ... and the onshutdown container, waiting" grep -qE '^goodbye +onshutdown +waiting' "$work/ps"
"$BULKHEAD" ctl --vm "$work/power" logs server >"$work/logs"
check "ctl --vm logs returns the service's log" grep -qxE '\[ *[0-9]+\.[0-9]{3}\] serving' "$work/logs"

# A peer that sends half a command and stalls, holding the line.
until_logged '^\[chatty\] chatty done' 240
"$PROBE" connect-unix "$work/power/ctl.sock" "lo" 300 >/dev/null &
holder=$!
check "a half line left on the serial line is dropped after the deadline, and logged" \
  until_logged 'control: dropped a peer that sent no complete command line in time (serial line)' 120
kill $holder; wait $holder 2>/dev/null
"$BULKHEAD" ctl --vm "$work/power" ps >"$work/ps"
check "  ... then ctl --vm answers, unspoilt by the half line" grep -qE '^server +services +running' "$work/ps"
# A peer that asks for 200 kB of log and never reads a byte.
"$PROBE" connect-unix "$work/power/ctl.sock" $'logs chatty\n' 300 >/dev/null &
holder=$!
check "a peer that never reads its answer is dropped after the deadline, and logged" \
  until_logged 'control: dropped a peer that stopped reading its answer (serial line)' 120
kill $holder; wait $holder 2>/dev/null
"$BULKHEAD" ctl --vm "$work/power" ps >"$work/ps"
check "  ... then ctl --vm answers again" grep -qE '^chatty +services +running' "$work/ps"
"$BULKHEAD" ctl --vm "$work/power" logs server >"$work/logs"
check "  ... ps and logs alike" grep -qxE '\[ *[0-9]+\.[0-9]{3}\] serving' "$work/logs"
# The forged presses, to the init's socket (its port id is its pid, 1) and
# to the family's group.
check "a forged power button event from a container in a user namespace is refused by the kernel" \
  until_logged '^\[forger\] unicast EPERM group EPERM heard no' 120
check "  ... from one with CAP_NET_ADMIN over the VM's network it reaches the init's socket and the group's members" \
  until_logged '^\[admin-forger\] unicast ok group ok heard yes' 120
"$BULKHEAD" ctl --vm "$work/power" ps >"$work/ps"
check "  ... and the init, answering ctl after it, did not take it for a press" \
  sh -c 'grep -qE "^server +services +running" "$1" && ! grep -q "power button" "$2"' sh "$work/ps" "$boot_log"
"$BULKHEAD" stop "$work/power"
check "bulkhead stop presses the power button" test $? -eq 0
wait $run_pid
status=$?
tr -d '\r' <"$boot_log" >"$work/log" && boot_log=$work/log
check "the appliance powers off with status 0 (got $status)" test "$status" -eq 0
check "the init saw the power button" grep -q 'power button: shutting down' "$boot_log"
check "onshutdown ran first" test "$(line_of '^\[goodbye\] saying goodbye')" -lt "$(line_of 'server: killed by signal 9')"
check "the service that ignored SIGTERM was killed after its grace" grep -q 'server: still running after its grace period; killing it' "$boot_log"
console_on_failure
done_testing
