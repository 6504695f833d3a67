#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# init: true, run as PID 1 of a fresh pid namespace on this host (no QEMU):
# the container's PID 1 is the init's reaper, which forwards the stop's
# SIGTERM to a command that ignores it as PID 1 (busybox sleep), reaps
# orphans, and passes the command's status on; without init: true the same
# command is only killed after its grace period and leaves zombies.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v unshare >/dev/null || skip_all "unshare is not installed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# bare: no init, sleep as PID 1, and an orphan that exits once sleep is
# PID 1 (so that no shell can have reaped it). wrapped: the same sleep
# behind the reaper, with a long grace that a stop must not need, its own
# paths.exec list (the build adds the init's path to it), and an orphan
# that exits once it is PID 1's child.
guest_manifest >"$work/reap.yml" <<'YAML'
name: reap
exit_status_from: wrapped
services:
  - name: bare
    image: busybox
    stop_grace: 3s
    command: |
      (sh -c 'until grep -qx sleep /proc/1/comm; do sleep 0.1; done' &)
      exec sleep 1001
  - name: wrapped
    image: busybox
    init: true
    stop_grace: 60s
    paths: {exec: [/bin], read: [/proc, /dev, /etc]}
    command: |
      @wait_for@
      gone() { [ ! -e "/proc/$1" ]; }
      echo "pid 1 is $(tr '\0' ' ' </proc/1/cmdline)"
      echo "parent $PPID"
      echo x >/dev/bulkhead-init && echo "the init is writable"
      (sh -c 'while read -r _ _ _ ppid _ </proc/$$/stat && [ "$ppid" != 1 ]; do sleep 0.1; done' &
       echo $! >/tmp/orphan)
      read orphan </tmp/orphan
      wait_for "the orphan $orphan to be reaped" 60 gone "$orphan" && echo "orphan reaped"
      exec sleep 1000
  - name: missing
    image: busybox
    init: true
    command: ["/bin/not-here"]
YAML

# A zombie on this host whose parent is bare's sleep.
bare_zombie() {
  local stat state ppid
  for stat in /proc/[0-9]*/stat; do
    read -r _ _ state ppid _ <"$stat" 2>/dev/null || continue
    [ "$state" = Z ] && [ "$(tr '\0' ' ' <"/proc/$ppid/cmdline" 2>/dev/null)" = "sleep 1001 " ] && return 0
  done
  return 1
}

BOOT_BACKGROUND=1 boot_host reap "$work/reap.yml"
check "init: true: the container's PID 1 is the init's reaper, the command after --" \
  until_logged '^\[wrapped\] pid 1 is /dev/bulkhead-init --container-init -- /bin/sh -c '
check "  ... and the command is its child" logged '^\[wrapped\] parent 1$'
check "the init bound into the container cannot be written: its mount is read-only" \
  logged '^\[wrapped\] /bin/sh: can.t create /dev/bulkhead-init: Read-only file system$'
check "an orphan that exits is reaped: no zombie is left" until_logged '^\[wrapped\] orphan reaped$'
check "without init: true the orphan stays a zombie of sleep, PID 1" wait_for "a zombie child of sleep 1001" 60 bare_zombie
check "a command that cannot run: the reaper says why" \
  until_logged '^\[missing\] bulkhead-init: cannot run /bin/not-here: No such file or directory$'
check "  ... and status 127" until_logged 'missing: exited with status 127'
kill -TERM "$(init_pid)"
wait_boot
check "without init: true, sleep as PID 1 ignores SIGTERM: killed after its grace" \
  grep -q 'bare: still running after its grace period; killing it' "$boot_log"
check "with init: true, sleep ends by the forwarded SIGTERM: status 143" grep -q 'wrapped: exited with status 143' "$boot_log"
check "  ... and is never killed after its grace" sh -c "! grep -q 'wrapped: still running after its grace period' '$boot_log'"
console_on_failure
done_testing
