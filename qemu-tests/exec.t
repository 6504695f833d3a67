#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead ctl --vm exec and logs -f over the VM's serial line (ttyS1, which
# QEMU joins to DIR/ctl.sock): output and status, stdout and stderr apart,
# binary bytes (EOT included, which ends plain answers on that line), stdin
# with -i, a terminal with -it from a host terminal (script(1)), inside the
# container's walls. The line has one host at a time and no hang-up: a
# second ctl is refused clearly while a session holds it; a ctl killed
# mid-session leaves no command behind (the init hears no ping and ends it)
# and the next ctl is answered; logs -f follows until ^C, and then the line
# serves the next command. tests/init-exec.t does the rest over the socket.
# BOOT_FLAGS="--machine microvm" runs it on microvm.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
holders=()
trap 'for p in "${holders[@]}"; do kill -9 "$p" 2>/dev/null; done; kill $run_pid 2>/dev/null; rm -rf "$work"' EXIT
CTL() { timeout -s KILL 300 "$BULKHEAD" ctl --vm "$work/exec" "$@"; }

cat >"$work/exec.yml" <<'YAML'
name: exec
stop_grace: 500ms
services:
  - name: walled
    image: busybox
    user: "1000:1000"
    readonly: false # the note is writable by its owner: only Landlock stands in the way
    capabilities: [CAP_NET_BIND_SERVICE]
    files:
      - {path: /home/note, contents: "note\n", owner: "1000:1000", mode: "0644"}
    command: "grep -E '^(Uid|CapEff|Seccomp):' /proc/self/status; echo walled up; exec sleep 100000"
  - name: ticker
    image: busybox
    command: "i=0; while true; do i=$((i + 1)); echo tick $i; sleep 1; done"
YAML
"$BULKHEAD" build -q "$work/exec.yml" -o "$work/exec" || { not_ok "the appliance builds"; done_testing; exit 1; }
boot_log=$work/console
"$BULKHEAD" run --timeout 900 ${BOOT_FLAGS:-} "$work/exec" </dev/null >"$boot_log" 2>&1 &
run_pid=$!
check "the appliance comes up" until_logged '^\[walled\] walled up' 240

CTL exec walled -- sh -c 'echo to stdout; echo to stderr >&2; exit 7' >"$work/out" 2>"$work/err"
status=$?
check "ctl --vm exec: the command's status is ctl's (7, got $status)" test "$status" -eq 7
check "  ... its stdout and stderr apart" \
  sh -c "test \"\$(cat '$work/out')\" = 'to stdout' && test \"\$(cat '$work/err')\" = 'to stderr'"
CTL exec walled -- printf 'a\004b\000c\377\r\n' | od -An -tx1 | tr -d ' \n' >"$work/bytes"
check "binary output over the serial line, EOT included ($(cat "$work/bytes"))" \
  test "$(cat "$work/bytes")" = 6104620063ff0d0a
head -c 20000 /dev/urandom >"$work/some"
CTL exec -i walled -- md5sum <"$work/some" | cut -d' ' -f1 >"$work/sum"
check "-i: 20 kB of stdin arrive whole" test "$(cat "$work/sum")" = "$(md5sum <"$work/some" | cut -d' ' -f1)"
own=$(sed -n 's/\r$//; s/^\[walled\] \(\(Uid\|CapEff\|Seccomp\):.*\)$/\1/p' "$boot_log" | tr -s '\t ' ' ')
execd=$(CTL exec walled -- grep -E '^(Uid|CapEff|Seccomp):' /proc/self/status | tr -s '\t ' ' ')
check "the exec'd process has its container's uid, capabilities and seccomp" test -n "$own" -a "$own" = "$execd"
CTL exec walled -- sh -c 'echo more >>/home/note' 2>"$work/err"
check "  ... and cannot write what Landlock keeps from the container" grep -q 'Permission denied' "$work/err"
CTL exec ticker -- nosuchcommand 2>/dev/null
status=$?
check "a command that is not there: 127 (got $status)" test "$status" -eq 127
CTL exec nosuch -- true 2>"$work/err"
status=$?
check "no such container: 125 (got $status), said so" \
  sh -c "test $status -eq 125 && grep -q 'no service named' '$work/err'"

