#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Devices from inside a container of bulkhead-runtime's default spec: a node
# shipped in the rootfs cannot be opened (the root is nodev), a node that
# gets into /dev anyway is refused by the device program on the container's
# cgroup (linux.resources.devices, deny by default, the last match wins),
# and the standard nodes still work, whatever the list says.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces and device nodes"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
[ -b /dev/loop0 ] || skip_all "no /dev/loop0 on this host: the tests bind it into a container"
grep -qw cgroup2 /proc/filesystems || skip_all "the kernel has no cgroup v2"

work=$(mktemp -d)
runtime_bundle bulkhead-probe
# What an image could ship: /dev/null's numbers and a loop disk's, under
# other names, outside /dev.
mknod "$bundle/rootfs/null-twin" c 1 3 && chmod 666 "$bundle/rootfs/null-twin"
mknod "$bundle/rootfs/disk" b 7 0
R spec --bundle "$bundle"
default=$(cat "$bundle/config.json")
n=0 container_prefix=d
# in_container JQ PROBE-ARGS...: runs the probe under the default changed by
# JQ, the runtime's errors shown as diagnostics.
in_container() {
  run_program "$1" bulkhead-probe "${@:2}"
  local s=$?
  [ -s "$work/err" ] && sed "s/^/# /" "$work/err" >&2
  return $s
}
# The loop disk, given to the container as linux.devices: the runtime makes
# the node in the container's /dev (the device program lets it make what
# linux.devices lists, and only that), where nodev does not apply.
loop='.linux.devices = [{"path": "/dev/loop0", "type": "b", "major": 7, "minor": 0}]'

check "spec's default has a device list that begins with deny all" \
  test "$(jq -c '.linux.resources.devices[0]' <<<"$default")" = '{"allow":false,"access":"rwm"}'
check "  ... and allows c 1:3 (null) and c 136:* (pts)" \
  quietly jq -e '[.linux.resources.devices[] | select(.allow) | "\(.type) \(.major):\(.minor)"] | (index("c 1:3") != null and index("c 136:null") != null)' <<<"$default"

out=$(in_container . open /null-twin rw)
check "a char node in the rootfs (null's numbers) cannot be opened: EACCES, the root is nodev ($out)" test "$out" = EACCES
out=$(in_container . open /disk r)
check "a block node in the rootfs cannot be opened: EACCES ($out)" test "$out" = EACCES
out=$(in_container "$loop" open /dev/loop0 r)
check "a block node in /dev that the list does not allow: EPERM from the device program ($out)" test "$out" = EPERM
out=$(in_container "$loop" node /dev/loop0)
check "  ... though it is there, b 7:0 ($out)" test "${out%% *}" = "b"
out=$(in_container . open /dev/null rw)
check "/dev/null opens read-write ($out)" test "$out" = ok
out=$(in_container . open /dev/urandom r)
check "/dev/urandom opens ($out)" test "$out" = ok
out=$(in_container . open /dev/zero r)
check "/dev/zero opens ($out)" test "$out" = ok
out=$(in_container . open /dev/full w)
check "/dev/full opens for writing ($out)" test "$out" = ok
# The default nodes, made with mknod, and bound from the host's /dev where
# a user namespace refuses mknod: the host's numbers either way, mode 0666
# whatever the runtime's umask.
userns='.linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
for node in null zero full random urandom tty; do
  want="c $(stat -c '%Hr:%Lr' "/dev/$node") 0666"
  out=$(umask 077; in_container . node "/dev/$node")
  check "/dev/$node is $want, as the host's ($out)" test "$out" = "$want"
  out=$(chmod 755 "$work"; in_container "$userns" node "/dev/$node")
  check "  ... and with a user namespace ($out $(cat "$work/err"))" test "$out" = "$want"
