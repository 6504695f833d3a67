#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead-runtime exec, as podman exec and its health checks drive it: the
# process is in every namespace and the cgroup of the running container,
# and under its sandbox (capabilities, no_new_privs, seccomp, Landlock), or
# under the narrower one a --process file gives; its exit status is exec's,
# --detach returns once it exec'd, --pid-file names it; a command that is
# missing, and a container that is stopped or paused, are refused. The
# sandbox is the one create read (an edited bundle widens no exec); a
# state that names a host process, or a container process moved out of
# its cgroup, is refused; one moved below it is joined there. Run in
# a private mount namespace with cgroup2 on /sys/fs/cgroup, as
# tests/runtime-cgroups.t is. A terminal (--tty, --console-socket) is
# taken as conmon takes it (tests/helpers/console-receiver).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces and mount cgroup2"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
busybox=$(command -v busybox) || skip_all "busybox is not installed (make deps installs busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || skip_all "$busybox is not static (busybox-static)"
in_private_cgroup2 "$@"
cg=/sys/fs/cgroup

work=$(mktemp -d)
runtime_bundle bulkhead-probe
cp "$busybox" "$bundle/rootfs/bin/busybox"
for applet in sh ps cat echo sleep hostname chown id touch pwd kill true grep tty; do
  ln -s busybox "$bundle/rootfs/bin/$applet"
done
R spec --bundle "$bundle"
# The container writes a mark into its own /tmp (a tmpfs) and sleeps. Its
# seccomp filter answers unshare with EBUSY, which nothing else would; it
# holds CAP_CHOWN, which a narrower exec process drops.
jq '.process.args = ["/bin/sh", "-c", "echo mark >/tmp/mark; exec sleep 1000"]
  | .hostname = "exectest"
  | .process.capabilities |= map_values(. + ["CAP_CHOWN"])
  | .linux.seccomp.syscalls |= map(.names -= ["unshare"])
  | .linux.seccomp.syscalls += [{"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 16}]
  | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000},
      {"type": "RLIMIT_CORE", "soft": 1234567890123, "hard": 1234567890123}]
  | .process.user.umask = 23' \
  "$bundle/config.json" | sed 's/1234567890123/18446744073709551615/g' >"$work/config" && mv "$work/config" "$bundle/config.json"
check "the container's config keeps its own pid, network, uts and mount namespaces" \
  quietly jq -e '[.linux.namespaces[].type] | index("pid") and index("network") and index("uts") and index("mount")' \
  "$bundle/config.json"

R run -d --bundle "$bundle" c1 2>"$work/err"
running=$(R state c1 | jq -r .status)
check "the container runs ($(cat "$work/err"))" test "$running" = running
[ "$running" = running ] || { done_testing; exit; }
# The container's process as --process files start from it (jq cannot
# write 2^64-1: without rlimits, the container's stay).
process=$(jq '.process | del(.rlimits)' "$bundle/config.json")
pid=$(R state c1 | jq -r .pid)
cgdir=$cg/bulkhead-runtime/c1
marked() { R exec c1 cat /tmp/mark >/dev/null 2>&1; }
wait_for "the container to write its mark" 60 marked

# ---- namespaces and cgroup ----
out=$(R exec c1 hostname 2>&1)
check "exec sees the container's hostname ($out)" test "$out" = exectest
out=$(R exec c1 cat /tmp/mark 2>&1)
check "exec sees the file the container wrote in its tmpfs: its mount namespace ($out)" test "$out" = mark
R exec c1 ps -o pid,args >"$work/ps" 2>&1
check "ps in exec shows the container's command as pid 1: its pid namespace" \
  grep -qE '^ +1 +sleep 1000$' "$work/ps"
for ns in pid net mnt uts ipc cgroup; do
  out=$(R exec c1 bulkhead-probe ns "$ns" 2>&1)
  check "exec is in the container's $ns namespace ($out)" test "$out" = "$(readlink "/proc/$pid/ns/$ns")"
done
check "  ... which is not the host's network namespace" test "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)"
out=$(R exec c1 grep '^0::' /proc/self/cgroup 2>&1)
check "from inside, exec is at the root of the container's cgroup namespace ($out)" test "$out" = 0::/

