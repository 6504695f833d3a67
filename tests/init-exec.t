#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead ctl exec and logs -f through the init's control socket, the init
# run as PID 1 of fresh namespaces on this host (qemu-tests/exec.t does the
# VM's serial line). exec: the command's stdout and stderr apart and byte
# for byte, its status as ctl's, stdin with -i, a terminal with -t; inside
# exactly its container's walls (uid, capabilities, seccomp, no_new_privs,
# Landlock), compared with what the container's own process sees. A host
# that goes away takes its command with it, and the next ctl still works.
# logs -f sees lines written after it began, stamped with the time since
# boot, and ends when asked.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
PROBE=$BUILD/tests/helpers/bulkhead-probe
[ -x "$PROBE" ] && PROBE_IGNORING="$PROBE ignoring-signals"
work=$(mktemp -d)
holders=()
# The holders leave the job table before their kill: bash would otherwise
# report each on stderr ("Killed"), noise in make check's output.
trap 'disown -a 2>/dev/null; for p in "${holders[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

sock() { echo "/proc/$(init_pid)/root/run/bulkhead/ctl.sock"; }
CTL() { timeout -s KILL 120 "$BULKHEAD" ctl --socket "$(sock)" "$@"; }

cat >"$work/exec.yml" <<'YAML'
name: exec
stop_grace: 200ms
services:
  - name: walled
    image: busybox
    user: "1000:1000"
    readonly: false # the note is writable by its owner: only Landlock stands in the way
    capabilities: [CAP_NET_BIND_SERVICE]
    files:
      - {path: /home/note, contents: "note\n", owner: "1000:1000", mode: "0644"}
    command: "grep -E '^(Uid|Gid|CapEff|CapBnd|NoNewPrivs|Seccomp|SigBlk|SigIgn):' /proc/self/status; echo more >>/home/note || echo walled cannot write the note; echo walled up; exec sleep 1000"
  - name: ticker
    image: busybox
    command: "i=0; while true; do i=$((i + 1)); echo tick $i; sleep 0.2; done"
  - name: oneshot
    image: busybox
    command: "echo oneshot done"
YAML
"$BULKHEAD" build -q "$work/exec.yml" -o "$work/exec" || { not_ok "the appliance builds"; done_testing; exit 1; }
root=$work/exec.root
mkdir -p "$root" && (cd "$root" && zcat "$work/exec/initrd.img" | cpio -id --quiet 2>/dev/null)
boot_log=$work/exec.console
boot_start=$(date +%s.%N)
# Started with some signals ignored, as a harness may start it: exec keeps
# them, and the containers must not (the probe ignores 32 to 34 too, which
# libc will not touch).
${PROBE_IGNORING:-} "$TOP/tests/run-init" 300 "$root" >"$boot_log" 2>&1 &
boot_pid=$!
check "the appliance comes up" until_logged '^\[walled\] walled up$'
until_logged '^\[init\] oneshot: exited' 60

# --- output and status
CTL exec walled -- sh -c 'echo to stdout; echo to stderr >&2; exit 7' >"$work/out" 2>"$work/err"
status=$?
check "exec's status is the command's: exit 7, ctl exits 7 (got $status)" test "$status" -eq 7
check "  ... its stdout on ctl's stdout, alone" test "$(cat "$work/out")" = "to stdout"
check "  ... its stderr on ctl's stderr, alone" test "$(cat "$work/err")" = "to stderr"
CTL exec walled -- sh -c 'kill -TERM $$'
status=$?
check "a command killed by SIGTERM: 143 (got $status)" test "$status" -eq 143
CTL exec walled -- printf 'a\004b\000c\377\r\n\033[31m' | od -An -tx1 | tr -d ' \n' >"$work/bytes"
check "binary output arrives intact, EOT and NUL included ($(cat "$work/bytes"))" \
  test "$(cat "$work/bytes")" = 6104620063ff0d0a1b5b33316d
head -c 3000000 /dev/urandom >"$work/big"
CTL exec walled -- cat /dev/zero 2>/dev/null | head -c 5000000 | wc -c >"$work/count"
check "a command that writes faster than ctl reads: 5 MB through, back-pressured" test "$(cat "$work/count")" -eq 5000000

long=$(head -c 3000 /dev/zero | tr '\0' 'x')
CTL exec walled -- sh -c 'printf %s "$1" | wc -c' sh "$long" >"$work/count"
check "an argument of 3000 bytes arrives whole, over many lines ($(cat "$work/count"))" test "$(cat "$work/count")" -eq 3000
CTL exec walled -- printf '%s' "$(head -c 187 /dev/zero | tr '\0' 'y')" | wc -c >"$work/count"
check "  ... and one of 187 bytes, one more than a line carries ($(cat "$work/count"))" test "$(cat "$work/count")" -eq 187

