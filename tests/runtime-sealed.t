#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CVE-2019-5736: a container process is a clone of the runtime until it
# execs, so /proc/PID/exe names the runtime's program. An attacker in the
# container holds it by path (O_PATH) and, once the process has exec'd the
# container's command, opens it for writing and overwrites the host's
# runtime. create, run and exec run the runtime through a read-only bind
# mount of its file that is mounted nowhere (pointing their own
# /proc/self/exe at it, or, where the kernel refuses that, executing it),
# or, where that cannot be made, from a sealed memfd copy: the same steps
# find nothing they can write.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
[ -x /bin/busybox ] || skip_all "busybox is not installed (make deps installs busybox-static)"
# Private: the read-only bind below stays the test's own.
in_private_cgroup2 "$@"

work=$(mktemp -d)
runtime_bundle bulkhead-probe
R spec --bundle "$bundle"
jq '.process.args = ["/bin/bulkhead-probe", "sleep", "600"]' "$bundle/config.json" >"$work/c" && mv "$work/c" "$bundle/config.json"
probe=$BUILD/tests/helpers/bulkhead-probe
without=$BUILD/tests/helpers/without-syscall
[ -x "$without" ] || skip_all "no $without (make check builds it)"
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
  sed -n 3p "$work/out" >"$work/remount"
}

# attack_created LABEL RUNTIME [WRAPPER...]: creates a container with
# RUNTIME (run by WRAPPER), checks what its process runs from, attacks it
# through start, and says so.
attack_created() {
  local label=$1 runtime=$2 pid exe out
  shift 2
  "$@" "$runtime" --root "$root" create --bundle "$bundle" --pid-file "$work/pid" "$label"
  pid=$(<"$work/pid")
  exe=$(readlink "/proc/$pid/exe")
  echo "$exe" >"$work/exe"
  grep -cF "$runtime" "/proc/$pid/maps" >"$work/maps"
  out=$(attack "$pid" "$runtime" --root "$root" start "$label")
  echo "$out" >"$work/outcome"
  "$runtime" --root "$root" delete --force "$label"
}
attack_created c1 "$BUILD/bin/bulkhead-runtime"
# A bind mount of the file alone: its root is the file, so the link reads "/".
check "a created container's process runs the runtime through a mount of its own, not its file ($(<"$work/exe"))" \
  test "$(<"$work/exe")" = /
check "  ... and maps nothing of that file ($(<"$work/maps") mappings)" test "$(<"$work/maps")" = 0
check "  ... making its mount writable fails: the mount is in no namespace ($(<"$work/remount"))" \
  test "$(<"$work/remount")" = "mount_setattr EINVAL"
check "  ... and writing it once the container's command exec'd fails: a read-only mount ($(<"$work/outcome"))" \
  test "$(<"$work/outcome")" = EROFS
check "  ... and the runtime's file is unchanged" test "$(sha256sum <"$BUILD/bin/bulkhead-runtime")" = "$before"
# The runtime points /proc/self/exe at the bind without executing itself
# again (PR_SET_MM_MAP): one execve, strace's of it, and no execveat.
if command -v strace >/dev/null; then
  strace -qq -e trace=execve,execveat -e signal=none -o "$work/exectrace" \
    "$BUILD/bin/bulkhead-runtime" --root "$root" create --bundle "$bundle" --pid-file "$work/pid" c0
  exe=$(readlink "/proc/$(<"$work/pid")/exe")
  R delete --force c0
  check "create runs from the bind without executing itself again ($(grep -c 'execve' "$work/exectrace") execs: $(cut -c1-120 "$work/exectrace" | tr '\n' ' '))" \
    eval '[ "$(grep -c execveat "$work/exectrace")" -eq 0 ] && [ "$(grep -c "execve(" "$work/exectrace")" -eq 1 ]'
  check "  ... its container process too ($exe)" test "$exe" = /
  # Refused that (PR_SET_MM_MAP needs CAP_SYS_ADMIN or
  # CAP_CHECKPOINT_RESTORE; a kernel without CONFIG_CHECKPOINT_RESTORE has
  # none), it executes itself from the bind instead.
  strace -qq -e trace=execveat -e signal=none -o "$work/exectrace" "$without" prctl_set_mm:EPERM \
    "$BUILD/bin/bulkhead-runtime" --root "$root" create --bundle "$bundle" --pid-file "$work/pid" c0b
  exe=$(readlink "/proc/$(<"$work/pid")/exe")
  R delete --force c0b
  check "with prctl(PR_SET_MM) refused, create executes itself from the bind ($(cut -c1-100 "$work/exectrace"))" \
    grep -q 'execveat(.*AT_EMPTY_PATH) = 0' "$work/exectrace"
  check "  ... and its container process runs from there ($exe)" test "$exe" = /