# ---- detach, pid file, cgroup from the host ----
R exec --detach --pid-file "$work/exec.pid" c1 sleep 1000 2>"$work/err"
check "exec --detach returns 0 ($(cat "$work/err"))" test $? -eq 0
epid=$(cat "$work/exec.pid" 2>/dev/null)
check "  ... --pid-file names a live process ($epid)" kill -0 "${epid:-0}"
IFS= read -r -d '' argv0 <"/proc/$epid/cmdline"
check "  ... that had exec'd the command when exec returned ($argv0)" test "$argv0" = sleep
check "  ... and is in the container's cgroup, from the host ($cgdir/cgroup.procs)" grep -qx "$epid" "$cgdir/cgroup.procs"
check "  ... in the host's pid namespace's numbering: not the container's" test "$epid" -gt 1
kill -9 "$epid"

# ---- exit status, signals ----
R exec c1 sh -c 'exit 7'
check "exec's exit status is the command's (sh -c 'exit 7': $?)" test $? -eq 7
R exec c1 sh -c 'kill -9 $$'
check "a command killed by SIGKILL makes exec exit 137 ($?)" test $? -eq 137
R exec c1 sleep 1000 &
waiter=$!
sleeping() { [ "$(grep -c . "$cgdir/cgroup.procs")" -ge 2 ]; }
wait_for "the exec'd sleep to join the cgroup" 60 sleeping
kill -TERM "$waiter"
wait "$waiter"
check "SIGTERM to exec is forwarded to its process: exec exits 143 ($?)" test $? -eq 143

# ---- a command that cannot run ----
R exec c1 no-such-command 2>"$work/err"
check "exec of a missing command exits 127 ($?)" test $? -eq 127
check "  ... and says so ($(cat "$work/err"))" grep -q "exec no-such-command: executable file not found in the container's PATH" "$work/err"
R exec c1 /tmp/mark 2>"$work/err"
check "exec of a file that is not executable exits 126 ($?)" test $? -eq 126

# ---- the process's settings ----
out=$(R exec --user 1000 c1 id 2>&1)
check "exec --user 1000 runs as uid 1000, gid 0 ($out)" test "$out" = "uid=1000 gid=0"
out=$(R exec -u 1000:1000 c1 id 2>&1)
check "exec -u 1000:1000 sets the group too ($out)" test "$out" = "uid=1000 gid=1000"
out=$(R exec c1 bulkhead-probe rlimit NOFILE 2>&1)
check "exec gets the container's rlimits, not the caller's ($out)" test "$out" = "512 1000"
out=$(R exec c1 bulkhead-probe rlimit CORE 2>&1)
check "  ... unlimited as the spec writes it too ($out)" test "$out" = "18446744073709551615 18446744073709551615"
out=$(R exec c1 bulkhead-probe umask 2>&1)
check "  ... and its umask ($out)" test "$out" = 0027
out=$(R exec -u 1000 c1 bulkhead-probe umask 2>&1)
check "  ... which --user keeps ($out)" test "$out" = 0027
jq '.args = ["/bin/bulkhead-probe", "rlimit", "NOFILE"] | .rlimits = [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": 64}]' \
  <<<"$process" >"$work/rlimit.json"
out=$(R exec --process "$work/rlimit.json" c1 2>&1)
check "  ... while a process file's own rlimits replace them ($out)" test "$out" = "64 64"
out=$(R exec --env GREETING=hello --cwd /tmp c1 sh -c 'echo "$GREETING $(pwd)"' 2>&1)
check "exec --env and --cwd reach the process ($out)" test "$out" = "hello /tmp"

# Capabilities: the container's set (with CAP_CHOWN) unless the process
# file gives a narrower one.
R exec c1 sh -c 'touch /tmp/owned && chown 1000 /tmp/owned' 2>"$work/err"
check "exec with the container's capabilities may chown ($(cat "$work/err"))" test $? -eq 0
jq '.args = ["/bin/chown", "1001", "/tmp/owned"] | .capabilities |= map_values(. - ["CAP_CHOWN"])' \
  <<<"$process" >"$work/nochown.json"