# A reader that pauses longer than the session's 10 s without a ping (a
# pager): ctl keeps pinging while its stdout is full; nothing is lost.
CTL exec walled -- sh -c 'head -c 1000000 /dev/zero; exit 3' | (sleep 12; wc -c) >"$work/count"
status=${PIPESTATUS[0]}
check "a reader that pauses 12 s: all 1000000 bytes ($(cat "$work/count")) and the status, 3 (got $status)" \
  sh -c "test $(cat "$work/count") -eq 1000000 && test $status -eq 3"

# --- stdin
printf 'in\004put\000\377' | CTL exec -i walled -- cat | od -An -tx1 | tr -d ' \n' >"$work/bytes"
check "-i: stdin reaches the command byte for byte" test "$(cat "$work/bytes")" = 696e0470757400ff
CTL exec -i walled -- md5sum <"$work/big" | cut -d' ' -f1 >"$work/sum"
check "-i: 3 MB of stdin arrive whole (md5)" test "$(cat "$work/sum")" = "$(md5sum <"$work/big" | cut -d' ' -f1)"
CTL exec -i walled -- sh -c 'sleep 3; md5sum' <"$work/big" | cut -d' ' -f1 >"$work/sum"
check "-i: 3 MB of stdin to a command that reads it late arrive whole (md5)" \
  test "$(cat "$work/sum")" = "$(md5sum <"$work/big" | cut -d' ' -f1)"
echo unseen | CTL exec walled -- sh -c 'cat; echo "stdin was empty"' >"$work/out"
check "without -i the command's stdin is empty" test "$(cat "$work/out")" = "stdin was empty"

# --- the container's walls, compared with its own process
own=$(sed -n 's/^\[walled\] \(\(Uid\|Gid\|CapEff\|CapBnd\|NoNewPrivs\|Seccomp\|SigBlk\|SigIgn\):.*\)$/\1/p' "$boot_log" | tr -s '\t ' ' ')
execd=$(CTL exec walled -- grep -E '^(Uid|Gid|CapEff|CapBnd|NoNewPrivs|Seccomp|SigBlk|SigIgn):' /proc/self/status | tr -s '\t ' ' ')
echo "$own" | diag
check "the exec'd process has its container's uid, gid, capabilities, no_new_privs, seccomp and signal mask" \
  test -n "$own" -a "$own" = "$execd"
check "  ... uid 1000, CAP_NET_BIND_SERVICE only, seccomp filtering" \
  sh -c "echo '$execd' | grep -q '^Uid: 1000 ' && echo '$execd' | grep -q '^CapEff: 0000000000000400' && echo '$execd' | grep -q '^Seccomp: 2'"
# PID 1 blocks every signal for its signalfd, and was started here with
# some ignored (32 to 34 among them): either, kept into the container,
# would leave its command deaf.
check "  ... no signal blocked or ignored in the container's process (SigBlk, SigIgn 0)" \
  sh -c "echo '$own' | grep -qx 'SigBlk: 0000000000000000' && echo '$own' | grep -qx 'SigIgn: 0000000000000000'"
check "the container's own process cannot write its note (Landlock)" grep -q '^\[walled\] walled cannot write the note' "$boot_log"
CTL exec walled -- sh -c 'echo more >>/home/note' 2>"$work/err"
status=$?
check "nor can the exec'd one: refused ($status), with the container's error" \
  sh -c "test $status -ne 0 && grep -q 'Permission denied' '$work/err'"
CTL exec walled -- sh -c 'echo allowed >/tmp/allowed && cat /tmp/allowed' >"$work/out"
check "  ... while /tmp, its neighbour, takes writes" test "$(cat "$work/out")" = allowed
CTL exec walled -- unshare -U true 2>"$work/err"
status=$?
check "an exec'd unshare is refused as the container's would be (seccomp, status $status)" test "$status" -ne 0
CTL exec walled -- readlink /proc/self/ns/pid >"$work/ns"
check "it runs in the container's pid namespace" \
  test "$(cat "$work/ns")" = "$(readlink "/proc/$(pgrep -P "$(init_pid)" -f 'sleep 1000' | head -n1)/ns/pid" 2>/dev/null || echo none)"