done
# With a user namespace the runtime makes the /dev tmpfs itself, in its own
# namespace where nodes work, and mknods the nodes there (runtime/mount-dev.c):
# the nodes open, /dev is the container root's to write in, and the
# container still makes no node of its own, with CAP_MKNOD or without.
out=$(in_container "$userns" open /dev/null rw)
check "with a user namespace, /dev/null opens read-write ($out)" test "$out" = ok
out=$(in_container "$userns" open /dev/urandom r)
check "  ... and /dev/urandom opens ($out)" test "$out" = ok
out=$(in_container "$userns" owner /dev)
check "  ... /dev belongs to the container's root ($out)" test "$out" = 0:0
out=$(in_container "$userns | del(.process.landlock)" write /dev/made-inside)
check "  ... which can make a file there, where Landlock lets it ($out)" test "$out" = ok
out=$(in_container "$userns" owner /dev/null)
check "  ... the nodes are not the container's: their owner is none of its ids ($out)" test "$out" = 65534:65534
out=$(in_container "$userns" mountpoint /dev/null)
check "  ... and /dev/null is a node of /dev itself, no bind mount of the host's ($out)" test "$out" = no
mknod_in_userns='.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] |
  .process.capabilities.permitted += ["CAP_MKNOD"] | del(.process.landlock) | .linux.resources.devices = [{"allow": true, "access": "rwm"}]'
out=$(in_container "$userns | $mknod_in_userns" mknod /dev/null-again c 1 3)
check "  ... and with CAP_MKNOD and every device allowed, making a node in /dev is refused: EPERM ($out)" test "$out" = EPERM
# A /dev tmpfs whose options the container's namespace reads (uid=) is
# left to the container process, which mounts it there and binds the
# host's nodes.
dev_uid='.mounts |= map(if .destination == "/dev" then .options += ["uid=1000"] else . end)'
out=$(in_container "$userns | $dev_uid" owner /dev)
check "a /dev with uid=1000 in a user namespace belongs to the container's 1000 ($out)" test "$out" = 1000:0
out=$(in_container "$userns | $dev_uid" node /dev/null)
check "  ... and still gets c 1:3 0666 ($out)" test "$out" = "c $(stat -c '%Hr:%Lr' /dev/null) 0666"
out=$(in_container "$userns | $dev_uid" mountpoint /dev/null)
check "  ... bound from the host's ($out)" test "$out" = yes
out=$(in_container "$userns | $dev_uid" open /dev/null rw)
check "  ... which opens read-write ($out)" test "$out" = ok

# Who makes /dev. Under `run` and `create`, where the runtime only waits
# while the container process sets up, the runtime makes the /dev tmpfs
# with its nodes and links and sends it over while the process mounts what
# comes before it; the process moves it onto /dev. Where the runtime cannot
# (its fsopen refused here by strace's fault injection) the process makes
# its own, as it always could. Either way the container sees the same.
links=(fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 stderr:/proc/self/fd/2 ptmx:pts/ptmx core:/proc/kcore)
for link in "${links[@]}"; do
  out=$(in_container . lstat "/dev/${link%%:*}")
  check "/dev/${link%%:*} is a link to ${link#*:}, the container root's ($out)" test "$out" = "l 0777 0:0 -> ${link#*:}"
done
out=$(in_container "$userns" lstat /dev/fd)
check "  ... and the container root's with a user namespace too ($out)" test "$out" = "l 0777 0:0 -> /proc/self/fd"
out=$(in_container . mountinfo /dev)
check "/dev is the config's tmpfs, nosuid, mode 755, 64 MiB ($out)" \
  sh -c "echo '$out' | grep -Eq ' /dev rw,nosuid( [^-]*)? - tmpfs tmpfs rw,size=65536k,mode=755(,|\$)'"
