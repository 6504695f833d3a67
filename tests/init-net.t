#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The init's network code on this host: init/net.c, netlink.c and dhcp.c,
# linked into tests/helpers/net-driver (the init configures interfaces only
# as the machine's PID 1), turning the supervisor's poll loop in network
# namespaces this test makes, with busybox udhcpd at the other end of a
# veth pair. Seen from outside the code, with ip: a link that appears late
# gets its lease, address, default route and DNS; the lease is renewed at
# T1; with the server gone the renewal's failure is logged, the client
# rebinds at T2 and keeps the address until the lease expires, then removes
# it and asks again with back-off until a server answers; a malformed
# message is dropped and counted; a static address and default route are
# configured; a link that never comes is a warning.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create network namespaces"
DRIVER=$BUILD/tests/helpers/net-driver
[ -x "$DRIVER" ] || skip_all "no $DRIVER (make build/tests/helpers/net-driver)"
command -v ip >/dev/null || skip_all "no ip (iproute2)"
busybox udhcpd --help >/dev/null 2>&1 || skip_all "no busybox udhcpd (busybox-static)"
work=$(mktemp -d)
server=bh-srv-$$ client=bh-cli-$$ fixed=bh-fix-$$ lonely=bh-none-$$
pids=()
cleanup() {
  local p ns
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for ns in "$server" "$client" "$fixed" "$lonely"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
for ns in "$server" "$client" "$fixed" "$lonely"; do ip netns add "$ns" || skip_all "cannot create network namespaces"; done
inside() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# --- DHCP: a 20 s lease, so that T1 (10 s), T2 (17 s) and the expiry come soon
cat >"$work/udhcpd.conf" <<EOF
start 10.77.0.10
end 10.77.0.20
interface va
lease_file $work/leases
pidfile $work/udhcpd.pid
option subnet 255.255.255.0
option router 10.77.0.1
option dns 10.77.0.53
option lease 20
EOF
touch "$work/leases"
start_server() {
  # ip netns exec execs the program: $! is the server's own pid.
  ip netns exec "$server" busybox udhcpd -f "$work/udhcpd.conf" >>"$work/udhcpd.log" 2>&1 &
  udhcpd_pid=$!
  pids+=("$udhcpd_pid")
}

boot_log=$work/dhcp.log
ip netns exec "$client" "$DRIVER" "$work/resolv.conf" eth0=dhcp >/dev/null 2>"$boot_log" &
driver_pid=$!
pids+=("$driver_pid")
# The link appears after the client started waiting for it, as a NIC that
# probes late.
check "the client says it waits for a missing interface" \
  until_logged '^\[init\] network: waiting up to 10 s for the interfaces to appear$' 60
ip link add va netns "$server" type veth peer name eth0 netns "$client"
inside "$server" ip addr add 10.77.0.1/24 dev va
inside "$server" ip link set va up
start_server

leased='10\.77\.0\.[0-9]*'
check "a link that appears late gets a lease, logged with address, router and lease time" \
  until_logged "^\[init\] eth0: $leased/24 via 10\.77\.0\.1 (dhcp, lease 20 s)$" 60
address=$(grep -o "eth0: $leased/24" "$boot_log" | head -n1 | sed 's/^eth0: //; s|/24||')
has_address() { inside "$client" ip -4 -o addr show dev eth0 | grep -q " inet $address/24 "; }
has_route() { inside "$client" ip -4 route show default | grep -q '^default via 10\.77\.0\.1 dev eth0'; }
check "ip shows the leased address $address/24 on eth0" has_address
check "ip shows the default route via 10.77.0.1" has_route
check "the lease's DNS server is logged and written to resolv.conf" \
  sh -c "grep -q '^\[init\] eth0: dns 10\.77\.0\.53$' '$boot_log' && grep -qx 'nameserver 10.77.0.53' '$work/resolv.conf'"

inside "$server" bash -c "echo not-dhcp >/dev/udp/$address/68"
check "a malformed message is dropped and counted" \
  until_logged '^\[init\] warning: eth0: dropped a malformed DHCP message (1 so far)$' 60

check "the lease is renewed at T1" until_logged "^\[init\] eth0: lease of $address renewed (lease 20 s)$" 60
check "  ... and the address stays" has_address

kill "$udhcpd_pid"
wait "$udhcpd_pid" 2>/dev/null
check "with the server gone, the renewal's failure is logged" \
  until_logged "^\[init\] warning: eth0: no answer to the renewal of $address; asking again$" 60
check "  ... and the client rebinds at T2" \
  until_logged "^\[init\] warning: eth0: renewal of $address unanswered by 10\.77\.0\.1; rebinding with any server$" 60
check "  ... keeping the address until the lease expires" has_address
check "at expiry the loss is logged" until_logged "^\[init\] warning: eth0: the lease of $address expired; address removed$" 60
gone_address() { ! has_address; }
check "  ... and ip shows the address gone" wait_for "the address to go" 10 gone_address
no_route() { ! has_route; }
check "  ... the default route with it" no_route
check "  ... and resolv.conf names no server" sh -c "! grep -q nameserver '$work/resolv.conf'"
# After the expiry: DISCOVER, then again 4 s later (+/- 1 s), announcing the
# next in 8 s (+/- 1 s): the announcement is what is checked.
expired_at=$(line_of 'lease of .* expired')
retried() { tail -n +"$expired_at" "$boot_log" | grep -q '^\[init\] eth0: no DHCP offer yet; asked again, next in [789] s$'; }
check "the client asks again, announcing the doubled wait (8 s, +/- 1)" wait_for "a DISCOVER retried" 60 retried
start_server
check "a server back gives the lease back" \
  wait_for "a second lease" 120 logged "^\[init\] eth0: $leased/24 via 10\.77\.0\.1 (dhcp, lease 20 s)$" 2
check "the driver is still running after all of it" test -d "/proc/$driver_pid"
kill "$driver_pid"
check "  ... and ends on SIGTERM" wait_for "the driver to end" 30 gone "$driver_pid"

# --- a static address and default route, and its DNS
boot_log=$work/static.log
ip link add vb netns "$server" type veth peer name eth1 netns "$fixed"
inside "$fixed" "$DRIVER" "$work/resolv-static.conf" "eth1=10.78.0.2/24,10.78.0.1;10.78.0.53" 2>"$boot_log"
check "a static interface is configured and logged" grep -qx '\[init\] eth1: 10.78.0.2/24 via 10.78.0.1 (static)' "$boot_log"
check "ip shows the address" sh -c "ip netns exec '$fixed' ip -4 -o addr show dev eth1 | grep -q ' inet 10.78.0.2/24 '"
check "ip shows the link up" sh -c "ip netns exec '$fixed' ip -o link show dev eth1 | grep -q '[<,]UP[,>]'"
check "ip shows the default route" sh -c "ip netns exec '$fixed' ip -4 route show default | grep -q '^default via 10.78.0.1 dev eth1'"
check "its DNS server is written to resolv.conf" grep -qx 'nameserver 10.78.0.53' "$work/resolv-static.conf"

# --- an interface that never comes: a warning after the bounded wait, no hang
boot_log=$work/lonely.log
inside "$lonely" timeout 60 "$DRIVER" "$work/resolv-none.conf" eth9=dhcp 2>"$boot_log"
status=$?
check "an interface that never appears is a warning after the wait" \
  grep -qx '\[init\] warning: eth9: no such interface after 10 s; not configured' "$boot_log"
check "  ... and the code goes on (no client left: the driver ends, status 0)" test "$status" -eq 0

if [ "$tap_failed" -gt 0 ]; then
  for f in "$work"/*.log; do echo "$f:"; cat "$f"; done | diag
fi
done_testing