walled_pid=$(pgrep -P "$(init_pid)" -f 'sleep 1000' | head -n1)
execd_root=$(CTL exec walled -- stat -c '%d:%i' /)
check "it runs in the container's root directory, not its mount namespace's ($execd_root)" \
  test -n "$execd_root" -a "$execd_root" = "$(stat -L -c '%d:%i' "/proc/$walled_pid/root/" 2>/dev/null || echo none)"

# --- refused: what is not running, what does not exist
CTL exec oneshot -- true 2>"$work/err"
status=$?
check "exec into a container that exited: refused with status 125 (got $status)" test "$status" -eq 125
check "  ... and a message" grep -q '^error: oneshot is not running' "$work/err"
CTL exec nosuch -- true 2>"$work/err"
status=$?
check "exec into no such container: 125 (got $status), no service named" \
  sh -c "test $status -eq 125 && grep -q '^error: no service named \"nosuch\"' '$work/err'"
CTL exec walled -- /no/such/program 2>"$work/err"
status=$?
check "a command that is not there: 127 (got $status)" test "$status" -eq 127

# --- a host that goes away; ^C; another ctl meanwhile
"$BULKHEAD" ctl --socket "$(sock)" exec walled -- sleep 4242 & ctl_pid=$!; holders+=($ctl_pid)
sleeper() { pgrep -f '^sleep 4242$' | head -n1 | grep .; }
check "a long command runs" wait_for "sleep 4242" 60 quietly sleeper
pid=$(sleeper)
CTL ps >"$work/ps"
check "ctl ps answers while an exec session runs" grep -qE '^walled +services +running' "$work/ps"
disown "$ctl_pid" && kill -9 "$ctl_pid"
check "ctl killed mid-session: its command is killed (pid $pid gone)" wait_for "pid $pid to go" 30 gone "$pid"
CTL exec walled -- echo next >"$work/out"
check "  ... and the next ctl exec works" test "$(cat "$work/out")" = next
"$BULKHEAD" ctl --socket "$(sock)" exec walled -- sleep 4343 & ctl_pid=$!; holders+=($ctl_pid)
sleeper() { pgrep -f '^sleep 4343$' | head -n1 | grep .; }
wait_for "sleep 4343" 60 quietly sleeper
pid=$(sleeper)
kill -INT "$ctl_pid"
wait "$ctl_pid"
status=$?
check "^C (SIGINT) to ctl exec without -t: the command is killed, ctl exits 137 (got $status)" \
  sh -c "test $status -eq 137 && ! test -e /proc/$pid"

# ^C after the command was reaped while its output still drains (a child it
# left writes on, its reader paused, so everything between is full when the
# shell exits 2 s on): the answer goes on, frame by frame, to its status.
mkfifo "$work/drain"
(exec 3<"$work/drain"; until [ -e "$work/go" ]; do sleep 0.1; done; wc -c <&3 >"$work/count") & holders+=($!)
reader_pid=$!
"$BULKHEAD" ctl --socket "$(sock)" exec walled -- \
  sh -c 'echo $$ >/tmp/drain.pid; head -c 2000000 /dev/zero & sleep 2; exit 3' >"$work/drain" & ctl_pid=$!; holders+=($ctl_pid)
reaped() { CTL exec walled -- sh -c 'test -s /tmp/drain.pid && ! kill -0 "$(cat /tmp/drain.pid)"' 2>/dev/null; }
wait_for "the command to be reaped" 60 reaped
kill -INT "$ctl_pid"
touch "$work/go"
wait "$ctl_pid"
status=$?
wait "$reader_pid"
# (The child's output after the reap ends where the pipe runs empty: not all of it.)
check "^C after the command was reaped, its output draining: its status, 3 (got $status), after its output ($(cat "$work/count") bytes)" \
  sh -c "test $status -eq 3 && test \"\$(cat '$work/count')\" -gt 0"

# --- stdin the command does not read: the host's lines still reach PID 1
head -c 200000 /dev/zero >"$work/200k"
"$BULKHEAD" ctl --socket "$(sock)" exec -i walled -- sleep 4545 <"$work/200k" & ctl_pid=$!; holders+=($ctl_pid)
sleeper() { pgrep -f '^sleep 4545$' | head -n1 | grep .; }
wait_for "sleep 4545" 60 quietly sleeper
pid=$(sleeper)
CTL ps >/dev/null # a round trip meanwhile: stdin has had its time to fill what PID 1 holds for it
kill -INT "$ctl_pid"
wait "$ctl_pid"
status=$?
check "^C to ctl exec -i whose command reads no stdin (200 KB waiting): killed, 137 (got $status)" \
  sh -c "test $status -eq 137 && ! test -e /proc/$pid"
