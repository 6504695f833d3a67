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
# that exits once it is PID 1's child. profiled: the reaper under a
# seccomp profile of the container's own that allows what it calls
# (tests/manifests/bad/init-seccomp-kill.yml: one that does not).
printf '%s\n' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}' \
  >"$work/no-mkdir.json"
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
  - name: profiled
    image: busybox
    init: true
    seccomp: no-mkdir.json
    command: "mkdir /tmp/d 2>/dev/null || echo mkdir refused, parent $PPID"
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
check "under its own seccomp profile the reaper runs the command, which the profile still binds" \
  until_logged '^\[profiled\] mkdir refused, parent 1$'
kill -TERM "$(init_pid)"
wait_boot
check "without init: true, sleep as PID 1 ignores SIGTERM: killed after its grace" \
  grep -q 'bare: still running after its grace period; killing it' "$boot_log"
check "with init: true, sleep ends by the forwarded SIGTERM: status 143" grep -q 'wrapped: exited with status 143' "$boot_log"
check "  ... and is never killed after its grace" sh -c "! grep -q 'wrapped: still running after its grace period' '$boot_log'"
console_on_failure

# The same reaper in front of a command on a terminal, as bulkhead-runtime
# runs such a bundle with process.terminal (tests/runtime-terminal.t's
# receiver holds the master): the command's process group is the
# terminal's foreground one, so that it may read from it (a background
# group would be stopped by SIGTTIN) and a ^C reaches it once.
command -v jq >/dev/null || { done_testing; exit; }
runtime_bundle
cp /bin/busybox "$bundle/rootfs/bin/busybox" 2>/dev/null || { done_testing; exit; }
for tool in sh sleep; do ln -s busybox "$bundle/rootfs/bin/$tool"; done
R spec --bundle "$bundle"
# What bulkhead build writes for init: true (image/bundle.c), with this
# build's init as the source.
default=$(jq --arg init "$BUILD/bin/bulkhead-init" '
  .mounts += [{destination: "/dev/bulkhead-init", type: "bind", source: $init, options: ["bind", "ro", "nosuid", "nodev"]}] |
  if .process.landlock then .process.landlock.rules.pathBeneath |=
    map(if (.allowedAccess | index("execute")) then .paths += ["/dev/bulkhead-init"] else . end) else . end' \
  "$bundle/config.json")
receiver=$BUILD/tests/helpers/console-receiver
n=0
receiver_done() { ! kill -0 "$receiver_pid" 2>/dev/null; }
# reaped_on_terminal SCRIPT [WAIT SEND]...: runs sh -c SCRIPT behind the
# reaper on a terminal; waits for the receiver to see the terminal close.
reaped_on_terminal() {
  local script=$1; shift
  n=$((n + 1))
  jq --arg s "$script" '.process.terminal = true |
    .process.args = ["/dev/bulkhead-init", "--container-init", "--", "/bin/sh", "-c", $s]' <<<"$default" >"$bundle/config.json"
  "$receiver" "$work/sock$n" "$work/tty$n" "$@" >"$work/recv$n" 2>&1 &
  receiver_pid=$!
  wait_for "the receiver's socket" 30 test -S "$work/sock$n" || return 1
  R create --bundle "$bundle" --console-socket "$work/sock$n" "t$n" 2>"$work/err$n" &&
    R start "t$n" 2>>"$work/err$n" || { kill "$receiver_pid"; cat "$work/err$n" | diag; return 1; }
  wait_for "the terminal to close" 60 receiver_done || return 1
  wait "$receiver_pid"
}
check "on a terminal, the command behind the reaper reads a line typed" reaped_on_terminal \
  'echo ready; read line; echo "got:$line"' ready 'hello\n'
check "  ... the line it read ($(tr -d '\r' <"$work/tty$n" | tr '\n' ' '))" grep -q '^got:hello' "$work/tty$n"
R delete "t$n" >/dev/null 2>&1
check "^C typed reaches the command as one SIGINT" reaped_on_terminal \
  'trap "echo interrupted; exit 3" INT; echo ready; while :; do sleep 1; done' ready '\003'
check "  ... its INT trap ran once ($(tr -d '\r' <"$work/tty$n" | tr '\n' ' '))" \
  test "$(grep -c interrupted "$work/tty$n")" -eq 1
R delete "t$n" >/dev/null 2>&1
done_testing
