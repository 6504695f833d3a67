#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# config.json's hooks under bulkhead-runtime, seen from outside: each kind
# runs at its point of the lifecycle, in order, in the namespace the spec
# says, with the container's state on stdin and its args and env; a failing
# or timed-out create hook fails create and leaves nothing behind, a failing
# startContainer hook fails start, and a failing poststart or poststop hook
# is only a warning. Run in a private mount namespace with cgroup2 on
# /sys/fs/cgroup, as the other runtime tests are.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces and mount cgroup2"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
# The startContainer hook is a script in the container: a static shell.
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 ||
  skip_all "no static busybox at $BUSYBOX (make deps installs busybox-static)"
in_private_cgroup2 "$@"

work=$(mktemp -d)
runtime_bundle bulkhead-probe
cp "$BUSYBOX" "$bundle/rootfs/bin/busybox"
out=$work/out     # where every hook writes, the container's through a bind mount
host_marker=$work/only-on-the-host
mkdir -p "$out"
touch "$host_marker" "$bundle/rootfs/only-in-the-container"
# Container IDs are cgroup names in a hierarchy other runs share.
p=hk$$
# The runtime's own environment, which a hook without env inherits.
export HOOK_INHERITED=from-the-runtime

# hook KIND STATUS ARGS...: records what it got and where it ran, then
# exits STATUS. A host script: every kind but startContainer runs it.
hook=$work/hook
cat >"$hook" <<EOF
#!/bin/sh
kind=\$1
cat >"$out/\$kind.state"
readlink /proc/self/ns/mnt >"$out/\$kind.mnt"
printf '%s\n' "\$@" >"$out/\$kind.args"
printf '%s\n' "\${HOOK_ENV:-}" "\${HOOK_INHERITED:-}" >"$out/\$kind.env"
if [ -e "$host_marker" ]; then echo host; else echo elsewhere; fi >"$out/\$kind.sees"
echo "\$kind" >>"$out/order"
exit "\$2"
EOF
# The same, inside the container (bin/starthook of its rootfs), writing
# through the bind mount at /tmp/out (Landlock of spec's default lets
# /tmp be written).
cat >"$bundle/rootfs/bin/starthook" <<'EOF'
#!/bin/busybox sh
out=/tmp/out
kind=$1
/bin/busybox cat >"$out/$kind.state"
/bin/busybox readlink /proc/self/ns/mnt >"$out/$kind.mnt"
if [ -e /only-in-the-container ]; then echo container; else echo elsewhere; fi >"$out/$kind.sees"
echo "$kind" >>"$out/order"
exit "$2"
EOF
# slow: starts a child in the background and waits for it, past any timeout.
cat >"$work/slow" <<EOF
#!/bin/sh
sleep 600 &
echo \$! >"$out/slow.child"
wait
EOF
chmod 755 "$hook" "$work/slow" "$bundle/rootfs/bin/starthook"