R exec --process "$work/nochown.json" c1 2>"$work/err"
check "exec --process without CAP_CHOWN may not chown (exit $?)" grep -q 'Operation not permitted' "$work/err"
check "  ... and the file kept its owner" test "$(R exec c1 bulkhead-probe owner /tmp/owned)" = 1000:0
jq '.args = ["/bin/bulkhead-probe", "status", "CapEff"]' <<<"$process" >"$work/capeff.json"
out=$(R exec --process "$work/capeff.json" c1 2>&1)
check "exec --process with the container's set has its capabilities effective ($out)" test "$out" = 0000000020000421
jq '.args = ["/bin/bulkhead-probe", "status", "CapEff"] | .capabilities |= map_values(. - ["CAP_CHOWN"])' \
  <<<"$process" >"$work/capeff.json"
out=$(R exec --process "$work/capeff.json" c1 2>&1)
check "  ... and without CAP_CHOWN only the others ($out)" test "$out" = 0000000020000420
out=$(R exec --cap CAP_SYS_ADMIN c1 bulkhead-probe status CapBnd 2>&1)
check "exec --cap adds a capability to the bounding set ($out)" test "$out" = 0000000020200421

# seccomp and no_new_privs.
out=$(R exec c1 bulkhead-probe syscall unshare-net 2>&1)
check "exec gets the container's seccomp filter: unshare fails with its errnoRet, EBUSY ($out)" test "$out" = EBUSY
out=$(R exec c1 bulkhead-probe status NoNewPrivs 2>&1)
check "exec follows noNewPrivileges true: NoNewPrivs 1 ($out)" test "$out" = 1
jq '.args = ["/bin/bulkhead-probe", "status", "NoNewPrivs"] | .noNewPrivileges = false' <<<"$process" >"$work/nnp.json"
out=$(R exec --process "$work/nnp.json" c1 2>&1)
check "exec --process with noNewPrivileges false: NoNewPrivs 0 ($out)" test "$out" = 0
jq '.args = ["/bin/bulkhead-probe", "syscall", "unshare-net"] | .noNewPrivileges = false' <<<"$process" >"$work/nnp.json"
out=$(R exec --process "$work/nnp.json" c1 2>&1)
check "  ... and still the filter: EBUSY ($out)" test "$out" = EBUSY
# Landlock: the config's rules allow writing only below /tmp and /dev.
# /dev/shm is a writable tmpfs, where the rules allow writing to files
# but not making them.
out=$(R exec c1 bulkhead-probe write /dev/shm/written 2>&1)
check "exec gets the container's Landlock rules: making a file in /dev/shm is refused ($out)" test "$out" = EACCES
out=$(R exec c1 bulkhead-probe write /tmp/written 2>&1)
check "  ... and inside /tmp allowed ($out)" test "$out" = ok
jq '.args = ["/bin/bulkhead-probe", "write", "/dev/shm/written"] | del(.landlock)' <<<"$process" >"$work/ll.json"
out=$(R exec --process "$work/ll.json" c1 2>&1)
check "  ... and a process file without landlock keeps them, as podman's has none ($out)" test "$out" = EACCES
jq '.args = ["/bin/bulkhead-probe", "write", "/dev/shm/written"]
  | .landlock.rules.pathBeneath += [{"allowedAccess": ["make_reg", "write_file"], "paths": ["/dev/shm"]}]' \
  <<<"$process" >"$work/ll.json"
out=$(R exec --process "$work/ll.json" c1 2>&1)
check "  ... while one with its own rules gets those: there the write is allowed ($out)" test "$out" = ok

# ---- what is refused ----
jq '.user.uid = "root"' <<<"$process" >"$work/bad.json"
R exec --process "$work/bad.json" c1 2>"$work/err"
check "a wrong member of the process file is refused (exit $?), named ($(cat "$work/err"))" \
  grep -qF "exec: --process $work/bad.json: process: user.uid:" "$work/err"
R exec --process "$work/capeff.json" c1 true 2>"$work/err"
check "--process with a COMMAND is refused (exit $?)" grep -q 'gives the whole process' "$work/err"