if [ -x "$PROBE" ]; then
  # exec walled i -- sleep 4646, then stdin no credit was granted for.
  "$PROBE" connect-unix "$(sock)" $'exec walled i\narg c2xlZXA=\narg NDY0Ng==\nrun\nin QUFB\n' >/dev/null
  check "stdin beyond the init's credit ends the session, logged" \
    until_logged 'control: dropped a peer that sent stdin beyond its credit: its session ends' 30
  check "  ... and its command is killed" wait_for "sleep 4646 to go" 30 sh -c "! pgrep -f '^sleep 4646$'"
  # exec walled i, then stdin and its end before run: refused, the session goes on.
  # (touch /tmp/ran-after-refusals; the probe holds the connection, reading nothing)
  "$PROBE" connect-unix "$(sock)" $'exec walled i\nin QUFB\neof\narg dG91Y2g=\narg L3RtcC9yYW4tYWZ0ZXItcmVmdXNhbHM=\nrun\n' 30 >/dev/null & holders+=($!)
  check "in and eof before run are refused, logged; the command runs after" \
    wait_for "/tmp/ran-after-refusals" 30 quietly CTL exec walled -- test -e /tmp/ran-after-refusals
  check "  ... (the refusal logged once for its two lines: one warning a session)" \
    test "$(grep -c "control: a session's host sent a line out of place" "$boot_log")" -eq 1
fi

# --- a deaf host: PID 1 goes on; the silent session ends
if [ -x "$PROBE" ]; then
  # exec walled -- yes bulkhead-deaf-host, from a host that never reads and never pings.
  "$PROBE" connect-unix "$(sock)" $'exec walled\narg eWVz\narg YnVsa2hlYWQtZGVhZi1ob3N0\nrun\n' 60 >"$work/deaf" & holders+=($!)
  flooder() { pgrep -f '^yes bulkhead-deaf-host$' | head -n1 | grep .; }
  check "a deaf host's command runs, its output filling what PID 1 holds" wait_for "yes to run" 60 quietly flooder
  pid=$(flooder)
  ticks=$(grep -c '^\[ticker\] tick' "$boot_log")
  CTL ps >"$work/ps"
  check "  ... meanwhile ctl ps answers" grep -qE '^walled +services +running' "$work/ps"
  check "  ... and the console goes on" wait_for "more ticks" 30 \
    sh -c "test \$(grep -c '^\[ticker\] tick' '$boot_log') -gt $((ticks + 3))"
  check "  ... the session ends when no ping came for 10 s, logged" \
    until_logged 'control: dropped a peer that sent no ping in time: its session ends' 60
  check "  ... and its command is killed (pid $pid gone)" wait_for "pid $pid to go" 30 gone "$pid"
else
  ok "# SKIP no $PROBE (make build/tests/helpers/bulkhead-probe)"
fi

# --- a terminal: -it
if command -v script >/dev/null; then
  script -qec "stty rows 33 cols 101; $BULKHEAD ctl --socket $(sock) exec -it walled -- sh -c 'tty; stty size; exit 3'" \
    /dev/null </dev/null >"$work/tty" 2>&1
  status=$?
  diag <"$work/tty"
  check "-it: the command has a terminal" grep -q '/dev/pts/[0-9]' "$work/tty"
  # Not anchored: script(1), its stdin at its end, types a byte into ctl's
  # terminal, which -i forwards, and the command's terminal echoes it
  # (^@) before whichever line the command is writing then.
  check "  ... of the host terminal's size (33 101)" grep -q '33 101' "$work/tty"
  check "  ... and ctl exits with its status (3, got $status)" test "$status" -eq 3
  # The size is the pty's before the command runs: a command that looks
  # at once, ten times over, never sees the kernel's 0 0 (with the size
  # set once the master reached PID 1, one in five did). Counted where
  # they are in a line, as above.
  script -qec "stty rows 33 cols 101; for i in 1 2 3 4 5 6 7 8 9 10; do $BULKHEAD ctl --socket $(sock) exec -t walled -- stty size; done" \
    /dev/null </dev/null >"$work/sizes" 2>&1
  diag <"$work/sizes"
  check "  ... from the command's first look, every time (10 of 10)" test "$(grep -o '33 101' "$work/sizes" | wc -l)" -eq 10
  script -qec "stty -g >$work/before; $BULKHEAD ctl --socket $(sock) exec -it walled -- sh -c 'exit 4'; stty -g >$work/after1; \
    $BULKHEAD ctl --socket $(sock) exec -it walled -- sleep 30 </dev/tty & i=0; \
    while [ \"\$(stty -g)\" = \"\$(cat $work/before)\" ] && [ \$i -lt 600 ]; do i=\$((i + 1)); sleep 0.1; done; \
    stty -g >$work/during; kill -0 \$! && echo alive >$work/alive; kill -TERM \$!; wait; stty -g >$work/after2" \
    /dev/null </dev/null >/dev/null 2>&1
  check "-it: the host's terminal is restored after the session, as it was" \
    sh -c "test -s '$work/before' && cmp -s '$work/before' '$work/after1'"
  check "-it: the host's terminal went raw during the session (stty -g changed), ctl alive then" \
    sh -c "test -s '$work/during' && ! cmp -s '$work/before' '$work/during' && test -s '$work/alive'"
  check "  ... and is restored also when ctl is ended by SIGTERM mid-session" cmp -s "$work/before" "$work/after2"
  mkfifo "$work/keys"
  (script -qec "$BULKHEAD ctl --socket $(sock) exec -it walled -- sh -c 'trap \"echo got SIGINT; exit 5\" INT; echo ready; while :; do sleep 0.1; done'" \
    /dev/null <"$work/keys" >"$work/tty" 2>&1; echo "status $?" >>"$work/tty") & holders+=($!)
  exec 7>"$work/keys"
  wait_for "the command to be ready" 60 grep -q ready "$work/tty"
  printf '\003' >&7
  check "-it: ^C reaches the command as SIGINT through its terminal" wait_for "got SIGINT" 30 grep -q 'got SIGINT' "$work/tty"
  check "  ... and its status is ctl's" wait_for "the status" 30 grep -q '^status 5' "$work/tty"
  exec 7>&-
