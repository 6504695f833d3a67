#!/usr/bin/env bash
# Faults only the VM's cgroup controllers can show: a memory hog is
# OOM-killed inside its own cgroup and a fork bomb stops at pids.max, while
# a neighbour goes on, a web service keeps answering its client, a crashing
# service is restarted with back-off, and PID 1 carries on.
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
    command: "(sleep 4; kill -9 -1) & sh -c 'b() { b | b & }; b' 2>/dev/null; wait; read limit < /sys/fs/cgroup/pids.max; read event count < /sys/fs/cgroup/pids.events; echo pids.max $limit refused forks $count"
  - name: neighbour
    image: busybox
    command: "for i in 1 2 3 4 5 6 7 8 9 10; do echo alive $i; sleep 0.5; done"
  - name: web
    image: busybox
    network: host
    readonly: false
    command: "mkdir -p /tmp/www && echo hello from web > /tmp/www/index.html && httpd -f -p 127.0.0.1:8080 -h /tmp/www & sleep 8; kill $!"
  - name: client
    image: busybox
    network: host
    depends_on: [web]
    command: "sleep 0.5; ok=0; for i in 1 2 3 4 5 6 7 8; do wget -q -O - http://127.0.0.1:8080/ >/dev/null && ok=$((ok + 1)); sleep 0.5; done; echo answered $ok of 8"
  - name: crasher
    image: busybox
    restart: on-failure
    max_restarts: 2
    command: "echo crashing; exit 5"
YAML
boot faults "$work/faults.yml"
tr -d '\r' <"$boot_log" >"$work/log" && boot_log=$work/log
check "the appliance ends with the neighbour's status 0 (got $boot_status) after ${boot_seconds:-?} s" test "$boot_status" -eq 0
check "the memory hog was OOM-killed (SIGKILL inside its 32M cgroup)" grep -q 'hog: killed by signal 9' "$boot_log"
check "  ... and never finished" sh -c "! grep -q '^\[hog\] survived' '$boot_log'"
check "the fork bomb ran into pids.max 40: the cgroup refused its forks" \
  grep -qE '^\[bomb\] pids.max 40 refused forks [1-9][0-9]*$' "$boot_log"
check "the neighbour answered throughout" test "$(grep -c '^\[neighbour\] alive' "$boot_log")" -eq 10
check "the web service answered its client every time during the OOM" grep -qx '\[client\] answered 8 of 8' "$boot_log"
check "a crashing service was restarted with back-off, then given up" \
  sh -c "grep -q 'crasher: restarting in 100 ms' '$boot_log' && grep -q 'crasher: gave up after 2 restarts' '$boot_log'"
console_on_failure
done_testing