# ---- a terminal: --tty with --console-socket, as conmon passes them ----
receiver=$BUILD/tests/helpers/console-receiver
# on_terminal N ARGS...: R exec ARGS with a receiver on socket N (in
# conmon's place), which types the pairs WAIT SEND of $typed; waits for
# the terminal to close. Output in $work/ttyN.
typed=()
on_terminal() {
  local n=$1; shift
  "$receiver" "$work/sock$n" "$work/tty$n" "${typed[@]}" >"$work/recv$n" 2>&1 &
  local receiver_pid=$!
  wait_for "the receiver's socket" 30 test -S "$work/sock$n" || return 1
  R exec --console-socket "$work/sock$n" "$@" 2>"$work/err$n"
  local status=$?
  wait_for "the terminal to close" 60 gone "$receiver_pid"
  wait "$receiver_pid"
  return "$status"
}
on_terminal 1 --tty c1 sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-three-are-ttys; exit 5'
status=$?
check "exec --tty --console-socket exits with the command's status (exit $status$(cat "$work/err1"))" test "$status" -eq 5
check "  ... the receiver got the master ($(cat "$work/recv1"))" grep -q '^received /dev/pts/' "$work/recv1"
check "  ... a pty of the container's devpts is the command's stdio ($(tr -d '\r' <"$work/tty1" | tr '\n' ' '))" \
  grep -q all-three-are-ttys "$work/tty1"
check "  ... named /dev/pts/N inside the container" grep -q '^/dev/pts/[0-9]' "$work/tty1"
jq '.args = ["/bin/sh", "-c", "tty"] | .terminal = true' <<<"$process" >"$work/tty.json"
on_terminal 2 --detach --tty --pid-file "$work/tty.pid" --process "$work/tty.json" c1
check "exec --detach --tty --process, as conmon runs it, succeeds ($(cat "$work/err2"))" test $? -eq 0
check "  ... and the command wrote to the terminal" grep -q '^/dev/pts/' "$work/tty2"
# ^C is the line discipline's SIGINT to the foreground process group: it
# arrives only if the pty is the exec'd session's controlling terminal.
typed=(ready '\003')
on_terminal 3 --tty c1 sh -c 'trap "echo interrupted; exit 3" INT; echo ready; while :; do sleep 1; done'
status=$?
typed=()
check "^C typed on exec's terminal reaches the command as SIGINT (exit $status: $(tr -d '\r' <"$work/tty3" | tr '\n' ' '))" \
  grep -q interrupted "$work/tty3"
R exec --tty --process "$work/capeff.json" c1 2>"$work/err"
check "--tty with a process file whose terminal is false is refused (exit $?)" \
  grep -q "exec: --tty, but the terminal of --process $work/capeff.json is not true" "$work/err"
R exec --tty c1 true 2>"$work/err"
check "--tty without --console-socket is refused (exit $?)" grep -q 'process.terminal is true but no console socket' "$work/err"
R pause c1
R exec c1 true 2>"$work/err"
check "exec into a paused container is refused (exit $?)" grep -q 'container "c1" is paused; exec needs a running container (resume it first)' "$work/err"
R resume c1
kill -9 "$pid"
wait_for "the container's process to end" 60 gone "$pid"
R exec c1 true 2>"$work/err"
check "exec into a stopped container is refused (exit $?)" grep -q 'container "c1" is stopped; exec needs a running container' "$work/err"
R exec never-made true 2>"$work/err"
check "exec into a container that does not exist says so" grep -q 'container "never-made" does not exist' "$work/err"
R delete --force c1

# ---- a precompiled filter (run.bulkhead.seccomp.bpf), as bulkhead build
# writes one: exec loads that program, as start does, not the rules ----
# x86_64 classic BPF: unshare (272) fails with EBUSY, everything else runs.
perl -e 'print pack("vCCV", 0x20, 0, 0, 0), pack("vCCV", 0x15, 0, 1, 272),
  pack("vCCV", 0x06, 0, 0, 0x00050010), pack("vCCV", 0x06, 0, 0, 0x7fff0000)' >"$bundle/filter.bpf"
jq 'del(.process.rlimits) | .annotations["run.bulkhead.seccomp.bpf"] = "filter.bpf"
  | .linux.seccomp.syscalls |= map(select(.names != ["unshare"]))' \
  "$bundle/config.json" >"$work/config" && mv "$work/config" "$bundle/config.json"
