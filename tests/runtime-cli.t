#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead-runtime's OCI command line, driven as crun or runc would be:
# the create/start/state/kill/delete lifecycle, run, spec and features,
# and bad input that must leave nothing behind.
. "$(dirname "$0")/lib.sh"
needs_root_and_jq

work=$(mktemp -d)
# A bundle from `spec`, with the probe as its only program.
runtime_bundle bulkhead-probe
R spec --bundle "$bundle"
check "spec writes a config.json" test -s "$bundle/config.json"
echo '{"mine": true}' >"$bundle/config.json"
R spec --bundle "$bundle" 2>"$work/err"
check "spec refuses to overwrite an existing config.json" sh -c "test $? -eq 125 && grep -qx '{\"mine\": true}' '$bundle/config.json'"
rm "$bundle/config.json" && R spec --bundle "$bundle"
check "spec's default grants no_new_privs" test "$(jq .process.noNewPrivileges "$bundle/config.json")" = true
check "spec's default seccomp profile is an allow-list (defaultAction errno)" \
  test "$(jq -r .linux.seccomp.defaultAction "$bundle/config.json")" = SCMP_ACT_ERRNO
check "  ... which does not name mount" \
  quietly jq -e '[.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index("mount") == null' "$bundle/config.json"
check "  ... but names read and execve" \
  quietly jq -e '[.linux.seccomp.syscalls[0].names[]] | (index("read") != null and index("execve") != null)' "$bundle/config.json"
default=$(cat "$bundle/config.json")
set_args() { jq --argjson args "$1" '.process.args = $args' <<<"$default" >"$bundle/config.json"; }

# create leaves the process set up but waiting: it has not exec'd yet.
set_args '["/bin/bulkhead-probe", "write", "/tmp/started"]'
R create --bundle "$bundle" --pid-file "$work/pid" c1 >"$work/c1.out" 2>&1
check "create exits 0" test $? -eq 0
pid=$(cat "$work/pid" 2>/dev/null)
check "create writes the pid file" test -n "$pid"
check "state says created" test "$(R state c1 | jq -r .status)" = created
check "state gives the pid" test "$(R state c1 | jq -r .pid)" = "$pid"
check "state gives the bundle" test "$(R state c1 | jq -r .bundle)" = "$bundle"
check "the created process has not exec'd the command" grep -q bulkhead-runtime "/proc/$pid/cmdline"
# The bundle by its real path however it was named (here relative, through
# a link), and a rootfs named through a link is taken where it leads.
ln -s "$bundle" "$work/bundle-link"
ln -s rootfs "$bundle/rootfs-link"
(cd "$work" && R create --bundle bundle-link c0 2>"$work/err")
check "state gives the bundle's real path when it was named through a link ($(R state c0 | jq -r .bundle))" \
  test "$(R state c0 | jq -r .bundle)" = "$bundle"
R delete --force c0
jq '.root.path = "rootfs-link" | .process.args = ["/bin/bulkhead-probe", "mountinfo", "/"]' \
  <<<"$default" >"$bundle/config.json"
out=$(R run --bundle "$bundle" c0 2>"$work/err")
check "a rootfs named through a link runs the container ($(cat "$work/err"))" test -n "$out" -a ! -s "$work/err"
root_from=$(awk '$5 == "/" { print $4 }' <<<"$out")
check "  ... its / the rootfs ($out)" test "${root_from%/bundle/rootfs}" != "$root_from"
set_args '["/bin/bulkhead-probe", "write", "/tmp/started"]'
R create --bundle "$bundle" c1 2>"$work/err"
check "a second create with the same ID is refused" grep -q 'container "c1" already exists' "$work/err"

R start c1
check "start exits 0" test $? -eq 0
stopped() { [ "$(R state "$1" | jq -r .status)" = stopped ]; }
wait_for "c1 to stop" 60 stopped c1
check "after start the command ran (its output: $(cat "$work/c1.out"))" grep -qx ok "$work/c1.out"
check "state says stopped once it exited" test "$(R state c1 | jq -r .status)" = stopped
R start c1 2>"$work/err"
check "starting a stopped container is refused" grep -q 'is stopped; only a created container can be started' "$work/err"
R delete c1
check "delete of a stopped container removes its state" test ! -e "$root/c1"
R state c1 2>"$work/err"
check "state of a deleted container says it does not exist" grep -q 'container "c1" does not exist' "$work/err"