else
  not_ok "strace is not installed (make deps installs it)"
fi
attack_created c1b "$BUILD/bin/bulkhead-runtime" "$without" prctl_set_mm:EPERM
check "attacked with prctl(PR_SET_MM) refused: writing fails all the same ($(<"$work/outcome"))" \
  test "$(<"$work/outcome")" = EROFS
# A kernel without open_tree (before 5.2) or mount_setattr (5.12), or a
# caller without CAP_SYS_ADMIN, gets no bind: the runtime falls back to
# the sealed copy.
attack_created c2 "$BUILD/bin/bulkhead-runtime" "$without" open_tree
check "without open_tree, it runs from a memfd ($(<"$work/exe"))" grep -q '^/memfd:bulkhead-runtime' "$work/exe"
check "  ... writing that once the command exec'd fails: the copy is sealed ($(<"$work/outcome"))" \
  test "$(<"$work/outcome")" = EPERM
attack_created c2b "$BUILD/bin/bulkhead-runtime" "$without" mount_setattr
check "without mount_setattr, it runs from a memfd too ($(<"$work/exe"))" grep -q '^/memfd:bulkhead-runtime' "$work/exe"
# Neither: the runtime refuses to make a container process at all.
out=$("$without" open_tree,memfd_create "$BUILD/bin/bulkhead-runtime" --root "$root" create --bundle "$bundle" c2c 2>&1)
rc=$?
check "without open_tree and memfd_create, create refuses, saying why (exit $rc: $out)" \
  eval '[ "$rc" -ne 0 ] && [[ $out == *"memfd_create"* ]] && [ ! -e "$root/c2c" ]'
# Installed on a read-only mount, the runtime needs neither.
mkdir -p "$work/ro" && cp "$BUILD/bin/bulkhead-runtime" "$work/ro/" && mount --bind -o ro "$work/ro" "$work/ro" &&
  mount -o remount,bind,ro "$work/ro"
attack_created c3 "$work/ro/bulkhead-runtime"
check "on a read-only mount it runs from its file ($(<"$work/exe"))" test "$(<"$work/exe")" = "$work/ro/bulkhead-runtime"
check "  ... which the same steps cannot write either ($(<"$work/outcome"))" test "$(<"$work/outcome")" = EROFS
umount "$work/ro"

# exec's process is a clone of the exec command, which waits for it: that
# command runs from the copy too.
R run -d --bundle "$bundle" c2
rm -f "$work/line"; mkfifo "$work/line"
R exec --pid-file "$work/epid" c2 /bin/bulkhead-probe sleep 600 &
wait_for "exec's process" 30 test -s "$work/epid"
exec_cli=$(pgrep -f -- "exec --pid-file $work/epid")
check "the exec command (whose clone is exec's process) runs through its read-only mount ($(readlink "/proc/$exec_cli/exe"))" \
  test "$(readlink "/proc/$exec_cli/exe")" = /
check "  ... and maps nothing of the installed file ($(grep -c "$BUILD/bin/bulkhead-runtime" "/proc/$exec_cli/maps") mappings)" \
  sh -c '! grep -q "$1" "/proc/$2/maps"' sh "$BUILD/bin/bulkhead-runtime" "$exec_cli"
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