R run -d --bundle "$bundle" b1 2>"$work/err"
check "a container with a compiled filter runs ($(cat "$work/err"))" test "$(R state b1 | jq -r .status)" = running
out=$(R exec b1 bulkhead-probe syscall unshare-net 2>&1)
check "exec loads the compiled program: unshare fails with its EBUSY, not the rules' EPERM ($out)" test "$out" = EBUSY
check "  ... kept in the state beside the config" test -f "$root/b1/config/filter.bpf"
R delete --force b1
check "  ... and delete removes the state with it" test ! -e "$root/b1"
jq 'del(.annotations["run.bulkhead.seccomp.bpf"])' "$bundle/config.json" >"$work/config" && mv "$work/config" "$bundle/config.json"
R run -d --bundle "$bundle" b2 2>"$work/err"
out=$(R exec b2 bulkhead-probe syscall unshare-net 2>&1)
check "  ... where the same config's rules alone answer EPERM ($out)" test "$out" = EPERM
R delete --force b2

# ---- exec takes the sandbox create applied, not the bundle's as it is now ----
cp "$bundle/config.json" "$work/before-edit.json"
jq '.annotations["run.bulkhead.seccomp.bpf"] = "filter.bpf"' "$work/before-edit.json" >"$bundle/config.json"
R run -d --bundle "$bundle" a1 2>"$work/err"
check "a container to edit the bundle of runs ($(cat "$work/err"))" test "$(R state a1 | jq -r .status)" = running
capeff=$(R exec a1 bulkhead-probe status CapEff 2>&1)
# Dropped: linux.seccomp and its compiled filter (the file now allows
# everything), no_new_privs; added: CAP_SYS_ADMIN to every set.
jq 'del(.linux.seccomp) | del(.annotations["run.bulkhead.seccomp.bpf"]) | .process.noNewPrivileges = false
  | .process.capabilities |= map_values(. + ["CAP_SYS_ADMIN"])' "$work/before-edit.json" >"$bundle/config.json"
perl -e 'print pack("vCCV", 0x06, 0, 0, 0x7fff0000)' >"$bundle/filter.bpf"
out=$(R exec a1 bulkhead-probe status Seccomp 2>&1)
check "after the bundle's config.json dropped seccomp, exec is still filtered: Seccomp 2 ($out)" test "$out" = 2
out=$(R exec a1 bulkhead-probe syscall unshare-net 2>&1)
check "  ... by the compiled filter create read, not the rewritten file: EBUSY ($out)" test "$out" = EBUSY
out=$(R exec a1 bulkhead-probe status NoNewPrivs 2>&1)
check "  ... still NoNewPrivs 1, though the edit says false ($out)" test "$out" = 1
out=$(R exec a1 bulkhead-probe status CapEff 2>&1)
check "  ... and the capabilities create applied, without the added CAP_SYS_ADMIN ($out)" test "$out" = "$capeff"
R run -d --bundle "$bundle" a2 2>"$work/err"
check "a container created from the edited bundle runs ($(cat "$work/err"))" test "$(R state a2 | jq -r .status)" = running
out=$(R exec a2 bulkhead-probe status Seccomp 2>&1)
check "  ... and its exec has the edit's values: Seccomp 0 ($out)" test "$out" = 0
out=$(R exec a2 bulkhead-probe status NoNewPrivs 2>&1)
check "  ... NoNewPrivs 0 ($out)" test "$out" = 0
out=$(R exec a2 bulkhead-probe status CapEff 2>&1)
check "  ... CAP_SYS_ADMIN effective ($out)" test "$(( 0x${out:-0} & 0x200000 ))" -ne 0
R delete --force a2
mv "$root/a1/config" "$work/a1-config"
R exec a1 touch /tmp/ran 2>"$work/err"
check "a container whose state has no config snapshot (an older runtime's) is refused (exit $?)" \
  grep -q 'recreate it' "$work/err"
mv "$work/a1-config" "$root/a1/config"
check "  ... which runs again once the snapshot is back" quietly R exec a1 true
check "  ... where the refused command had not run" quietly R exec a1 sh -c '[ ! -e /tmp/ran ]'
cp "$work/before-edit.json" "$bundle/config.json"

