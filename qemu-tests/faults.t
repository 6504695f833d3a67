#!/usr/bin/env bash
# Faults only the VM's cgroup controllers can show: a memory hog is
# OOM-killed inside its own cgroup and a fork bomb stops at pids.max, while
# a neighbour goes on, a web service keeps answering its client, a crashing
# service is restarted with back-off, a thousand abandoned children are all
# reaped, and PID 1 carries on.
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
  - name: spawner
    image: busybox
    resources: {pids: 1100}
    command: "for i in $(seq 1000); do (sleep 300 &); done; echo abandoned 1000; sleep 1"
  - name: watcher
    image: busybox
    depends_on: [spawner]
    command: "peak=0; for i in $(seq 60); do read a b c tasks e < /proc/loadavg; now=${tasks#*/}; [ $now -gt $peak ] && peak=$now; sleep 0.25; done; echo tasks peak $peak now $now"
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
# /proc/loadavg's task count is the kernel's, not the pid namespace's, and a
# zombie counts until it is reaped.
read -r peak now < <(sed -n 's/^\[watcher\] tasks peak \([0-9]*\) now \([0-9]*\)$/\1 \2/p' "$boot_log")
check "a container abandoned 1000 children (the VM's task count peaked at ${peak:-?})" \
  sh -c "grep -qx '\[spawner\] abandoned 1000' '$boot_log' && [ '${peak:-0}' -ge 1000 ]"
check "  ... and every one was reaped once it ended (${now:-?} tasks left)" test "${now:-99999}" -lt $((${peak:-0} - 990))
console_on_failure
done_testing
