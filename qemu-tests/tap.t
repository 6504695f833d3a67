#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead run --net tap:IF against a bridge in a private network namespace
# this test makes on the host: br0 (10.88.0.1/24) with the tap device tap0
# in it, and busybox udhcpd on br0. An appliance with `interfaces: [{}]`
# gets its lease from that server (the init logs it, with the router), and
# its busybox httpd, in a `network: host` container, is reached from the
# namespace at the leased address; an appliance with a static address and
# gateway is reached the same way at that address; --publish with tap is
# refused with status 2 and the reason. Each appliance is ended by bulkhead
# stop and powers off with status 0.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create a network namespace and a tap device"
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun: this host cannot create a tap device"
command -v ip >/dev/null || skip_all "no ip (iproute2)"
command -v perl >/dev/null || skip_all "perl is the HTTP client (make deps installs it)"
busybox udhcpd --help >/dev/null 2>&1 || skip_all "no busybox udhcpd (busybox-static)"

work=$(mktemp -d)
ns=bh-tap-$$
run_pid=
udhcpd_pid=
# On the way out: bulkhead run (the subshell's child, QEMU ends with it;
# ip netns exec execs it), the DHCP server, then the namespace with its
# bridge and tap.
cleanup() {
  console_on_failure
  [ -z "$run_pid" ] || pkill -KILL -P "$run_pid" 2>/dev/null
  kill $run_pid $udhcpd_pid 2>/dev/null
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
inside() { ip netns exec "$ns" "$@"; }

ip netns add "$ns" || skip_all "cannot create a network namespace"
if ! inside ip tuntap add dev tap0 mode tap 2>"$work/tuntap.err"; then
  skip_all "cannot create a tap device: $(head -n1 "$work/tuntap.err")"
fi
inside ip link set lo up
inside ip link add br0 type bridge
inside ip addr add 10.88.0.1/24 dev br0
inside ip link set tap0 master br0
inside ip link set tap0 up
inside ip link set br0 up
check "the namespace has br0 with 10.88.0.1/24 and tap0 in it" \
  sh -c "ip netns exec $ns ip -4 -o addr show dev br0 | grep -q ' inet 10\.88\.0\.1/24 ' &&
         ip netns exec $ns ip -o link show dev tap0 | grep -q ' master br0 '"

cat >"$work/udhcpd.conf" <<EOF
start 10.88.0.100
end 10.88.0.150
interface br0
lease_file $work/leases
pidfile $work/udhcpd.pid
option subnet 255.255.255.0
option router 10.88.0.1
option lease 3600
EOF
touch "$work/leases"
inside busybox udhcpd -f "$work/udhcpd.conf" >"$work/udhcpd.log" 2>&1 &
udhcpd_pid=$!

# get URL SECONDS: the page at URL on stdout, fetched from inside the
# namespace, or a failure within SECONDS.
get() { inside "${HTTP_GET[@]}" "$@"; }

# web NAME INTERFACE-YAML: a manifest whose web service serves a page
# naming NAME on port 80 of the appliance's own network.
web() {
  cat <<YAML
name: $1
stop_grace: 500ms
interfaces: [$2]
services:
  - name: web
    image: busybox
    network: host
    userns: off # port 80 of the VM's namespace: only the VM's root may bind it
    capabilities: [CAP_NET_BIND_SERVICE]
    files:
      - path: /www/index.html
        contents: |
          $1 served over the tap
    command: |
      echo "serving on port 80"
      exec httpd -f -p 80 -h /www
YAML
}

# serve NAME: builds $work/NAME.yml and runs it in the background on tap0,
# from inside the namespace; boot_log is its console.
serve() {
  local name=$1
  boot_log=$work/$name.console
  "$BULKHEAD" build -q "$work/$name.yml" -o "$work/$name" >"$work/$name.build" 2>&1
  check "the $name appliance builds" test $? -eq 0
  [ -s "$work/$name.build" ] && diag <"$work/$name.build"
  ( inside "$BULKHEAD" run --timeout 600 --net tap:tap0 "$work/$name" </dev/null; echo "run exited $?" ) >"$boot_log" 2>&1 &
  run_pid=$!
}

# finish NAME: bulkhead stop, and the appliance powers off with status 0.
finish() {
  check "bulkhead stop ends the $1 run" wait_for "bulkhead run to end" 240 press_stop "$work/$1"
  wait $run_pid 2>/dev/null
  run_pid=
  tr -d '\r' <"$boot_log" >"$boot_log.txt" && boot_log=$boot_log.txt
  check "  ... and the appliance powers off with status 0" grep -qx 'run exited 0' "$boot_log"
}

page_is() { get "$1" 10 >"$work/page" 2>/dev/null && grep -qx "$2" "$work/page"; }

# --- DHCP from the namespace's server
web tapdhcp '{}' >"$work/tapdhcp.yml"
serve tapdhcp
leased='10\.88\.0\.[0-9]*'
check "the init logs the lease from the namespace's server, via its router 10.88.0.1" \
  until_logged "^\[init\] eth0: $leased/24 via 10\.88\.0\.1 (dhcp, lease 3600 s)" 300
address=$(tr -d '\r' <"$boot_log" | grep -o "^\[init\] eth0: $leased/24 via" | head -n1 | sed 's/^\[init\] eth0: //; s|/24 via||')
check "the leased address ($address) is in the server's pool" \
  sh -c "case '$address' in 10.88.0.1[0-4][0-9]|10.88.0.150) true ;; *) false ;; esac"
check "the web service comes up" until_logged '^\[web\] serving on port 80' 300
check "the namespace reaches the appliance's web server at http://$address/ and gets its page" \
  wait_for "the page at $address" 120 page_is "http://$address/" 'tapdhcp served over the tap'
finish tapdhcp
dhcp_log=$boot_log

# --- a static address and gateway on the same bridge
web tapstatic '{address: 10.88.0.20/24, gateway: 10.88.0.1}' >"$work/tapstatic.yml"
serve tapstatic
check "the init logs the static address via 10.88.0.1" \
  until_logged '^\[init\] eth0: 10\.88\.0\.20/24 via 10\.88\.0\.1 (static)' 300
check "no DHCP client ran" sh -c "! grep -q '(dhcp' '$boot_log'"
check "the web service comes up" until_logged '^\[web\] serving on port 80' 300
check "the namespace reaches the appliance's web server at http://10.88.0.20/ and gets its page" \
  wait_for "the page at 10.88.0.20" 120 page_is "http://10.88.0.20/" 'tapstatic served over the tap'
finish tapstatic

# --- --publish has nothing to forward with tap
inside "$BULKHEAD" run --timeout 60 --net tap:tap0 -p 8080:80 "$work/tapstatic" </dev/null \
  >"$work/publish.out" 2>"$work/publish.err"
status=$?
check "--publish with --net tap: refused with status 2 (got $status)" test "$status" -eq 2
check "  ... saying publishing needs --net user and the host's job" \
  grep -q "^bulkhead run: --publish 8080:80: publishing needs --net user; with --net tap:tap0 the VM sits on the host's network under an address of its own, and publishing its ports is the host's job" \
  "$work/publish.err"
[ "$status" -eq 2 ] || diag <"$work/publish.err"

if [ "$tap_failed" -gt 0 ] && [ "$boot_log" != "$dhcp_log" ] && [ -f "$dhcp_log" ]; then
  echo "console of the DHCP boot:" | diag
  diag <"$dhcp_log"
  echo "udhcpd's log:" | diag
  diag <"$work/udhcpd.log"
fi
done_testing