# ---- a pid that is not the container's: refused ----
apid=$(R state a1 | jq -r .pid)
cp "$root/a1/state.json" "$work/state.json"
sleep 1000 &
host_sleep=$!
host_start=$(sed 's/^.*) //' "/proc/$host_sleep/stat" | cut -d' ' -f20)
jq --argjson pid "$host_sleep" --argjson start "$host_start" '.pid = $pid | .startTime = $start' \
  "$work/state.json" >"$root/a1/state.json"
check "a state forged to name a host process with its start time reads as running" \
  test "$(R state a1 | jq -r .status)" = running
R exec a1 sh -c "echo ran >$work/forged" 2>"$work/err"
check "exec into it is refused (exit $?), naming a namespace the container made ($(cat "$work/err"))" \
  grep -q "is in the caller's own mnt namespace, but the container made one of its own" "$work/err"
check "  ... and the command did not run on the host" test ! -e "$work/forged"
kill -9 "$host_sleep"
wait "$host_sleep" 2>/dev/null
cp "$work/state.json" "$root/a1/state.json"
out=$(R exec a1 hostname 2>&1)
check "  ... while the real state's exec runs in the container ($out)" test "$out" = exectest

# ---- a container that moved its process below its cgroup ----
acg=$cg/bulkhead-runtime/a1
mkdir "$acg/sub"
echo "$apid" >"$acg/sub/cgroup.procs"
# With no process left in it, the container's cgroup may enable a
# controller for its children: then nothing can join it any more.
controller=$(cut -d' ' -f1 "$acg/cgroup.controllers")
[ -z "$controller" ] || echo "+$controller" >"$acg/cgroup.subtree_control"
out=$(R exec a1 grep '^0::' /proc/self/cgroup 2>&1)
check "exec joins the sub-cgroup the container's process is in ($out; controller ${controller:-none})" test "$out" = 0::/sub
R exec -d --pid-file "$work/sub.pid" a1 sleep 1000
out=$(grep '^0::' "/proc/$(cat "$work/sub.pid")/cgroup")
check "  ... as the host sees it ($out)" test "$out" = 0::/bulkhead-runtime/a1/sub
kill -9 "$(cat "$work/sub.pid")"
mkdir "$cg/bulkhead-runtime/outside-a1"
echo "$apid" >"$cg/bulkhead-runtime/outside-a1/cgroup.procs"
R exec a1 sh -c "echo ran >$work/outside" 2>"$work/err"
check "a container process moved outside its cgroup is refused (exit $?): $(cat "$work/err")" \
  grep -q "outside the container's cgroup /bulkhead-runtime/a1" "$work/err"
check "  ... and nothing ran" test ! -e "$work/outside"
[ -z "$controller" ] || echo "-$controller" >"$acg/cgroup.subtree_control"
echo "$apid" >"$acg/cgroup.procs"
rmdir "$cg/bulkhead-runtime/outside-a1" "$acg/sub"
R delete --force a1

# ---- a container with a user namespace: joined first ----
chmod 755 "$work" # the rootfs must be reachable by the container's root, host uid 100000
jq '.linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
  "$bundle/config.json" >"$work/config" && mv "$work/config" "$bundle/config.json"
R run -d --bundle "$bundle" u1 2>"$work/err"
check "a container with a user namespace runs ($(cat "$work/err"))" test "$(R state u1 | jq -r .status)" = running
upid=$(R state u1 | jq -r .pid)
out=$(R exec u1 bulkhead-probe ns user 2>&1)
check "exec is in its user namespace ($out)" test "$out" = "$(readlink "/proc/$upid/ns/user")"
R exec -d --pid-file "$work/u.pid" u1 sleep 1000
out=$(awk '/^Uid:/ { print $2 }' "/proc/$(cat "$work/u.pid")/status")
check "  ... as its root, the host's uid 100000 ($out)" test "$out" = 100000
out=$(R exec u1 id 2>&1)
check "  ... which is uid 0 inside ($out)" test "$out" = "uid=0 gid=0"
R delete --force u1

R --help >"$work/help"
check "--help documents exec" grep -q 'exec \[OPTIONS\] ID \[COMMAND ARGS...\]' "$work/help"
done_testing
