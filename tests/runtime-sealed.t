#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CVE-2019-5736: a container process is a clone of the runtime until it
# execs, so /proc/PID/exe names the runtime's program. An attacker in the
# container holds it by path (O_PATH) and, once the process has exec'd the
# container's command, opens it for writing and overwrites the host's
# runtime. The container process of create and run points its own
# /proc/self/exe at a read-only bind mount of the runtime's file, made in its
# new mount namespace before the pivot, which detaches it (or, where none
# can be made, at a sealed memfd copy). exec, and create and run where the
# kernel refuses that switch, run the runtime through a read-only bind
# mount of its file that is mounted nowhere (switching to it, or, refused,
# executing it), or from a sealed memfd copy. The same steps find nothing
# they can write.
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
# As the kernel names it (maps, mount arguments): BUILD may name it through a link.
rt_real=$(realpath "$BUILD/bin/bulkhead-runtime")

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
  local label=$1 runtime=$2 pid exe out mounts
  shift 2
  mounts=$(wc -l </proc/self/mountinfo)
  "$@" "$runtime" --root "$root" create --bundle "$bundle" --pid-file "$work/pid" "$label"
  pid=$(<"$work/pid")
  exe=$(readlink "/proc/$pid/exe")
  echo "$exe" >"$work/exe"
  grep -cF "$(realpath "$runtime")" "/proc/$pid/maps" >"$work/maps"
  # Mounts of a file of the runtime's name in the container; mounts the
  # caller gained.
  echo "$(awk '$5 ~ /\/bulkhead-runtime$/' "/proc/$pid/mountinfo" | wc -l) $(($(wc -l </proc/self/mountinfo) - mounts))" \
    >"$work/mounts"
  out=$(attack "$pid" "$runtime" --root "$root" start "$label")
  echo "$out" >"$work/outcome"
  "$runtime" --root "$root" delete --force "$label"
}
# The runtime's directory bound into the container, recursively: the
# view, made after the config's mounts, is in no copy of it.
mkdir -p "$work/rbind"
jq --arg root "$bundle/rootfs" --arg bin "$BUILD/bin" '.root.path = $root |
  .mounts += [{destination: "/rt", type: "bind", source: $bin, options: ["rbind", "ro"]}]' \
  "$bundle/config.json" >"$work/rbind/config.json"
bundle=$work/rbind attack_created c1 "$BUILD/bin/bulkhead-runtime"
# A bind mount of the file alone: its root is the file, so the link reads "/".
check "a created container's process runs the runtime through a mount of its own, not its file ($(<"$work/exe"))" \
  test "$(<"$work/exe")" = /
check "  ... and maps nothing of that file ($(<"$work/maps") mappings)" test "$(<"$work/maps")" = 0
check "  ... making its mount writable through the held file fails ($(<"$work/remount"))" \
  test "$(<"$work/remount")" = "mount_setattr EINVAL"
check "  ... and writing it once the container's command exec'd fails: a read-only mount ($(<"$work/outcome"))" \
  test "$(<"$work/outcome")" = EROFS
check "  ... and the runtime's file is unchanged" test "$(sha256sum <"$BUILD/bin/bulkhead-runtime")" = "$before"
check "  ... and no mount of it is in the container's mount table, its directory bound there recursively, nor the caller's (container, caller: $(<"$work/mounts"))" \
  test "$(<"$work/mounts")" = "0 0"
# A caller whose mounts are shared (systemd's /): the container process's
# copies are their peers until it makes its root private, and the bind comes
# after. Nothing reaches the caller, with a private root or a slave one.
mount --make-rshared /
bundle=$work/rbind attack_created c1s "$BUILD/bin/bulkhead-runtime"
shared_private=$(<"$work/mounts")
jq '.linux.rootfsPropagation = "rslave"' "$work/rbind/config.json" >"$work/c" && mv "$work/c" "$work/rbind/config.json"
bundle=$work/rbind attack_created c1t "$BUILD/bin/bulkhead-runtime"
shared_slave=$(<"$work/mounts")
mount --make-rprivate /
check "under a caller with shared mounts, no mount of it reaches the caller, with a private root ($shared_private) or a slave one ($shared_slave)" \
  test "$shared_private $shared_slave" = "0 0 0 0"
