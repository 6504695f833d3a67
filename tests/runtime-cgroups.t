#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead-runtime's cgroups as podman's systemd cgroup manager asks for
# them: the global --systemd-cgroup, a cgroupsPath SLICE:PREFIX:NAME made
# where systemd would put the unit, a malformed one refused by name, a
# limit whose controller cgroup2 does not have refused naming it, a
# container that asks for no cgroup at all running where none is usable,
# and a container born in its cgroup, also when it joins a user namespace.
# Run in a private mount namespace with cgroup2 on /sys/fs/cgroup, as
# crun needs on a hybrid host.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces and mount cgroup2"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
in_private_cgroup2 "$@"
cg=/sys/fs/cgroup

work=$(mktemp -d)
runtime_bundle bulkhead-probe
R spec --bundle "$bundle"
default=$(jq '.process.args = ["/bin/bulkhead-probe", "sleep", "1000"]' "$bundle/config.json")
# Slices of this run alone: the cgroup2 tree is the host's, shared.
slice=bhtest$$
made_slices=()
holder=
trap '[ -z "$holder" ] || kill "$holder" 2>/dev/null; runtime_cleanup; for s in "${made_slices[@]}"; do rmdir "$cg$s" 2>/dev/null; done' EXIT
with_path() { jq --arg path "$1" ".linux.cgroupsPath = \$path ${2:+| $2}" <<<"$default" >"$bundle/config.json"; }

R --systemd-cgroup --debug --rootless=false --cgroup-manager=systemd --log-format json state none 2>"$work/err"
check "the global flags podman, crun's and runc's callers pass are accepted ($(cat "$work/err"))" \
  grep -q 'container "none" does not exist' "$work/err"

# started ID PATH: creates and starts ID with cgroupsPath PATH, and says
# where its first process is: pid and cgroup.
started() {
  with_path "$2"
  R --systemd-cgroup create --bundle "$bundle" "$1" 2>"$work/err" && R --systemd-cgroup start "$1" 2>>"$work/err" || return 1
  pid=$(R state "$1" | jq -r .pid)
  cgroup=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
}

made_slices+=("/$slice.slice/$slice-sub.slice" "/$slice.slice")
if started c1 "$slice-sub.slice:libpod:c1"; then
  check "a-b.slice:libpod:ID puts the container in /a.slice/a-b.slice/libpod-ID.scope ($cgroup)" \
    test "$cgroup" = "/$slice.slice/$slice-sub.slice/libpod-c1.scope"
  check "  ... whose cgroup.procs under the cgroup2 mount holds its pid" \
    grep -qx "$pid" "$cg/$slice.slice/$slice-sub.slice/libpod-c1.scope/cgroup.procs"
  R --systemd-cgroup delete --force c1
  check "delete removes the scope" test ! -e "$cg/$slice.slice/$slice-sub.slice/libpod-c1.scope"
  check "  ... and leaves the slices, which are shared" test -d "$cg/$slice.slice/$slice-sub.slice"
else
  not_ok "a container with cgroupsPath $slice-sub.slice:libpod:c1 starts ($(cat "$work/err"))"
fi

[ -d "$cg/system.slice" ] || made_slices+=(/system.slice)
if started c2 ":$slice:c2"; then
  check "an empty slice is system.slice, where systemd puts a unit given none ($cgroup)" \
    test "$cgroup" = "/system.slice/$slice-c2.scope"
  R delete --force c2
else
  not_ok "a container with cgroupsPath :$slice:c2 starts ($(cat "$work/err"))"
fi
if started c3 "-.slice:$slice:c3"; then
  check "-.slice is the root slice ($cgroup)" test "$cgroup" = "/$slice-c3.scope"
  R delete --force c3
else
  not_ok "a container with cgroupsPath -.slice:$slice:c3 starts ($(cat "$work/err"))"
fi
if started c4 "/$slice/plain"; then
  made_slices+=("/$slice")
  check "a path without colons is still a path below the cgroup2 root ($cgroup)" test "$cgroup" = "/$slice/plain"
  R delete --force c4
else
  not_ok "a container with cgroupsPath /$slice/plain starts ($(cat "$work/err"))"
fi

n=0
for bad in "machine.slice:libpod" "machine.slice:libpod:" "machine.slice:libpod:a..b" "machine.slice:lib/pod:x" \
  "a.slice:b:c:d" "machine:libpod:x" "-a.slice:libpod:x" "a--b.slice:libpod:x" "machine.slice:lib pod:x" "/" ".."; do
  n=$((n + 1))
  with_path "$bad"
  R --systemd-cgroup create --bundle "$bundle" "bad$n" 2>"$work/err"
  status=$?
  check "cgroupsPath \"$bad\" is refused (exit $status) naming it ($(cat "$work/err"))" \
    grep -qF "linux.cgroupsPath: \"$bad\"" "$work/err"