if command -v strace >/dev/null; then
  trace_calls=execve,fsopen,mknodat,symlinkat,symlink,move_mount
  out=$(runtime=traced_runtime in_container . node /dev/null)
  check "run: /dev/null is c 1:3 0666 ($out $(cat "$work/err"))" test "$out" = "c 1:3 0666"
  check "  ... made by the runtime, not the container process ($(traced_by 'mknodat\(.*"null"'))" \
    test "$(traced_by 'mknodat\(.*"null"')" = runtime
  check "  ... its links too ($(traced_by 'symlink.*"stdin"'))" test "$(traced_by 'symlink.*"stdin"')" = runtime
  check "  ... and the container process moved that /dev into place ($(traced_by 'move_mount\(.*"\./dev"'))" \
    test "$(traced_by 'move_mount\(.*"\./dev"')" = container
  out=$(trace_inject=inject=fsopen:error=EPERM runtime=traced_runtime in_container . node /dev/null)
  check "the runtime may not make a file system: /dev/null is c 1:3 0666 all the same ($out $(cat "$work/err"))" \
    test "$out" = "c 1:3 0666"
  check "  ... made by the container process ($(traced_by 'mknodat\(.*"null"'))" \
    test "$(traced_by 'mknodat\(.*"null"')" = container
  out=$(trace_inject=inject=fsopen:error=EPERM runtime=traced_runtime in_container . lstat /dev/stdout)
  check "  ... and its links ($out, by $(traced_by 'symlink.*"stdout"'))" \
    test "$out $(traced_by 'symlink.*"stdout"')" = "l 0777 0:0 -> /proc/self/fd/1 container"
  no_net='del(.linux.namespaces[] | select(.type == "network"))'
  out=$(runtime=traced_runtime in_container "$no_net" node /dev/null)
  check "without a network namespace of its own: /dev/null is c 1:3 0666 ($out $(cat "$work/err"))" test "$out" = "c 1:3 0666"
  check "  ... made by the runtime ($(traced_by 'mknodat\(.*"null"'))" test "$(traced_by 'mknodat\(.*"null"')" = runtime
  out=$(trace_inject=inject=mknodat:error=EPERM runtime=traced_runtime in_container . node /dev/null)
  check "mknod refused to both: /dev/null is c 1:3 0666 all the same ($out $(cat "$work/err"))" test "$out" = "c 1:3 0666"
  out=$(trace_inject=inject=mknodat:error=EPERM runtime=traced_runtime in_container . mountpoint /dev/null)
  check "  ... the caller's, bound by the container process ($out)" test "$out" = yes
  out=$(runtime=traced_runtime in_container "$userns" node /dev/zero)
  check "with a user namespace: /dev/zero is c 1:5 0666 ($out $(cat "$work/err"))" test "$out" = "c 1:5 0666"
  check "  ... made by the runtime ($(traced_by 'mknodat\(.*"zero"'))" test "$(traced_by 'mknodat\(.*"zero"')" = runtime
else
  not_ok "strace is not installed (make deps installs it)"
fi

allow_loop='.linux.resources.devices += [{"allow": true, "type": "b", "major": 7, "minor": 0, "access": "rwm"}]'
out=$(in_container "$loop | $allow_loop" open /dev/loop0 r)
check "an allow entry for b 7:0 lets the container open it ($out)" test "$out" = ok
# OCI's list is ordered: the last entry that matches decides, bit by bit.
narrow='.linux.resources.devices += [{"allow": true, "type": "b", "major": 7, "access": "rwm"},
  {"allow": false, "type": "b", "major": 7, "minor": 0, "access": "w"}]'
out=$(in_container "$loop | $narrow" open /dev/loop0 rw)
check "allow b 7:* rwm then deny b 7:0 w: read-write is refused ($out)" test "$out" = EPERM
out=$(in_container "$loop | $narrow" open /dev/loop0 r)
check "  ... and reading is still allowed ($out)" test "$out" = ok
# podman sends a bare "deny all" and counts on the runtime's own default
# nodes staying usable, as crun and runc keep them (OCI's default devices).
bare='.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
out=$(in_container "$bare" open /dev/null rw)
check "a bare deny-all list (podman's) leaves the default nodes usable: /dev/null opens ($out)" test "$out" = ok
out=$(in_container "$bare" open /dev/tty rw)
check "  ... /dev/tty is allowed too: ENXIO, no controlling terminal, not EPERM ($out)" test "$out" = ENXIO
out=$(in_container "$loop | $bare" open /dev/loop0 r)
check "  ... while a device it does not list is refused: EPERM ($out)" test "$out" = EPERM
out=$(in_container '.linux.resources.devices += [{"allow": false, "type": "c", "major": 1, "minor": 3}]' open /dev/null r)
check "a deny of c 1:3 cannot take /dev/null away: the defaults count last ($out)" test "$out" = ok
# Landlock of the default refuses making nodes (EACCES) before the device
# program is asked: without it, what is seen is the program's answer.
mknod_cap='.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] |
  .process.capabilities.permitted += ["CAP_MKNOD"] | del(.process.landlock)'