else
  ok "# SKIP no script(1) to give ctl a terminal"
fi

# --- logs -f
"$BULKHEAD" ctl --socket "$(sock)" logs -f ticker >"$work/follow" 2>&1 & follow_pid=$!; holders+=($follow_pid)
wait_for "logs -f to print" 30 grep -qs tick "$work/follow"
last=$(grep -o 'tick [0-9]*' "$work/follow" | tail -n1 | cut -d' ' -f2)
after() { test "$(grep -o 'tick [0-9]*' "$work/follow" | tail -n1 | cut -d' ' -f2)" -gt "$((last + 3))"; }
check "logs -f follows: lines written after it began arrive" wait_for "newer ticks" 30 after
check "  ... each with the time since boot it was read at" \
  test "$(grep -cvE '^\[ *[0-9]+\.[0-9]{3}\] tick [0-9]+$' "$work/follow")" -eq 0
kill -INT "$follow_pid"
check "  ... and it ends on ^C, with status 0" wait_for "logs -f to end" 30 sh -c "! kill -0 $follow_pid 2>/dev/null"
wait "$follow_pid"
status=$?
check "  ... (status $status)" test "$status" -eq 0
CTL logs -f nosuch >"$work/out" 2>&1
status=$?
check "logs -f of no such container: exit 1, no service named" \
  sh -c "test $status -eq 1 && grep -q '^error: no service named' '$work/out'"

# --- the serial line's lock file: no symlink followed, no device opened
mkdir "$work/vm" && ln -s "$work/lock-target" "$work/vm/ctl.sock.lock"
"$BULKHEAD" ctl --vm "$work/vm" ps 2>"$work/err"
check "ctl --vm refuses a lock file that is a symlink ($(cat "$work/err")), creating nothing" \
  sh -c "grep -q 'ctl.sock.lock: Too many levels of symbolic links' '$work/err' && ! test -e '$work/lock-target'"
rm "$work/vm/ctl.sock.lock" && mkfifo "$work/vm/ctl.sock.lock"
"$BULKHEAD" ctl --vm "$work/vm" ps 2>"$work/err"
check "  ... and one that is not a regular file ($(cat "$work/err"))" grep -q 'not a regular file' "$work/err"
rm "$work/vm/ctl.sock.lock"
"$BULKHEAD" ctl --vm "$work/vm" ps 2>"$work/err"
check "  ... while its own lock file passes, to the socket ($(cat "$work/err"))" grep -q 'is the appliance running' "$work/err"

CTL poweroff >/dev/null
wait_boot
check "the appliance powers off with status 0 (got $boot_status)" test "$boot_status" -eq 0
check "no other warning about the control channel on the console" \
  sh -c "! grep 'warning: control' '$boot_log' | grep -v 'sent no ping in time' | grep -v 'beyond its credit' | grep -qv 'out of place'"
console_on_failure
done_testing