# --- one host at a time; one that vanishes leaves nothing behind
"$BULKHEAD" ctl --vm "$work/exec" exec walled -- sh -c 'echo started; exec sleep 4242' >"$work/started" 2>&1 &
ctl_pid=$!; holders+=($ctl_pid)
wait_for "the session to start" 120 grep -qs started "$work/started"
check "while a session holds the line, a second ctl is refused clearly, in seconds" \
  sh -c "out=\$(timeout 60 '$BULKHEAD' ctl --vm '$work/exec' ps 2>&1); test \$? -eq 125 && echo \"\$out\" | grep -q 'another bulkhead ctl holds'"
kill -9 "$ctl_pid"; wait "$ctl_pid" 2>/dev/null
check "a ctl killed mid-session: the init hears no ping and ends it, logged" \
  until_logged 'control: dropped a peer that sent no ping in time: its session ends (serial line)' 120
CTL exec walled -- ps >"$work/ps"
check "  ... its command is gone, and the next ctl is answered" \
  sh -c "grep -q 'ps' '$work/ps' && ! grep -q '[s]leep 4242' '$work/ps'"
"$BULKHEAD" ctl --vm "$work/exec" exec walled -- sh -c 'echo started; exec sleep 4343' >"$work/started2" 2>&1 &
ctl_pid=$!; holders+=($ctl_pid)
wait_for "the session to start" 120 grep -qs started "$work/started2"
kill -9 "$ctl_pid"; wait "$ctl_pid" 2>/dev/null
CTL exec walled -- sh -c 'sleep 1; ps' >"$work/ps"
check "a ctl killed and followed at once by another: the new one's sync ends the old session" \
  sh -c "grep -q 'ps' '$work/ps' && ! grep -q '[s]leep 4343' '$work/ps'"

# --- logs -f over the serial line
"$BULKHEAD" ctl --vm "$work/exec" logs -f ticker >"$work/follow" 2>&1 & follow_pid=$!; holders+=($follow_pid)
wait_for "logs -f to print" 120 grep -qs tick "$work/follow"
last=$(grep -o 'tick [0-9]*' "$work/follow" | tail -n1 | cut -d' ' -f2)
after() { test "$(grep -o 'tick [0-9]*' "$work/follow" | tail -n1 | cut -d' ' -f2)" -gt "$((last + 2))"; }
check "logs -f follows over the serial line" wait_for "newer ticks" 120 after
check "  ... its lines stamped with the time since boot" \
  test "$(grep -cvE '^\[ *[0-9]+\.[0-9]{3}\] tick [0-9]+$' "$work/follow")" -eq 0
kill -INT "$follow_pid"
wait "$follow_pid"
status=$?
check "  ... and ends on ^C with status 0 (got $status)" test "$status" -eq 0
CTL ps >"$work/ps"
check "  ... and the line serves the next command at once" grep -qE '^ticker +services +running' "$work/ps"

# --- a terminal
if command -v script >/dev/null; then
  script -qec "stty rows 33 cols 101; $BULKHEAD ctl --vm $work/exec exec -it walled -- sh -c 'tty; stty size; exit 3'" \
    /dev/null </dev/null >"$work/tty" 2>&1
  status=$?
  diag <"$work/tty"
  check "-it over the serial line: a terminal of the host's size, and its status (got $status)" \
    sh -c "grep -q '/dev/pts/[0-9]' '$work/tty' && grep -q '^33 101' '$work/tty' && test $status -eq 3"
else
  ok "# SKIP no script(1) to give ctl a terminal"
fi

"$BULKHEAD" stop "$work/exec"
wait $run_pid
status=$?
check "the appliance powers off with status 0 (got $status)" test "$status" -eq 0
console_on_failure
done_testing
