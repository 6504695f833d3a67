#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A container born in a new network namespace has its loopback up, as runc
# and crun give it and Docker's --network none keeps it: its processes talk
# to each other on 127.0.0.1. A namespace joined by path is its maker's
# (podman's netavark, the init's networks) and is left as it is.
. "$(dirname "$0")/lib.sh"
probe_bundle
container_prefix=lo
# in_container JQ PROBE-ARGS...: the probe's output under the default changed by JQ.
in_container() { run_program "$1" bulkhead-probe "${@:2}"; }
# IFF_UP is bit 0 of a link's flags, IFF_LOOPBACK bit 3.
up() { [ $(($1 & 1)) -eq 1 ]; }

out=$(in_container . loopback)
check "a new network namespace: a TCP connection over 127.0.0.1 goes through ($out $(cat "$work/err"))" test "$out" = ok
flags=$(in_container . cat /sys/class/net/lo/flags)
check "  ... lo is up ($flags)" up "$flags"
net=$(in_container . ns net)
check "  ... in a namespace of its own ($net, the host's $(readlink /proc/self/ns/net))" \
  test -n "$net" -a "$net" != "$(readlink /proc/self/ns/net)"

# With a user namespace too: the network namespace is the user
# namespace's, and the container's root there may bring lo up.
chmod 755 "$work" # the rootfs must be reachable by the container's root, host uid 100000
userns='.linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
out=$(in_container "$userns" loopback)
check "with a user namespace as well: 127.0.0.1 reached too ($out $(cat "$work/err"))" test "$out" = ok

# Who brings lo up. Under `run` and `create` the runtime does, through a
# socket the container process made in its namespace and handed over,
# while that process makes its mounts; when no socket reaches the runtime
# (its recvmsg refused here by strace's fault injection), or when a sysctl
# comes first (written after lo is up), the container process does.
# strace shows whose SIOCSIFFLAGS it was; the probe, that lo is up each way.
if command -v strace >/dev/null; then
  trace_calls=execve,ioctl,recvmsg
  lo_raised_by() { traced_by SIOCSIFFLAGS; }
  out=$(runtime=traced_runtime in_container . loopback)
  check "run: 127.0.0.1 reached ($out $(cat "$work/err"))" test "$out" = ok
  check "  ... lo brought up by the runtime, not the container process ($(lo_raised_by))" \
    test "$(lo_raised_by)" = runtime
  # A /dev with ids among its options is left to the container process
  # (runtime/mount-dev.c), which then receives nothing: the one recvmsg
  # refused is the runtime's.
  own_dev='.mounts |= map(if .destination == "/dev" then .options += ["uid=0"] else . end)'
  out=$(trace_inject=inject=recvmsg:error=EPERM runtime=traced_runtime in_container "$own_dev" loopback)
  check "no socket reached the runtime: 127.0.0.1 reached all the same ($out $(cat "$work/err"))" test "$out" = ok
  check "  ... lo brought up by the container process ($(lo_raised_by))" test "$(lo_raised_by)" = container
  sysctl='.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "80"}'
  out=$(runtime=traced_runtime in_container "$sysctl" loopback)
  check "with a sysctl: 127.0.0.1 reached ($out $(cat "$work/err"))" test "$out" = ok
  check "  ... lo brought up by the container process, before the sysctl ($(lo_raised_by))" \
    test "$(lo_raised_by)" = container
  port=$(in_container "$sysctl" cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
  check "  ... and the sysctl written ($port)" test "$port" = 80
else
  not_ok "strace is not installed (make deps installs it)"
fi

# The runtime itself root of a user namespace that keeps the host's
# network namespace (a nested runtime, rootless podman's --network none):
# it holds no capability over the host's namespaces, and still raises lo
# in the container's, which its own user namespace owns.
in_user_ns() { [ "$(readlink "/proc/$1/ns/user")" != "$(readlink /proc/self/ns/user)" ]; }
unshare --user sleep 1000 &
holder=$!
wait_for "a user namespace for the runtime" 60 in_user_ns "$holder"
# Mapped from here, which leaves setgroups allowed (unshare's own map denies it).
echo "0 0 65536" >"/proc/$holder/uid_map"
echo "0 0 65536" >"/proc/$holder/gid_map"
in_userns_runtime() { nsenter --user --target "$holder" "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" "$@"; }
# No device rules: their eBPF program needs CAP_SYS_ADMIN over the host.
out=$(runtime=in_userns_runtime in_container 'del(.linux.resources)' loopback)
check "the runtime in a user namespace of its own: 127.0.0.1 reached ($out $(cat "$work/err"))" test "$out" = ok
flags=$(runtime=in_userns_runtime in_container 'del(.linux.resources)' cat /sys/class/net/lo/flags)
check "  ... lo is up ($flags)" up "$flags"
kill "$holder"

# A namespace made by someone else, its lo down, joined by path: the
# runtime does not touch it (podman's netavark configures its own).
touch "$work/netns"
if unshare --net="$work/netns" true 2>"$work/unshare.err"; then
  join=".linux.namespaces = [.linux.namespaces[] | if .type == \"network\" then .path = \"$work/netns\" else . end]"
  out=$(in_container "$join" loopback)
  check "a joined namespace with lo down: 127.0.0.1 unreachable inside, as its maker left it ($out $(cat "$work/err"))" \
    test "$out" = ENETUNREACH -o "$out" = EADDRNOTAVAIL
  net=$(in_container "$join" ns net)
  check "  ... the container was in it ($net)" test "$net" = "$(nsenter --net="$work/netns" readlink /proc/self/ns/net)"
  check "  ... and its lo is still down after the container ran ($(nsenter --net="$work/netns" ip -o link show lo))" \
    sh -c "! nsenter --net='$work/netns' ip -o link show lo | grep -q '[<,]UP[,>]'"
  umount "$work/netns"
else
  not_ok "unshare --net=FILE (a namespace to join): $(cat "$work/unshare.err")"
fi

done_testing