R spec --bundle "$bundle"
default=$(jq --arg out "$out" '.process.args = ["/bin/bulkhead-probe", "sleep", "600"]
  | .annotations = {"org.example.hooks": "yes"}
  | .mounts += [{destination: "/tmp/out", type: "bind", source: $out, options: ["rbind", "rw"]}]' \
  "$bundle/config.json")
# with_hooks JQ: the default config with hooks set by JQ, where h(KIND;
# STATUS) is an entry running the host's hook, c(KIND; STATUS) the
# container's starthook.
with_hooks() {
  jq --arg hook "$hook" --arg slow "$work/slow" '
    def h($k; $s): {path: $hook, args: ["argv0", $k, ($s | tostring), "two words"]};
    def c($k; $s): {path: "/bin/starthook", args: ["starthook", $k, ($s | tostring)]};
    '"$1" <<<"$default" >"$bundle/config.json"
}
fresh() { rm -f "$out"/*; }
order() { cat "$out/order" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
field() { jq -r ".$2" "$out/$1.state"; }
host_mnt=$(readlink /proc/self/ns/mnt)
no_container() { R state "$1" 2>&1 | grep -q "container \"$1\" does not exist"; }
no_cgroup() { [ ! -e "/sys/fs/cgroup/bulkhead-runtime/$1" ]; }

check "features lists every hook kind" test "$(R features | jq -c .hooks)" = \
  '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]'

# ---- the whole lifecycle ----
fresh
with_hooks '.hooks = {prestart: [h("prestart"; 0)],
  createRuntime: [h("createRuntime"; 0) | .env = ["HOOK_ENV=given", "PATH=/usr/bin:/bin"]],
  createContainer: [h("createContainer"; 0)], startContainer: [c("startContainer"; 0)],
  poststart: [h("poststart"; 0)], poststop: [h("poststop"; 0)]}'
id=$p-life
R create --bundle "$bundle" --pid-file "$work/life.pid" "$id" 2>"$work/err"
check "create with a hook of each kind succeeds ($(cat "$work/err"))" test $? -eq 0
pid=$(cat "$work/life.pid" 2>/dev/null)
container_mnt=$(readlink "/proc/$pid/ns/mnt")
check "the container has a cgroup of its own (what a failed create must not leave)" \
  test -d "/sys/fs/cgroup/bulkhead-runtime/$id"
check "create ran prestart, createRuntime, createContainer in that order, and no other" \
  test "$(order)" = "prestart createRuntime createContainer"
for kind in prestart createRuntime; do
  check "$kind: state on stdin says creating, the ID, the bundle and the annotations" \
    test "$(jq -c '[.status, .id, .bundle, .annotations["org.example.hooks"], .ociVersion != null]' "$out/$kind.state")" = \
    "[\"creating\",\"$id\",\"$bundle\",\"yes\",true]"
  check "$kind: its pid is the container process's, as the runtime sees it ($(field $kind pid), live)" \
    test "$(field $kind pid)" = "$pid" -a -d "/proc/$pid"
  check "$kind: ran in the runtime's mount namespace" test "$(cat "$out/$kind.mnt")" = "$host_mnt"
done
check "createContainer: state says creating and the ID, with the pid the container sees (1)" \
  test "$(jq -c '[.status, .id, .pid]' "$out/createContainer.state")" = "[\"creating\",\"$id\",1]"
check "createContainer: ran in the container's mount namespace ($container_mnt, not $host_mnt)" \
  test "$(cat "$out/createContainer.mnt")" = "$container_mnt" -a "$container_mnt" != "$host_mnt"
check "createContainer: its path was the runtime's, and it sees the host's files (before the pivot)" \
  test "$(cat "$out/createContainer.sees")" = host
check "args reach the hook in order, a word with a space whole" \
  test "$(cat "$out/prestart.args")" = "$(printf 'prestart\n0\ntwo words')"
check "a hook without env gets the runtime's environment" \
  test "$(cat "$out/prestart.env")" = "$(printf '\nfrom-the-runtime')"
check "a hook with env gets exactly that" test "$(cat "$out/createRuntime.env")" = "$(printf 'given\n')"
check "createContainer without env gets an empty environment, not the runtime's (it runs as the container's process)" \
  test -e "$out/createContainer.env" -a -z "$(tr -d '\n' <"$out/createContainer.env")"

R start "$id" 2>"$work/err"
check "start succeeds ($(cat "$work/err"))" test $? -eq 0
check "start ran startContainer, then poststart" \
  test "$(order)" = "prestart createRuntime createContainer startContainer poststart"
check "startContainer: state says created and the ID, with the pid the container sees (1)" \
  test "$(jq -c '[.status, .id, .pid]' "$out/startContainer.state")" = "[\"created\",\"$id\",1]"
check "startContainer: ran in the container's mount namespace" test "$(cat "$out/startContainer.mnt")" = "$container_mnt"
check "startContainer: its path was the container's, and it sees the container's rootfs at /" \
  test "$(cat "$out/startContainer.sees")" = container
check "poststart: state says running, with the container's pid (live)" \
  test "$(jq -c '[.status, .id, .pid]' "$out/poststart.state")" = "[\"running\",\"$id\",$pid]" -a -d "/proc/$pid"
check "poststart: ran in the runtime's mount namespace" test "$(cat "$out/poststart.mnt")" = "$host_mnt"
check "  ... and the command runs" test "$(R state "$id" | jq -r .status)" = running

# A config.json changed after create must not change the container.
with_hooks '.hooks = {poststop: [h("changed-poststop"; 0)]}'
R kill "$id" KILL
wait_for "the container to stop" 60 gone "$pid"
R delete "$id" 2>"$work/err"
check "delete succeeds ($(cat "$work/err"))" test $? -eq 0
check "delete ran poststop last, the one of the config at create" \
  test "$(order)" = "prestart createRuntime createContainer startContainer poststart poststop"
check "poststop: state says stopped and the ID, the bundle" \
  test "$(jq -c '[.status, .id, .bundle]' "$out/poststop.state")" = "[\"stopped\",\"$id\",\"$bundle\"]"
check "poststop: ran in the runtime's mount namespace" test "$(cat "$out/poststop.mnt")" = "$host_mnt"
check "  ... once the container was gone" no_container "$id"

# ---- create hooks that fail: create fails, naming the hook, and nothing is left ----
# failed_create ID WHAT PATTERN: create fails naming the hook; no state, no
# cgroup, no container process (the pid prestart saw) is left.
failed_create() {
  local id=$1 what=$2 pattern=$3 status
  R create --bundle "$bundle" "$id" 2>"$work/err"
  status=$?
  check "$what: create fails (exit $status)" test "$status" -eq 125
  check "  ... saying which hook and why ($(cat "$work/err"))" grep -qF "$pattern" "$work/err"
  check "  ... state says there is no such container" no_container "$id"
  check "  ... no cgroup is left" no_cgroup "$id"
  if [ -s "$out/prestart.state" ]; then
    local dead
    dead=$(field prestart pid)
    check "  ... the container process ($dead) is gone" gone "$dead"
  fi
}
fresh
with_hooks '.hooks = {prestart: [h("prestart"; 0), h("prestart2"; 3)], createRuntime: [h("createRuntime"; 0)],
  poststop: [h("poststop"; 0)]}'
failed_create "$p-pre" "a prestart hook that exits 3" "$p-pre: hooks.prestart[1] ($hook): exit status 3"
check "  ... the hooks after it did not run, and poststop ran after the teardown" \
  test "$(order)" = "prestart prestart2 poststop"

fresh
with_hooks '.hooks = {prestart: [h("prestart"; 0)], createRuntime: [h("createRuntime"; 0), h("createRuntime2"; 1)],
  createContainer: [h("createContainer"; 0)]}'
failed_create "$p-cr" "a createRuntime hook that exits 1" "$p-cr: hooks.createRuntime[1] ($hook): exit status 1"
check "  ... createContainer did not run" test "$(order)" = "prestart createRuntime createRuntime2"

fresh
with_hooks '.hooks = {prestart: [h("prestart"; 0)], createContainer: [h("createContainer"; 4)]}'
failed_create "$p-cc" "a createContainer hook that exits 4" "$p-cc: hooks.createContainer[0] ($hook): exit status 4"

fresh
with_hooks '.hooks = {prestart: [h("prestart"; 0)], createRuntime: [{path: $slow, timeout: 1}]}'
failed_create "$p-slow" "a createRuntime hook past its timeout of 1 s" \
  "$p-slow: hooks.createRuntime[0] ($work/slow): timed out after 1 s, killed"
slow_child=$(cat "$out/slow.child" 2>/dev/null)
check "  ... and what the hook started ($slow_child) was killed with it" wait_for "the hook's child to go" 30 gone "$slow_child"

fresh
with_hooks '.hooks = {prestart: [{path: "/no/such/hook"}]}'
failed_create "$p-noexec" "a hook that cannot be executed" "$p-noexec: hooks.prestart[0] (/no/such/hook): cannot execute: No such file or directory"

# ---- values refused at create, by their JSON path ----
with_hooks '.hooks = {prestart: [{path: "bin/relative"}]}'
R create --bundle "$bundle" "$p-rel" 2>"$work/err"
check "a relative hook path is refused at create (exit $?)" test $? -eq 125
check "  ... by its JSON path ($(cat "$work/err"))" grep -qF 'config.json: hooks.prestart[0].path: "bin/relative" must be an absolute path' "$work/err"
check "  ... leaving no container" no_container "$p-rel"
with_hooks '.hooks = {poststop: [h("poststop"; 0) | .timeout = 0]}'
R create --bundle "$bundle" "$p-zero" 2>"$work/err"
check "a timeout of 0 is refused by its JSON path ($(cat "$work/err"))" grep -qF 'config.json: hooks.poststop[0].timeout: must be' "$work/err"
fresh
with_hooks '.hooks = {createRuntime: [h("createRuntime"; 0)], createContainer: [{args: ["x"]}]}'
R create --bundle "$bundle" "$p-nopath" 2>"$work/err"
check "a hook without a path is refused by its JSON path ($(cat "$work/err"))" \
  grep -qF 'config.json: hooks.createContainer[0]: path is required' "$work/err"
check "  ... before any hook ran" test ! -e "$out/order"
with_hooks '.hooks = {poststart: {path: "/bin/true"}}'
R create --bundle "$bundle" "$p-notarray" 2>"$work/err"
check "a hook list that is no array is refused by its JSON path ($(cat "$work/err"))" \
  grep -qF 'config.json: hooks.poststart: must be an array' "$work/err"

# ---- start: startContainer fails start; poststart only warns ----
fresh
with_hooks '.hooks = {startContainer: [c("startContainer"; 5)], poststart: [h("poststart"; 0)]}'
R create --bundle "$bundle" --pid-file "$work/sc.pid" "$p-sc" 2>"$work/err"
check "create with a failing startContainer hook succeeds (it has not run: $(order))" test -z "$(order)"
R start "$p-sc" 2>"$work/err"
check "start fails when a startContainer hook fails (exit $?)" test $? -eq 125
check "  ... naming it ($(cat "$work/err"))" grep -qF "$p-sc: starting: hooks.startContainer[0] (/bin/starthook): exit status 5" "$work/err"
check "  ... the container is stopped" test "$(R state "$p-sc" | jq -r .status)" = stopped
check "  ... and poststart did not run" test "$(order)" = startContainer
R delete "$p-sc"

fresh
with_hooks '.hooks = {startContainer: [{path: "/bin/busybox", args: ["sleep", "600"], timeout: 1}]}'
R create --bundle "$bundle" "$p-sct" 2>/dev/null
R start "$p-sct" 2>"$work/err"
check "a startContainer hook past its timeout fails start ($(cat "$work/err"))" \
  grep -qF "$p-sct: starting: hooks.startContainer[0] (/bin/busybox): timed out after 1 s, killed" "$work/err"
R delete --force "$p-sct"

fresh
with_hooks '.hooks = {poststart: [h("poststart"; 6), h("poststart2"; 0)], poststop: [h("poststop"; 7), h("poststop2"; 0)]}'
R create --bundle "$bundle" --pid-file "$work/ps.pid" "$p-ps" 2>/dev/null
R start "$p-ps" 2>"$work/err"
check "start succeeds though a poststart hook fails (exit $?)" test $? -eq 0
check "  ... with a warning naming it ($(cat "$work/err"))" \
  grep -qF "bulkhead-runtime: warning: $p-ps: hooks.poststart[0] ($hook): exit status 6" "$work/err"
check "  ... the next poststart hook runs anyway" test "$(order)" = "poststart poststart2"
check "  ... and the container runs" test "$(R state "$p-ps" | jq -r .status)" = running
R delete --force "$p-ps" 2>"$work/err"
check "delete succeeds though a poststop hook fails (exit $?)" test $? -eq 0
check "  ... with a warning naming it ($(cat "$work/err"))" \
  grep -qF "bulkhead-runtime: warning: $p-ps: hooks.poststop[0] ($hook): exit status 7" "$work/err"
check "  ... the next poststop hook runs anyway" test "$(order)" = "poststart poststart2 poststop poststop2"
check "  ... and the container is gone" no_container "$p-ps"
check "  ... with its cgroup" no_cgroup "$p-ps"

# run: create and start's hooks, then poststop once the command is done.
fresh
with_hooks '.process.args = ["/bin/bulkhead-probe", "exit", "3"] | .hooks = {createRuntime: [h("createRuntime"; 0)],
  poststart: [h("poststart"; 0)], poststop: [h("poststop"; 0)]}'
R run --bundle "$bundle" "$p-run" 2>"$work/err"
check "run exits with the command's status (exit $?)" test $? -eq 3
check "  ... having run createRuntime, poststart and poststop ($(order))" test "$(order)" = "createRuntime poststart poststop"

# A ctrl-c (SIGTERM here) to run while its poststart hook runs: the command
# already runs, and the signal must reach it, not end run and leave it.
fresh
with_hooks '.process.args = ["/bin/bulkhead-probe", "sleep-term", "600"]
  | .hooks = {poststart: [{path: "/bin/sh", args: ["sh", "-c", "touch '"$out"'/in-poststart; sleep 2"]}]}'
"${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" run --bundle "$bundle" "$p-sig" >"$work/sig.out" 2>"$work/err" &
run_pid=$!  # the runtime itself, not a subshell
wait_for "the poststart hook to run" 60 test -e "$out/in-poststart"
kill -TERM "$run_pid"
wait "$run_pid"
status=$?
# The command (sleep-term) says SIGTERM and exits 143; run killed by the
# signal itself would have exited 143 too, but left the command running.
check "SIGTERM to run during poststart reaches the command ($(cat "$work/sig.out"))" grep -qx SIGTERM "$work/sig.out"
check "  ... run exits with the command's status 143 (exit $status: $(cat "$work/err"))" test "$status" -eq 143
check "  ... and the container is gone, none left running" no_container "$p-sig"

# ---- the runtime's environment stays out of the container ----
# A startContainer hook runs in the container as its process, where the
# runtime's environ is its caller's: without env it gets none of it; with
# env, that list; prestart, on the runtime's side, still gets the caller's.
fresh
with_hooks '.process.args = ["/bin/bulkhead-probe", "exit", "0"]
  | .hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "env >'"$out"'/prestart.environ"]}],
  startContainer: [{path: "/bin/busybox", args: ["sh", "-c", "/bin/busybox env >/tmp/out/noenv.environ"]},
    {path: "/bin/busybox", args: ["sh", "-c", "/bin/busybox env >/tmp/out/env.environ"], env: ["GIVEN=yes"]}]}'
HOST_SECRET=s3cr3t R run --bundle "$bundle" "$p-env" 2>"$work/err"
status=$?
check "run with startContainer hooks succeeds (exit $status: $(cat "$work/err"))" test "$status" -eq 0
check "  ... the hook without env ran in the container" \
  test -s "$out/noenv.environ"
check "  ... no HOST_SECRET, no HOOK_INHERITED, no HOME (found: $(grep -Eo '^(HOST_SECRET|HOOK_INHERITED|HOME)=' "$out/noenv.environ" 2>/dev/null | tr '\n' ' '))" \
  test -s "$out/noenv.environ" -a -z "$(grep -E '^(HOST_SECRET|HOOK_INHERITED|HOME)=' "$out/noenv.environ")"
check "  ... the hook with env got that list" grep -qx GIVEN=yes "$out/env.environ"
check "  ... and nothing of the runtime's" \
  test -s "$out/env.environ" -a -z "$(grep -E '^(HOST_SECRET|HOOK_INHERITED)=' "$out/env.environ")"
check "  ... while prestart, on the runtime's side, got the runtime's environment" \
  grep -qx HOST_SECRET=s3cr3t "$out/prestart.environ"

# ---- a hook whose exec hangs is still under its timeout ----
# A FUSE mount whose server never answers (nothing reads /dev/fuse) hangs
# every lookup in it, as a dead NFS or FUSE server does: the exec of a hook
# there blocks in the kernel until the connection is aborted. The mount is
# outside $work, whose removal would hang in it.
hung=$(mktemp -d)
if [ -c /dev/fuse ] && exec {fuse_fd}<>/dev/fuse &&
  mount -t fuse -o "fd=$fuse_fd,rootmode=40000,user_id=0,group_id=0" hung "$hung" 2>/dev/null; then
  fresh
  with_hooks '.hooks = {prestart: [{path: "'"$hung"'/hook", timeout: 2}]}'
  # Bounded here, so that a runtime that waits on the exec fails the test
  # (137) instead of holding it.
  timeout -s KILL 120 "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" \
    create --bundle "$bundle" "$p-hung" {fuse_fd}<&- 2>"$work/err"
  status=$?
  check "a hook whose exec hangs (a FUSE mount that never answers) fails create at its timeout (exit $status)" \
    test "$status" -eq 125
  check "  ... saying so ($(cat "$work/err"))" \
    grep -qF "$p-hung: hooks.prestart[0] ($hung/hook): timed out after 2 s, killed" "$work/err"
  check "  ... leaving no container" no_container "$p-hung"
  exec {fuse_fd}<&- # the last descriptor: aborts the connection, what waits in it fails
  umount -l "$hung"
else
  ok "# SKIP no FUSE here (/dev/fuse, mount -t fuse) to hang a hook's exec on"
fi
rmdir "$hung"

# bh_container_start's bound on its report, which grows by the startContainer
# hooks' timeouts, is not reached from here: the CLI always creates, then
# starts (bh_container_start_created_hooked), and the init, the one caller of
# bh_container_start, runs no hooks.
done_testing