done
with_path "machine.slice:libpod"
R create --bundle "$bundle" bad 2>"$work/err"
check "  ... saying what is wrong" \
  grep -qF 'linux.cgroupsPath: "machine.slice:libpod": systemd'"'"'s form is SLICE:PREFIX:NAME, with exactly two colons' "$work/err"

# A limit whose controller this cgroup2 does not have: on a hybrid host
# memory, pids and cpu belong to cgroup v1.
missing=
for controller in memory pids cpu; do
  grep -qw "$controller" "$cg/cgroup.controllers" || { missing=$controller; break; }
done
declare -A limit_of=([memory]='.linux.resources.memory = {"limit": 268435456}'
  [pids]='.linux.resources.pids = {"limit": 64}' [cpu]='.linux.resources.cpu = {"quota": 50000, "period": 100000}')
if [ -n "$missing" ]; then
  # The limits are placed while the container process sets itself up: it
  # waits for them before anything of its own can run.
  with_path "$slice.slice:libpod:lim" "${limit_of[$missing]} | .root.readonly = false | del(.process.landlock) | .process.args = [\"/bin/bulkhead-probe\", \"write\", \"/limit-ran\"]"
  rm -f "$bundle/rootfs/limit-ran"
  R --systemd-cgroup run --bundle "$bundle" lim 2>"$work/err"
  status=$?
  check "a $missing limit, where cgroup2 has no $missing controller, is refused (exit $status)" test "$status" -eq 125
  check "  ... naming the field and the controller ($(cat "$work/err"))" \
    grep -qF "linux.resources.$missing: the $missing controller is not enabled in cgroup2 at $cg/$slice.slice/libpod-lim.scope" "$work/err"
  check "  ... and leaving no cgroup behind" test ! -e "$cg/$slice.slice/libpod-lim.scope"
  check "  ... its command never ran (it would have made /limit-ran)" test ! -e "$bundle/rootfs/limit-ran"
  with_path "$slice.slice:libpod:lim" '.root.readonly = false | del(.process.landlock) | .process.args = ["/bin/bulkhead-probe", "write", "/limit-ran"]'
  R --systemd-cgroup run --bundle "$bundle" lim2 >/dev/null 2>"$work/err"
  check "  ... where the same command without the limit makes it ($(cat "$work/err"))" test -e "$bundle/rootfs/limit-ran"
  R delete --force lim2 >/dev/null 2>&1
  # No limit at all (podman's pids.limit 0, memory -1) is what such a
  # cgroup has anyway: nothing to refuse.
  declare -A unlimited=([memory]='.linux.resources.memory = {"limit": -1}' [pids]='.linux.resources.pids = {"limit": 0}'
    [cpu]='.linux.resources.cpu = {"quota": -1}')
  with_path "$slice.slice:libpod:nolim" "${unlimited[$missing]}"
  check "  ... while no $missing limit at all (podman's form) starts: "$(jq -c .linux.resources."$missing" "$bundle/config.json")"" \
    R --systemd-cgroup create --bundle "$bundle" nolim
  R delete --force nolim >/dev/null 2>&1
else
  echo "no refused limit checked: this cgroup2 has memory, pids and cpu ($(cat "$cg/cgroup.controllers"))" | diag
fi

# hugepageLimits: hugetlb.SIZE.max, where this cgroup2 has the hugetlb
# controller (on a hybrid host it is often the one v2 has) and the kernel
# 2 MB pages; else the error names the controller.
hp='.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
if ! grep -qw hugetlb "$cg/cgroup.controllers"; then
  with_path "/$slice-huge" "$hp"
  R create --bundle "$bundle" huge 2>"$work/err"
  check "hugepageLimits where cgroup2 has no hugetlb controller: refused, naming it ($(cat "$work/err"))" \
    grep -qF 'linux.resources.hugepageLimits: the hugetlb controller is not enabled' "$work/err"
  ok "# SKIP no update of a hugetlb limit without the controller ($(cat "$cg/cgroup.controllers"))"
elif [ ! -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
  for i in 1 2; do ok "# SKIP the kernel has no 2 MB pages to limit"; done
else
  with_path "/$slice-huge" "$hp"
  made_slices+=("/$slice-huge")
  R create --bundle "$bundle" huge 2>"$work/err"
  check "hugepageLimits 2MB 4194304: the container's hugetlb.2MB.max says so ($(cat "$cg/$slice-huge/hugetlb.2MB.max" 2>&1)$(cat "$work/err"))" \
    test "$(cat "$cg/$slice-huge/hugetlb.2MB.max" 2>/dev/null)" = 4194304
  echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 8388608}]}' | R update -r - huge 2>"$work/err"
  check "  ... and update changes it ($(cat "$cg/$slice-huge/hugetlb.2MB.max" 2>&1)$(cat "$work/err"))" \
    test "$(cat "$cg/$slice-huge/hugetlb.2MB.max" 2>/dev/null)" = 8388608
  R delete --force huge
