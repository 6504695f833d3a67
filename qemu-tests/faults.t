#!/usr/bin/env bash
# Faults only the VM's cgroup controllers can show: a memory hog is
# OOM-killed inside its own cgroup and a fork bomb stops at pids.max, while
# a neighbour goes on answering and PID 1 carries on.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/faults.yml" <<'YAML'
name: faults
exit_status_from: neighbour
services:
  - name: hog
    image: busybox
    resources: {memory: 32M}
    command: "echo eating; exec awk 'BEGIN { s = \"x\"; while (length(s) < 200000000) s = s s; print \"survived\" }'"
  - name: bomb
    image: busybox
    resources: {pids: 40}
    command: "sh -c 'b() { b | b & }; b' 2>/dev/null & sleep 4; echo pids.current $(cat /sys/fs/cgroup/pids.current) pids.events $(cat /sys/fs/cgroup/pids.events)"
  - name: neighbour
    image: busybox
    command: "for i in 1 2 3 4 5 6 7 8 9 10; do echo alive $i; sleep 0.5; done"
YAML
boot faults "$work/faults.yml"
tr -d '\r' <"$boot_log" >"$work/log" && boot_log=$work/log
check "the appliance ends with the neighbour's status 0 (got $boot_status) after ${boot_seconds:-?} s" test "$boot_status" -eq 0
check "the memory hog was OOM-killed (SIGKILL inside its 32M cgroup)" grep -q 'hog: killed by signal 9' "$boot_log"
check "  ... and never finished" sh -c "! grep -q '^\[hog\] survived' '$boot_log'"
pids=$(sed -n 's/^\[bomb\] pids.current \([0-9]*\) .*/\1/p' "$boot_log")
check "the fork bomb stopped at pids.max 40 (pids.current ${pids:-none})" test -n "$pids" -a "${pids:-99}" -le 40
check "  ... the cgroup counted the refused forks" grep -qE '^\[bomb\] pids.current [0-9]+ pids.events max [1-9]' "$boot_log"
check "the neighbour answered throughout" test "$(grep -c '^\[neighbour\] alive' "$boot_log")" -eq 10
console_on_failure
done_testing
