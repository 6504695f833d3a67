#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CVE-2019-5736: a container process is a clone of the runtime until it
# execs, so /proc/PID/exe names the runtime's program. An attacker in the
# container holds it by path (O_PATH) and, once the process has exec'd the
# container's command, opens it for writing and overwrites the host's
# runtime. create, run and exec run from a sealed memfd copy of the
# runtime: the same steps find nothing they can write.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
[ -x /bin/busybox ] || skip_all "busybox is not installed (make deps installs busybox-static)"

work=$(mktemp -d)
runtime_bundle bulkhead-probe
R spec --bundle "$bundle"
jq '.process.args = ["/bin/bulkhead-probe", "sleep", "600"]' "$bundle/config.json" >"$work/c" && mv "$work/c" "$bundle/config.json"
probe=$BUILD/tests/helpers/bulkhead-probe
before=$(sha256sum <"$BUILD/bin/bulkhead-runtime")

# attack PID: holds PID's program, runs "$@" (which makes PID exec
# something else), then writes to what it holds; prints the outcome.
attack() {
  local pid=$1; shift
  rm -f "$work/go" "$work/out"
  mkfifo "$work/go"
  "$probe" write-exe-later "$pid" <"$work/go" >"$work/out" &
  local attacker=$!
  exec 9>"$work/go"
  wait_for "the attacker to hold /proc/$pid/exe" 30 grep -qx held "$work/out"
  "$@"
  echo go >&9
  exec 9>&-
  wait "$attacker"
  sed -n 2p "$work/out"
}

R create --bundle "$bundle" --pid-file "$work/pid" c1
pid=$(<"$work/pid")
exe=$(readlink "/proc/$pid/exe")
check "a created container's process runs from a memfd, not the runtime's file ($exe)" \
  grep -q '^/memfd:bulkhead-runtime' <<<"$exe"
out=$(attack "$pid" R start c1)
check "writing it once the container's command exec'd fails: the copy is sealed ($out)" test "$out" = EPERM
check "  ... the command is running ($(readlink "/proc/$pid/exe"))" grep -q bulkhead-probe <(readlink "/proc/$pid/exe")
check "  ... and the runtime's file is unchanged" test "$(sha256sum <"$BUILD/bin/bulkhead-runtime")" = "$before"
R delete --force c1

# exec's process is a clone of the exec command, which waits for it: that
# command runs from the copy too.
R run -d --bundle "$bundle" c2
rm -f "$work/line"; mkfifo "$work/line"
R exec --pid-file "$work/epid" c2 /bin/bulkhead-probe sleep 600 &
wait_for "exec's process" 30 test -s "$work/epid"
exec_cli=$(pgrep -f -- "exec --pid-file $work/epid")
check "the exec command (whose clone is exec's process) runs from a memfd ($(readlink "/proc/$exec_cli/exe"))" \
  grep -q '^/memfd:bulkhead-runtime' <(readlink "/proc/$exec_cli/exe")
R delete --force c2
wait

# The neighbour: the same steps against a program run from its file.
cp /bin/busybox "$work/sh"
"$work/sh" -c 'read line <"$1"; exec /bin/busybox sleep 600' _ "$work/line" &
plain=$!
execd_other() { [ "$(readlink "/proc/$plain/exe")" != "$work/sh" ]; }
release_plain() { echo >"$work/line"; wait_for "the plain program to exec" 30 execd_other >&2; }
wait_for "the plain program to run" 30 test "$(readlink "/proc/$plain/exe")" = "$work/sh"
out=$(attack "$plain" release_plain)
check "the same steps against a program run from its file do write it ($out)" test "$out" = ok
kill "$plain" 2>/dev/null
done_testing