# The container process points /proc/self/exe at its bind without
# executing itself again (PR_SET_MM_MAP): one execve, strace's of create,
# and no execveat. create itself mounts nothing of its program: a clone of
# a mount that is mounted nowhere costs an RCU grace period when it goes.
if command -v strace >/dev/null; then
  # Followed into the container process, which waits for start: the
  # trace ends when delete kills it.
  rm -f "$work/pid"
  strace -f -qq -e trace=execve,execveat,open_tree,mount -e signal=none -o "$work/exectrace" \
    "$BUILD/bin/bulkhead-runtime" --root "$root" create --bundle "$bundle" --pid-file "$work/pid" c0 &
  tracer=$!
  created() { [ "$(R state c0 2>/dev/null | jq -r .status)" = created ] && [ -s "$work/pid" ]; }
  wait_for "the traced create" 60 created
  exe=$(readlink "/proc/$(<"$work/pid")/exe")
  R delete --force c0
  wait "$tracer"
  cli=$(head -1 "$work/exectrace" | cut -d' ' -f1)
  check "create runs from the bind without executing itself again ($(grep -c 'execve' "$work/exectrace") execs: $(grep exec "$work/exectrace" | cut -c1-120 | tr '\n' ' '))" \
    eval '[ "$(grep -c execveat "$work/exectrace")" -eq 0 ] && [ "$(grep -c "execve(" "$work/exectrace")" -eq 1 ]'
  check "  ... its container process too ($exe)" test "$exe" = /
  check "  ... which bound the runtime's file in its own mount namespace ($(grep -F "MS_BIND" "$work/exectrace" | grep -F "$rt_real" | cut -c1-140))" \
    eval 'grep -F "mount(\"$rt_real\", \"$rt_real\", NULL, MS_BIND, NULL) = 0" "$work/exectrace" | grep -Evq "^$cli +"'
  # strace pads the pid to five places.
  check "  ... and create itself cloned no mount ($(grep -Ec "^$cli +open_tree" "$work/exectrace") open_tree calls of $(grep -c open_tree "$work/exectrace"))" \
    eval '! grep -Eq "^$cli +open_tree" "$work/exectrace" && grep -q "^$cli " "$work/exectrace"'
  # run's container process does the same: the trace ends with run.
  jq --arg root "$bundle/rootfs" '.root.path = $root | .process.args = ["/bin/bulkhead-probe", "exit", "0"]' \
    "$bundle/config.json" >"$work/rbind/config.json"
  strace -f -qq -e trace=execve,mount -e signal=none -o "$work/runtrace" \
    "$BUILD/bin/bulkhead-runtime" --root "$root" run --bundle "$work/rbind" c0r
  rc=$?
  cli=$(head -1 "$work/runtrace" | cut -d' ' -f1)
  check "run's container process binds the runtime's file too (exit $rc: $(grep -F MS_BIND "$work/runtrace" | grep -F "$rt_real" | cut -c1-140))" \
    eval '[ "$rc" -eq 0 ] && grep -F "mount(\"$rt_real\", \"$rt_real\", NULL, MS_BIND, NULL) = 0" "$work/runtrace" | grep -Evq "^$cli +"'
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
# Where the switch is refused, a kernel without open_tree (before 5.2) or
# mount_setattr (5.12), or a caller without CAP_SYS_ADMIN, gets no bind:
# the runtime falls back to the sealed copy, and executes it.
attack_created c2 "$BUILD/bin/bulkhead-runtime" "$without" prctl_set_mm:EPERM,open_tree
check "with PR_SET_MM refused and without open_tree, it runs from a memfd ($(<"$work/exe"))" \
  grep -q '^/memfd:bulkhead-runtime' "$work/exe"
check "  ... writing that once the command exec'd fails: the copy is sealed ($(<"$work/outcome"))" \
  test "$(<"$work/outcome")" = EPERM
# Neither: the runtime refuses to make a container process at all.
out=$("$without" prctl_set_mm:EPERM,open_tree,memfd_create "$BUILD/bin/bulkhead-runtime" --root "$root" create \
  --bundle "$bundle" c2c 2>&1)
rc=$?
check "with PR_SET_MM refused and without open_tree and memfd_create, create refuses, saying why (exit $rc: $out)" \
  eval '[ "$rc" -ne 0 ] && [[ $out == *"memfd_create"* ]] && [ ! -e "$root/c2c" ]'
attack_created c2f "$BUILD/bin/bulkhead-runtime" "$without" prctl_set_mm:EPERM,mount_setattr
check "with PR_SET_MM refused and without mount_setattr, it runs from a memfd ($(<"$work/exe"))" \
  grep -q '^/memfd:bulkhead-runtime' "$work/exe"
# Before 5.12 (no mount_setattr) the container process's bind is made
# read-only by a remount.
attack_created c2b "$BUILD/bin/bulkhead-runtime" "$without" mount_setattr
check "without mount_setattr, the container process runs from its bind all the same ($(<"$work/exe"))" \
  test "$(<"$work/exe")" = /
check "  ... which the same steps cannot write ($(<"$work/outcome"))" test "$(<"$work/outcome")" = EROFS
# The runtime's file replaced while create runs (an upgrade): the bind at
# its path would be of the new file, whose code is not what runs. A
# createRuntime hook replaces it, after the container process's mounts and
# before its bind (and deletes it for the second). The container process
# finds no bind of its own program to make, and runs from a sealed copy.
cp "$BUILD/bin/bulkhead-runtime" "$work/rt"
mkdir -p "$work/hooked"
jq --arg root "$bundle/rootfs" --arg rt "$work/rt" '.root.path = $root |
  .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "cp /bin/busybox \($rt).new && mv \($rt).new \($rt)"]}]' \
  "$bundle/config.json" >"$work/hooked/config.json"
