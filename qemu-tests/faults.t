#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Faults only the VM's cgroup controllers can show: a memory hog is
# OOM-killed inside its own cgroup and a fork bomb stops at pids.max, while
# a neighbour goes on, a web service keeps answering its client, a crashing
# service is restarted with back-off, a thousand abandoned children are all
# reaped, and PID 1 carries on.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# No service waits for a window of time: each waits for what it needs, with
# a generous bound (wait_for, from tests/lib.sh), and says on the console what
# it gave up on when the bound passes.
guest_manifest >"$work/faults.yml" <<'YAML'
name: faults
exit_status_from: neighbour
services:
  - name: hog
    image: busybox
    resources: {memory: 32M}
    command: "echo eating; exec awk 'BEGIN { s = \"x\"; while (length(s) < 200000000) s = s s; print \"survived\" }'"
  # Its killer ends the bomb once the cgroup has refused a fork. It forks
  # nothing while it waits: nothing could be forked then.
  - name: bomb
    image: busybox
    resources: {pids: 40}
    command: |
      @wait_for@
      refused() { read event count </sys/fs/cgroup/pids.events && [ "$count" -gt 0 ]; }
      (wait_for "pids.events to count a refused fork" 240 refused; kill -9 -1) &
      sh -c 'b() { b | b & }; b' 2>/dev/null; wait
      read limit </sys/fs/cgroup/pids.max; read event count </sys/fs/cgroup/pids.events
      echo pids.max $limit refused forks $count
  - name: neighbour
    image: busybox
    command: "for i in 1 2 3 4 5 6 7 8 9 10; do echo alive $i; sleep 0.5; done"
  # web serves until its client says it is done, by connecting to port 8081.
  - name: web
    image: busybox
    network: host
    readonly: false
    command: |
      mkdir -p /tmp/www && echo hello from web > /tmp/www/index.html || exit 1
      httpd -f -p 127.0.0.1:8080 -h /tmp/www &
      nc -w 400 -l -p 8081 </dev/null >/dev/null 2>&1 || echo gave up after 400 s waiting for the client to be done
      kill $!
  - name: client
    image: busybox
    network: host
    depends_on: [web]
    command: |
      @wait_for@
      answers() { wget -q -O /dev/null http://127.0.0.1:8080/ 2>/dev/null; }
      told() { nc 127.0.0.1 8081 </dev/null >/dev/null 2>&1; }
      wait_for "web to answer on 127.0.0.1:8080" 240 answers
      ok=0; for i in 1 2 3 4 5 6 7 8; do wget -q -O - http://127.0.0.1:8080/ >/dev/null && ok=$((ok + 1)); sleep 0.5; done
      echo answered $ok of 8
      wait_for "web to hear that its client is done (port 8081)" 60 told
  # The spawner holds its children until the watcher has counted them: the
  # watcher connects to its port 9000 once to count them, once more to let
  # them go; then the spawner ends, and its children with it.
  - name: spawner
    image: busybox
    network: host
    resources: {pids: 1100}
    command: |
      for i in $(seq 1000); do (sleep 1000 &); done; echo abandoned 1000
      if ! nc -w 300 -l -p 9000 </dev/null >/dev/null 2>&1; then echo gave up after 300 s waiting for the watcher to count the children
      elif ! nc -w 120 -l -p 9000 </dev/null >/dev/null 2>&1; then echo gave up after 120 s waiting for the watcher to let the children go
      fi
  # /proc/loadavg's fourth field is running/all of the VM's tasks.
  - name: watcher
    image: busybox
    network: host
    depends_on: [spawner]
    command: |
      @wait_for@
      peak=0
      count() { read a b c tasks e </proc/loadavg; now=${tasks#*/}; [ $now -le $peak ] || peak=$now; }
      knock() { count; nc 127.0.0.1 9000 </dev/null >/dev/null 2>&1; }
      reaped() { count; [ $now -lt $((peak - 990)) ]; }
      wait_for "the spawner to hold its 1000 children (port 9000)" 300 knock && count &&
        wait_for "the spawner to let its children go (port 9000)" 60 knock &&
        wait_for "the task count to fall back 990 below its peak" 240 reaped
      echo tasks peak $peak now $now
  - name: crasher
    image: busybox
    restart: on-failure
    max_restarts: 2
    command: "echo crashing; exit 5"
YAML
# Longer than the guests' own bounds (the watcher's add up to 600 s), so that
# the console says what a guest gave up on before QEMU is stopped.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900} boot faults "$work/faults.yml"
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