fi
# hugetlb is enabled for containers with such limits alone.
with_path "/$slice-plain/c"
made_slices+=("/$slice-plain/c" "/$slice-plain")
R create --bundle "$bundle" plain 2>"$work/err"
check "a container without hugepage limits: hugetlb not enabled above it ($(cat "$cg/$slice-plain/cgroup.subtree_control" 2>&1))" \
  eval '! grep -qw hugetlb "$cg/$slice-plain/cgroup.subtree_control"'
R delete --force plain >/dev/null 2>&1
with_path "/$slice-huge" '.linux.resources.hugepageLimits = [{"pageSize": "2M", "limit": 4194304}]'
R create --bundle "$bundle" huge2 2>"$work/err"
check "a pageSize hugetlb has no files for is refused by its path ($(cat "$work/err"))" \
  grep -qF 'linux.resources.hugepageLimits[0].pageSize: "2M" is not a page size as hugetlb names them' "$work/err"
with_path "/$slice-huge" '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": -1}]'
R create --bundle "$bundle" huge3 2>"$work/err"
check "  ... and a negative limit ($(cat "$work/err"))" grep -qF 'linux.resources.hugepageLimits[0].limit' "$work/err"
# The spec's fields this runtime does not apply (cgroup v1's, mostly) are
# refused at create as at update: a limit silently dropped is worse.
# FIELD=JQ pairs: the name the error gives, the change.
for pair in 'memory.swappiness=memory = {"swappiness": 10}' 'memory.kernel=memory = {"kernel": 1048576}' \
  'cpu.realtimeRuntime=cpu = {"realtimeRuntime": 1000}' \
  'blockIO.weightDevice=blockIO = {"weightDevice": [{"major": 8, "minor": 0, "weight": 500}]}' \
  'rdma=rdma = {"mlx5_1": {"hcaHandles": 3}}' 'network=network = {"classID": 1}'; do
  name=${pair%%=*} field=${pair#*=}
  with_path "/$slice-na" ".linux.resources.$field"
  R create --bundle "$bundle" na 2>"$work/err"
  status=$?
  check "linux.resources.$field is refused at create (exit $status), by name ($(cat "$work/err"))" \
    eval '[ "$status" -eq 125 ] && grep -qF "linux.resources.$name: is not applied by this runtime; leave it out" "$work/err"'
  check "  ... and no container is left" test ! -e "$root/na"
  R delete --force na >/dev/null 2>&1
done
# A container an older runtime created with such a field (its kept config
# has it) can still be exec'd into: create's refusals are not made again.
with_path "/$slice-old" '.process.args = ["/bin/bulkhead-probe", "sleep", "600"]'
made_slices+=("/$slice-old")
R run -d --bundle "$bundle" old 2>"$work/err"
jq '.linux.resources.memory = {"swappiness": 10}' "$root/old/config/config.json" >"$work/old.json" &&
  cat "$work/old.json" >"$root/old/config/config.json"
out=$(R exec old /bin/bulkhead-probe exit 3 2>&1)
status=$?
check "exec into a container whose kept config has memory.swappiness, as an older runtime's create took it (exit $status: $out)" \
  test "$status" -eq 3
R delete --force old >/dev/null 2>&1
# What asks for nothing is no limit dropped: generators write such.
with_path "/$slice-empty" '.linux.resources.blockIO = {"weightDevice": []} | .linux.resources.rdma = {}
  | .linux.resources.memory = {"disableOOMKiller": false, "checkBeforeUpdate": true, "swappiness": null}'
made_slices+=("/$slice-empty")
check "  ... while an empty weightDevice and rdma, disableOOMKiller false, a null swappiness and checkBeforeUpdate are taken" \
  R create --bundle "$bundle" empty
R delete --force empty >/dev/null 2>&1
with_path "/$slice-unknown" '.linux.resources.bogus = {"x": 1} | .linux.resources.memory = {"bogus": 1}'
made_slices+=("/$slice-unknown")
check "unknown members of linux.resources are still ignored at create, as unknown fields of config.json are" \
  R create --bundle "$bundle" unknown
R delete --force unknown >/dev/null 2>&1

# No cgroup2 at all (a tmpfs over /sys/fs/cgroup, as on a cgroup v1 host):
# a container asking for neither a limit nor a device list runs without a
# cgroup; one with a device list is refused, naming it.
no_cgroup2() {
  unshare --mount --propagation private sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "$@"' sh \
    "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" "$@"
}
jq --arg path "$slice.slice:libpod:v1" '.linux.cgroupsPath = $path | del(.linux.resources) | .process.args = ["/bin/bulkhead-probe", "exit", "7"]' \
  <<<"$default" >"$bundle/config.json"
no_cgroup2 --systemd-cgroup run --bundle "$bundle" v1 2>"$work/err"
status=$?
check "without any cgroup2, a container that asks for no limit and no device list runs (exit $status$(cat "$work/err"))" \
  test "$status" -eq 7
jq --arg path "$slice.slice:libpod:v2" '.linux.cgroupsPath = $path | .process.args = ["/bin/bulkhead-probe", "exit", "7"]' \
  <<<"$default" >"$bundle/config.json"
no_cgroup2 --systemd-cgroup run --bundle "$bundle" v2 2>"$work/err"
status=$?
check "  ... one with a device list is refused (exit $status)" test "$status" -eq 125
check "  ... naming linux.resources.devices ($(cat "$work/err"))" \
  grep -qF 'linux.resources.devices: the device list is enforced on a cgroup v2' "$work/err"

# The container process is born in its cgroup (clone3's CLONE_INTO_CGROUP);
# a kernel or a seccomp profile without clone3 (older Docker and podman
# profiles answer EPERM) gets it moved there instead: the same cgroup.
without=$BUILD/tests/helpers/without-syscall
if [ -x "$without" ]; then
  with_path "/$slice-legacy"
  made_slices+=("/$slice-legacy")
  "$without" clone3:EPERM "$BUILD/bin/bulkhead-runtime" --root "$root" run -d --bundle "$bundle" legacy 2>"$work/err"
  status=$?
  pid=$(R state legacy 2>/dev/null | jq -r .pid)
  cgroup=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)
  check "with clone3 refused (EPERM) the container starts (exit $status: $(cat "$work/err"))" test "$status" -eq 0
  check "  ... in its own cgroup, moved there ($cgroup)" test "$cgroup" = "/$slice-legacy"
  R delete --force legacy
