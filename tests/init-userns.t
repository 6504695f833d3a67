#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# User namespaces by default, the init run as PID 1 of fresh namespaces on
# this host (no QEMU): each container's root is an unprivileged range of
# this machine's ids, seen from both sides (its uid_map inside; its process's
# ids and its rootfs's owners from the host), two ranges apart, userns: off
# keeping the machine's ids; root in a range cannot do what only the
# machine's root may (read the kernel's log, CAP_SYSLOG) while a userns: off
# neighbour with the same capability can (both without seccomp filter); a networked container owns its
# namespace (its root binds a port below 1024).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v unshare >/dev/null || skip_all "unshare is not installed"
unshare --user true 2>/dev/null || skip_all "user namespaces are not available here"
unshare --net true 2>/dev/null || skip_all "cannot create a network namespace here"
work=$(mktemp -d)
trap 'kill -KILL $boot_pid 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/uns.yml" <<'YAML'
name: uns
networks:
  - {name: lan, subnet: 10.89.0.0/24}
services:
  - name: auto
    image: busybox
    capabilities: [CAP_SYSLOG]
    seccomp: unconfined
    command: |
      echo "map $(cat /proc/self/uid_map)"
      echo "owner $(stat -c %u:%g /bin/busybox)"
      dmesg >/dev/null 2>"/tmp/err" || echo "dmesg: $(cat /tmp/err)"
      echo ready; exec sleep 1001
  - name: given
    image: busybox
    userns: {base: 300000, size: 65536}
    command: "echo \"map $(cat /proc/self/uid_map)\"; exec sleep 1002"
  - name: machine
    image: busybox
    userns: off
    capabilities: [CAP_SYSLOG]
    seccomp: unconfined
    command: |
      echo "map $(cat /proc/self/uid_map)"
      dmesg >/dev/null && echo "read the kernel's log"
  - name: net
    image: busybox
    networks: [lan]
    capabilities: [CAP_NET_BIND_SERVICE]
    command: |
      echo "map $(cat /proc/self/uid_map)"
      httpd -p 127.0.0.1:80 -h /tmp && echo "bound port 80"
      exec sleep 1003
YAML
BOOT_NET=1 BOOT_BACKGROUND=1 boot_host uns "$work/uns.yml"
check "the auto container is up" until_logged '^\[auto\] ready$' 90
map() { grep "^\[$1\] map" "$boot_log" | awk '{ print $3, $4, $5 }'; }
# base NAME: the range the build gave NAME (appliance.json).
base() { jq -r --arg n "$1" '.services[] | select(.name == $n) | .userns_base' "$work/uns.root/etc/bulkhead/appliance.json"; }
auto=$(base auto) net=$(base net)
check "the build gave the auto containers ranges of their own, 65536 apart at least ($auto, $net)" \
  sh -c "[ $auto -ge 100000 ] && [ $net -ge 100000 ] && [ \$(( $auto > $net ? $auto - $net : $net - $auto )) -ge 65536 ]"
check "inside, the auto container's uid_map maps 0 to its base, 65536 ids ($(map auto))" test "$(map auto)" = "0 $auto 65536"
until_logged '^\[given\] map' 60 >/dev/null
check "a given range is the one mapped ($(map given))" test "$(map given)" = "0 300000 65536"
until_logged '^\[machine\] map' 60 >/dev/null
check "userns: off keeps the machine's ids ($(map machine))" test "$(map machine)" = "0 0 4294967295"
check "inside, the image's files are root's" grep -qx '\[auto\] owner 0:0' "$boot_log"
# Through each container's own root: read-only containers in different
# ranges mount one shared image, mapped into each (docs/manifest.md, Images).
root_of() { echo "/proc/$(pgrep -f "sleep $1" | head -n1)/root"; }
owner_on_host() { stat -c %u:%g "$(root_of "$1")/bin/busybox"; }
check "  ... and on the host they are the range's base ($(owner_on_host 1001))" test "$(owner_on_host 1001)" = "$auto:$auto"
check "  ... the given range's its base ($(owner_on_host 1002)), from one shared image" \
  test "$(owner_on_host 1002)" = "300000:300000" -a "$(stat -f -c %T "$(root_of 1002)/")" = erofs
# Each start copies the init's mount namespace: none of the containers'
# mounts or namespaces is kept there, or a start would cost more with each
# container the appliance has.
check "the init's own mount table holds no container's rootfs or user namespace ($(wc -l <"/proc/$(init_pid)/mountinfo") mounts)" \
  bash -c '! grep -E "containers/services/|/run/bulkhead/userns/" "$1"' _ "/proc/$(init_pid)/mountinfo"
# The link names the init's own descriptor (/proc/1/fd/N inside its pid
# namespace): followed here, from the host's side, through the init's pid.
kept=$(readlink "/proc/$(init_pid)/root/run/bulkhead/userns/auto")
check "  ... while each user namespace stays joinable at its path ($kept: the auto container's own)" \
  test "$(stat -L -c %i "/proc/$(init_pid)/fd/${kept##*/}" 2>&1)" = "$(stat -L -c %i "/proc/$(pgrep -f "sleep 1001" | head -n1)/ns/user")"
status_ids() { awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$(pgrep -f "sleep $1" | head -n1)/status"; }
check "from the host, the auto container's root runs as its base ($(status_ids 1001 Uid))" \
  test "$(status_ids 1001 Uid)" = "$auto $auto $auto $auto"
check "  ... in its base's group ($(status_ids 1001 Gid))" test "$(status_ids 1001 Gid)" = "$auto $auto $auto $auto"
check "the given range's root runs as 300000 ($(status_ids 1002 Uid))" \
  test "$(status_ids 1002 Uid)" = "300000 300000 300000 300000"
check "root in a range with CAP_SYSLOG may not read the kernel's log" \
  grep -q '^\[auto\] dmesg: .*Operation not permitted' "$boot_log"
check "  ... while a userns: off neighbour with the same capability may" until_logged "^\\[machine\\] read the kernel's log\$" 60
check "a networked container's root binds port 80 in the namespace it owns" until_logged '^\[net\] bound port 80$' 60
check "  ... as its range's base ($(map net))" test "$(map net)" = "0 $net 65536"
console_on_failure
kill -TERM "$(init_pid)" 2>/dev/null
wait_boot
done_testing