"$work/rt" --root "$root" create --bundle "$work/hooked" --pid-file "$work/pid" c2d
pid=$(<"$work/pid")
exe=$(readlink "/proc/$pid/exe")
out=$(attack "$pid" R start c2d)
R delete --force c2d
check "the runtime's file replaced before the bind: the container process runs from a memfd ($exe)" \
  grep -q '^/memfd:bulkhead-runtime' <<<"$exe"
check "  ... which the same steps cannot write ($out)" test "$out" = EPERM
check "  ... and the file that replaced it is untouched" cmp -s /bin/busybox "$work/rt"
cp "$BUILD/bin/bulkhead-runtime" "$work/rt"
jq --arg rt "$work/rt" '.hooks.createRuntime[0].args[2] = "rm \($rt)"' "$work/hooked/config.json" >"$work/c" &&
  mv "$work/c" "$work/hooked/config.json"
out=$("$without" memfd_create "$work/rt" --root "$root" create --bundle "$work/hooked" c2e 2>&1)
rc=$?
check "deleted before the bind and without memfd_create, create refuses, saying why (exit $rc: $out)" \
  eval '[ "$rc" -ne 0 ] && [[ $out == *"deleted since the start"*"memfd_create"* ]] && [ ! -e "$root/c2e" ]'
# Another file at the runtime's path, seen by the container process (a
# bind the host made there, which reaches its namespace: a slave root under
# a shared mount): it binds nothing of that file, and runs from a memfd.
cp "$BUILD/bin/bulkhead-runtime" "$work/rt"
mount --bind "$work" "$work" && mount --make-shared "$work"
jq --arg rt "$work/rt" '.linux.rootfsPropagation = "rslave" |
  .hooks.createRuntime[0].args[2] = "mount --bind /bin/busybox \($rt)"' "$work/hooked/config.json" >"$work/c" &&
  mv "$work/c" "$work/hooked/config.json"
"$work/rt" --root "$root" create --bundle "$work/hooked" --pid-file "$work/pid" c2g
exe=$(readlink "/proc/$(<"$work/pid")/exe")
R delete --force c2g
umount "$work/rt"
umount "$work"
check "another file bound at the runtime's path before the bind: the container process runs from a memfd ($exe)" \
  grep -q '^/memfd:bulkhead-runtime' <<<"$exe"
# A user namespace's root may not open a file of the host's root: the
# runtime opens its own for the container process, which binds it where it
# can reach the path, and copies it where it cannot. (It reaches the
# rootfs through the test's directory.)
chmod 0755 "$work"
jq --arg root "$bundle/rootfs" '.root.path = $root | .linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
  "$bundle/config.json" >"$work/rbind/config.json"
bundle=$work/rbind attack_created c2h "$BUILD/bin/bulkhead-runtime"
# Reachable by the user namespace's root (as by anyone: "others") unless a
# directory above the build keeps others out; then it copies.
if setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$rt_real" 2>/dev/null; then
  check "with a user namespace, the container process runs from its bind ($(<"$work/exe"))" test "$(<"$work/exe")" = /
  check "  ... which the same steps cannot write ($(<"$work/outcome"))" test "$(<"$work/outcome")" = EROFS
else
  check "with a user namespace and a build others cannot reach, the container process runs from a memfd ($(<"$work/exe"))" \
    grep -q '^/memfd:bulkhead-runtime' "$work/exe"
  check "  ... which the same steps cannot write ($(<"$work/outcome"))" test "$(<"$work/outcome")" = EPERM
fi
# The runtime inside the container's rootfs: a bind there would stay in the
# container after the pivot. A memfd instead.
cp "$BUILD/bin/bulkhead-runtime" "$bundle/rootfs/bin/rt"
attack_created c2j "$bundle/rootfs/bin/rt"
rm "$bundle/rootfs/bin/rt"
check "a runtime inside the container's rootfs runs from a memfd ($(<"$work/exe"))" \
  grep -q '^/memfd:bulkhead-runtime' "$work/exe"
check "  ... which the same steps cannot write ($(<"$work/outcome"))" test "$(<"$work/outcome")" = EPERM
cp "$BUILD/bin/bulkhead-runtime" "$work/rt" && chmod 0700 "$work/rt"
bundle=$work/rbind attack_created c2i "$work/rt"
check "with a user namespace and a runtime only root may read, it runs from a memfd ($(<"$work/exe"))" \
  grep -q '^/memfd:bulkhead-runtime' "$work/exe"
check "  ... which the same steps cannot write ($(<"$work/outcome"))" test "$(<"$work/outcome")" = EPERM
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
check "  ... and maps nothing of the installed file ($(grep -cF "$rt_real" "/proc/$exec_cli/maps") mappings)" \
  sh -c '! grep -qF "$1" "/proc/$2/maps"' sh "$rt_real" "$exec_cli"
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