out=$(in_container "$mknod_cap | $bare" mknod /tmp/console c 5 1)
check "with CAP_MKNOD, making the machine's console (c 5:1) is refused: EPERM ($out)" test "$out" = EPERM
out=$(in_container "$mknod_cap | $bare" mknod /tmp/null c 1 3)
check "  ... while making a null node is allowed ($out)" test "$out" = ok
out=$(in_container "$loop | .linux.resources.devices = []" open /dev/loop0 r)
check "an empty list denies every other device: b 7:0 ($out)" test "$out" = EPERM
# A node of linux.devices the host does not have (no bind to fall back
# on): the runtime makes it under deny all; opening it stays refused.
odd='.linux.resources.devices = [{"allow": false, "access": "rwm"}] | .linux.devices = [{"path": "/dev/odd", "type": "c", "major": 1, "minor": 250, "fileMode": 438}]'
out=$(in_container "$odd" node /dev/odd)
check "a linux.devices node the host lacks (c 1:250) is made under deny all ($out)" test "$out" = "c 1:250 0666"
out=$(in_container "$odd" open /dev/odd r)
check "  ... and opening it is refused by the device program ($out)" test "$out" = EPERM
# Each node of linux.devices is an entry of the program: 1024 load (the
# verifier takes the program), one more is refused by name.
many() { echo ".linux.devices = [range(0; $1) | {path: \"/dev/d\\(.)\", type: \"c\", major: 1, minor: (1000 + .)}]"; }
out=$(in_container "$(many 1024)" node /dev/d1023)
check "1024 linux.devices nodes under the device program are made ($out)" test "$out" = "c 1:2023 0666"
in_container "$(many 1025)" node /dev/d0 >/dev/null
check "  ... 1025 are refused by name" \
  grep -qF 'devices: linux.devices has 1025 entries; with linux.resources.devices at most 1024 are supported' "$work/err"

# linux.devices as podman writes it: fileMode is the node's whole st_mode
# (020644 for a char device), and with --privileged the list holds the
# host's /dev/null and friends too, which every container gets anyway.
out=$(in_container '.linux.devices = [{"path": "/dev/zero2", "type": "c", "major": 1, "minor": 5, "fileMode": 8612}]' node /dev/zero2)
check "fileMode with the char device's type bits (020644) is taken: c 1:5 0644 ($out)" test "$out" = "c 1:5 0644"
privileged='.linux.devices = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 8630},
  {"path": "/dev/zero", "type": "c", "major": 1, "minor": 5, "fileMode": 8630}, {"path": "/dev/loop0", "type": "b", "major": 7, "minor": 0}]'
out=$(in_container "$privileged | $allow_loop" open /dev/null rw)
check "a device list naming the default nodes too (podman --privileged) starts: /dev/null opens ($out)" test "$out" = ok
out=$(in_container "$privileged | $allow_loop" node /dev/zero)
check "  ... and the listed node is the one made, with its mode: c 1:5 0666 ($out)" test "$out" = "c 1:5 0666"
out=$(in_container "$privileged | .linux.devices += [{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1, \"minor\": 3}]" open /dev/null rw)
check "  ... and a node listed twice the same is made once ($out)" test "$out" = ok
# A listed node takes the default's place with its own mode and owner,
# and a listed device on a default link's name replaces the link.
own_null='.linux.devices = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 1000, "gid": 1000}]'
out=$(in_container "$own_null" node /dev/null)
check "a listed /dev/null with fileMode 0600 is c 1:3 0600 ($out)" test "$out" = "c 1:3 0600"
out=$(in_container "$own_null" owner /dev/null)
check "  ... and owned by the listed uid and gid, 1000:1000 ($out)" test "$out" = 1000:1000
out=$(in_container '.linux.devices = [{"path": "/dev/ptmx", "type": "c", "major": 5, "minor": 2}]' lstat /dev/ptmx)
check "a listed /dev/ptmx (podman --privileged) is the node, not the default link ($out $(cat "$work/err"))" \
  test "${out%% *}" = c