else
  not_ok "no $without (make check builds it)"
fi

# Born in its cgroup also when it joins a user namespace by path, as every
# container of an appliance does: a helper in that namespace clones it with
# CLONE_PARENT, and clone3 wants the exit signal 0 then (the child takes its
# parent's), else EINVAL. Moved in through cgroup.procs instead, each start
# waits for the cgroup core's write lock, an RCU grace period (10 ms under
# TCG). strace shows which way the clone went; the exit status, that the
# runtime was told of the container's end.
in_user_ns() { [ "$(readlink "/proc/$1/ns/user")" != "$(readlink /proc/self/ns/user)" ]; }
if command -v strace >/dev/null; then
  unshare --user sleep 1000 &
  holder=$!
  wait_for "a user namespace to join" 60 in_user_ns "$holder"
  # Mapped from here, which leaves setgroups allowed (unshare's own map denies it).
  echo "0 0 65536" >"/proc/$holder/uid_map"
  echo "0 0 65536" >"/proc/$holder/gid_map"
  with_path "/$slice-joined" '.process.args = ["/bin/bulkhead-probe", "exit", "7"] | .linux.namespaces += [{"type": "user", "path": "/proc/'"$holder"'/ns/user"}] | del(.linux.resources)'
  made_slices+=("/$slice-joined")
  # One file per process (-ff): a single one splits a call that another
  # process's line interrupts into "unfinished" and "resumed" halves.
  strace -ff -qq -e trace=clone,clone3,openat -e signal=none -o "$work/trace" \
    "$BUILD/bin/bulkhead-runtime" --root "$root" run --bundle "$bundle" joined 2>"$work/err"
  status=$?
  check "a container joining a user namespace by path runs to its end (exit $status, 7 expected: $(cat "$work/err"))" \
    test "$status" -eq 7
  check "  ... born in its cgroup: clone3 with CLONE_INTO_CGROUP gave a pid ($(cat "$work"/trace.* | grep -m1 'clone3('))" \
    grep -Eqh 'clone3\(\{flags=[^}]*CLONE_PARENT[^}]*CLONE_INTO_CGROUP[^}]*\}, [0-9]+\) = [1-9]' "$work"/trace.*
  # Traced (files there), and none of the traced processes wrote cgroup.procs.
  check "  ... never moved there through cgroup.procs" \
    sh -c 'ls "$1"/trace.* >/dev/null 2>&1 && ! cat "$1"/trace.* | grep -q "cgroup.procs\", O_WRONLY"' sh "$work"
  kill "$holder"
else
  not_ok "strace is not installed (make deps installs it)"
fi

done_testing