# kill of a created-but-not-started container
R create --bundle "$bundle" c2 >/dev/null 2>&1
pid=$(R state c2 | jq -r .pid)
R kill c2 KILL
check "kill KILL of a created container stops it" wait_for "c2 to stop" 60 stopped c2
R delete c2
check "  ... and delete then removes it" test ! -e "$root/c2"

# delete of a running container: refused without --force, done with it
set_args '["/bin/bulkhead-probe", "sleep", "1000"]'
R create --bundle "$bundle" c3 >/dev/null 2>&1 && R start c3
pid=$(R state c3 | jq -r .pid)
check "a sleeping container is running" test "$(R state c3 | jq -r .status)" = running
R delete c3 2>"$work/err"
check "delete of a running container without --force is refused" \
  grep -q 'container "c3" is running; stop it first or use delete --force' "$work/err"
check "  ... and leaves it running" kill -0 "$pid"
R delete --force c3
check "delete --force of a running container succeeds" test $? -eq 0
check "  ... the process is gone" gone "$pid"
check "  ... and so is its state" test ! -e "$root/c3"

# run: create, start, wait, delete; the container's status is ours
set_args '["/bin/bulkhead-probe", "exit", "3"]'
R run --bundle "$bundle" r1
check "run exits with the container's status (3)" test $? -eq 3
check "run leaves no state behind" test ! -e "$root/r1"
set_args '["/bin/bulkhead-probe", "syscall", "mount"]'
check "run under spec's default: mount is refused with EPERM" test "$(R run --bundle "$bundle" r2)" = EPERM
set_args '["/bin/bulkhead-probe", "syscall", "socket-alg"]'
check "run under spec's default: socket(AF_ALG) is refused with EPERM" test "$(R run --bundle "$bundle" r3)" = EPERM
set_args '["/bin/bulkhead-probe", "syscall", "socket-inet"]'
check "run under spec's default: socket(AF_INET) works" test "$(R run --bundle "$bundle" r4)" = ok
set_args '["/bin/bulkhead-probe", "syscall", "unknown"]'
check "run under spec's default: an unnamed syscall gets EPERM, not ENOSYS" test "$(R run --bundle "$bundle" r5)" = EPERM

# bad input: the exact error, exit 125, nothing left behind
jq '.process.capabilities.bounding += ["CAP_FOO"]' <<<"$default" >"$bundle/config.json"
R create --bundle "$bundle" bad 2>"$work/err"
check "a bad capability exits 125" test $? -eq 125
check "  ... naming the JSON path" grep -qF 'config.json: process.capabilities.bounding[3]: unknown capability "CAP_FOO"' "$work/err"
check "  ... and leaving no state directory" test ! -e "$root/bad"
set_args '["/bin/no-such-command"]'
R create --bundle "$bundle" bad 2>"$work/err"
check "a missing command is reported at create" grep -qF "exec /bin/no-such-command: not found in the container's rootfs" "$work/err"
check "  ... and leaves no state directory" test ! -e "$root/bad"
R create --bundle "$bundle" "../escape" 2>"$work/err"
check "an ID with a slash is refused" grep -q 'invalid container ID' "$work/err"
R --log "$work/log.json" --log-format json state missing 2>/dev/null
check "--log-format json appends the error as a JSON line" \
  quietly jq -e 'select(.level == "error" and (.msg | contains("does not exist")))' "$work/log.json"

R features >"$work/features"
check "features is JSON listing seccomp operators" quietly jq -e '.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ")' "$work/features"
check "features lists capabilities" quietly jq -e '.linux.capabilities | index("CAP_SYS_ADMIN")' "$work/features"
check "features lists namespaces" quietly jq -e '.linux.namespaces | index("cgroup")' "$work/features"
R --help | grep -q 'create \[-b DIR\]'
check "--help documents create" test $? -eq 0
done_testing