out=$(in_container "$userns"' | .linux.devices = [{"path": "/dev/ptmx", "type": "c", "major": 5, "minor": 2}]' lstat /dev/ptmx)
check "  ... with a user namespace too, there the caller's node bound ($out $(cat "$work/err"))" test "${out%% *}" = c
out=$(in_container "$userns"' | .linux.devices = [{"path": "/dev/ptmx", "type": "c", "major": 5, "minor": 2}]' node /dev/null)
check "  ... next to the default /dev/null, c 1:3 0666 ($out)" test "$out" = "c 1:3 0666"
# The go socket, which the parent uses no more once /dev is sent (no lo
# to raise, no limits to wait for), is not left to the container process.
jq '.process.args = ["/bin/bulkhead-probe", "sleep", "1000"] | del(.linux.resources)
  | del(.linux.namespaces[] | select(.type == "network"))' <<<"$default" >"$bundle/config.json"
R create --bundle "$bundle" nosock >/dev/null 2>&1
pid=$(R state nosock | jq -r .pid)
sockets=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'socket:')
check "a created container whose runtime had only /dev to send holds no socket ($sockets, $(ls -l "/proc/$pid/fd" | tail -n +2 | awk '{ print $NF }' | tr '\n' ' '))" \
  test "$sockets" -eq 0 -a -n "$pid"
R delete --force nosock
in_container '.linux.devices = [{"path": "/dev/zero2", "type": "c", "major": 1, "minor": 5, "fileMode": 24996}]' node /dev/zero2 >/dev/null
check "fileMode with a block device's type bits (060644) for type c is refused by name" \
  grep -qF 'config.json: linux.devices[0].fileMode: 060644: its file type bits are not those of type "c"' "$work/err"
in_container '.linux.devices = [{"path": "/dev/zero2", "type": "c", "major": 1, "minor": 5, "fileMode": 1114111}]' node /dev/zero2 >/dev/null
check "fileMode with bits beyond the type is refused by name" \
  grep -qF 'config.json: linux.devices[0].fileMode: 04177777: must be permission bits' "$work/err"
in_container '.linux.devices = [{"path": "/dev/x", "type": "c", "major": 1, "minor": 5}, {"path": "/dev/x", "type": "c", "major": 1, "minor": 3}]' node /dev/x >/dev/null
check "two different devices at one path are refused by name" \
  grep -qF 'config.json: linux.devices[1].path: /dev/x is linux.devices[0] too, as another device' "$work/err"

# The cgroup the CLI gave the container holds the program while it runs,
# and goes with the container.
jq '.process.args = ["/bin/bulkhead-probe", "sleep", "1000"]' <<<"$default" >"$bundle/config.json"
R create --bundle "$bundle" held >/dev/null 2>&1 && R start held
pid=$(R state held | jq -r .pid)
check "a running container of the default has a cgroup of its own" \
  grep -qx '0::/bulkhead-runtime/held' "/proc/$pid/cgroup"
R delete --force held
cgroup2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
check "  ... which delete removes" test ! -e "$cgroup2/bulkhead-runtime/held"

# Bad entries are refused at load, before anything is made.
jq '.linux.resources.devices = [{"allow": true, "type": "x"}]' <<<"$default" >"$bundle/config.json"
R create --bundle "$bundle" bad 2>"$work/err"
status=$?
check "a device entry of an unknown type is refused at create (exit $status)" \
  sh -c "test $status -eq 125 && grep -qF \"\$1\" '$work/err'" sh \
  'config.json: linux.resources.devices[0].type: "x" is not a device type: a (all), b (block) or c (char)'
check "  ... leaving no state" test ! -e "$root/bad"
jq '.linux.resources.devices = [{"type": "c"}]' <<<"$default" >"$bundle/config.json"
R create --bundle "$bundle" bad 2>"$work/err"
check "a device entry without allow is refused" grep -qF 'linux.resources.devices[0].allow: is required: true or false' "$work/err"
done_testing
