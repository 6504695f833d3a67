#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# process.terminal with --console-socket, as podman's -t drives it: the
# container's process gets a pty of its own devpts as its controlling
# terminal and stdio, and the master goes to whoever listens on the socket
# (tests/helpers/console-receiver, in conmon's place), which sees what the
# command prints and types into it: a line read, ^C delivered as SIGINT.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
[ -x /bin/busybox ] || skip_all "busybox is not installed (make deps installs busybox-static)"

work=$(mktemp -d)
runtime_bundle
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for tool in sh tty stty cat ls sleep; do ln -s busybox "$bundle/rootfs/bin/$tool"; done
R spec --bundle "$bundle"
default=$(cat "$bundle/config.json")
receiver=$BUILD/tests/helpers/console-receiver
n=0
# with_terminal SCRIPT [WAIT SEND]...: creates and starts a container whose
# process.terminal is true and which runs sh -c SCRIPT, with a receiver on
# its console socket; waits for the receiver to see the terminal close.
with_terminal() {
  local script=$1; shift
  n=$((n + 1))
  jq --arg s "$script" '.process.terminal = true | .process.consoleSize = {height: 33, width: 101} |
    .process.args = ["/bin/sh", "-c", $s]' <<<"$default" >"$bundle/config.json"
  rm -f "$work/sock$n"
  "$receiver" "$work/sock$n" "$work/tty$n" "$@" >"$work/recv$n" 2>&1 &
  receiver_pid=$!
  wait_for "the receiver's socket" 30 test -S "$work/sock$n" || return 1
  R create --bundle "$bundle" --console-socket "$work/sock$n" "t$n" 2>"$work/err$n" &&
    R start "t$n" 2>>"$work/err$n" || { kill "$receiver_pid"; return 1; }
  wait_for "the terminal to close" 60 receiver_done || return 1
  wait "$receiver_pid"
}
receiver_done() { ! kill -0 "$receiver_pid" 2>/dev/null; }

check "create and start with a terminal succeed" with_terminal \
  'tty; stty size; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-three-are-ttys; ls -l /dev/console'
check "the receiver got the master, named by the container's slave ($(cat "$work/recv$n"))" \
  grep -qx 'received /dev/pts/0' "$work/recv$n"
check "tty prints the container's own pts (a new devpts instance: number 0)" grep -q '^/dev/pts/0' "$work/tty$n"
check "process.consoleSize is the terminal's size" grep -q '^33 101' "$work/tty$n"
check "stdin, stdout and stderr are the terminal" grep -q 'all-three-are-ttys' "$work/tty$n"
check "/dev/console is the pty (char 136, 0)" grep -qE '^c.* 136, +0 .*/dev/console' "$work/tty$n"
R delete "t$n" >/dev/null 2>&1

check "typing into the terminal reaches the command's stdin" with_terminal \
  'echo ready; read line; echo "got:$line"' ready 'hello\n'
check "the command read the line typed ($(tr -d '\r' <"$work/tty$n" | tr '\n' ' '))" grep -q '^got:hello' "$work/tty$n"
R delete "t$n" >/dev/null 2>&1

# ^C on the terminal is the line discipline's SIGINT to the foreground
# process group: it arrives only if the pty is the controlling terminal.
check "^C typed reaches the command as SIGINT" with_terminal \
  'trap "echo interrupted; exit 3" INT; echo ready; while :; do sleep 1; done' ready '\003'
check "the command's INT trap ran ($(tr -d '\r' <"$work/tty$n" | tr '\n' ' '))" grep -q 'interrupted' "$work/tty$n"
check "state says stopped once the terminal closed" test "$(R state "t$n" | jq -r .status)" = stopped
R delete "t$n" >/dev/null 2>&1

# Refusals, at create, with nothing left behind.
jq '.process.terminal = true' <<<"$default" >"$bundle/config.json"
check "a terminal without --console-socket is refused, naming both" \
  sh -c '! "$1" --root "$2" create --bundle "$3" nosock 2>"$4" && grep -q "process.terminal is true but no console socket" "$4"' \
  _ "$BUILD/bin/bulkhead-runtime" "$root" "$bundle" "$work/err"
jq '.process.terminal = false' <<<"$default" >"$bundle/config.json"
"$receiver" "$work/sock-idle" "$work/tty-idle" >/dev/null 2>&1 &
idle_receiver=$!
wait_for "the receiver's socket" 30 test -S "$work/sock-idle"
check "a console socket without a terminal is refused" \
  sh -c '! "$1" --root "$2" create --bundle "$3" --console-socket "$4" noterm 2>"$5" && grep -q "process.terminal is false" "$5"' \
  _ "$BUILD/bin/bulkhead-runtime" "$root" "$bundle" "$work/sock-idle" "$work/err"
kill "$idle_receiver" 2>/dev/null
jq '.process.terminal = true' <<<"$default" >"$bundle/config.json"
check "a console socket nobody listens on is refused, naming it" \
  sh -c '! "$1" --root "$2" create --bundle "$3" --console-socket "$4/absent" absent 2>"$5" && grep -q "console-socket $4/absent: No such file" "$5"' \
  _ "$BUILD/bin/bulkhead-runtime" "$root" "$bundle" "$work" "$work/err"
check "no refused container is left in the state directory" test -z "$(ls "$root" 2>/dev/null)"
jq '.process.terminal = true | .process.consoleSize = {height: 70000, width: 80}' <<<"$default" >"$bundle/config.json"
check "a consoleSize out of range is named by its path" \
  sh -c '! "$1" --root "$2" create --bundle "$3" --console-socket /nonexistent big 2>"$4" && grep -q "process.consoleSize.height: must be at most 65535" "$4"' \
  _ "$BUILD/bin/bulkhead-runtime" "$root" "$bundle" "$work/err"
done_testing
