#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The appliance's interfaces in a real VM, on bulkhead run's user
# networking: `interfaces: [{}]` gets 10.0.2.15/24 from slirp through the
# init's DHCP client (with no router or DNS under restrict=on: see below),
# and a static address with a gateway is configured before any container
# starts.
# Each is seen from inside by a `network: host` container running busybox
# ip, and on the console; each appliance ends by itself with status 0.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'console_on_failure; rm -rf "$work"' EXIT

# --- DHCP: the containers start without waiting for the lease
guest_manifest >"$work/dhcp.yml" <<'YAML'
name: netdhcp
interfaces:
  - {}
services:
  - name: look
    image: busybox
    network: host
    restart: "no"
    command: |
      @wait_for@
      leased() { ip -4 addr show dev eth0 | grep -q 'inet '; }
      wait_for "eth0's lease" 240 leased && ip addr show dev eth0 && ip route && echo looked
YAML
# --debug: the init's phases on the console, to see when the services' starts began.
BOOT_FLAGS=--debug boot dhcp "$work/dhcp.yml"
check "the DHCP appliance ends with status 0" test "$boot_status" -eq 0
# Under restrict=on slirp's DHCP server leaves out the router and DNS
# options (libslirp's bootp.c): the lease has neither, and so the appliance
# has no default route and no DNS server.
check "the init logs the lease: address, prefix, no router, lease time" \
  grep -qE '^\[init\] eth0: 10\.0\.2\.15/24 \(dhcp, lease 86400 s\)' "$boot_log"
check "a network: host container sees 10.0.2.15/24 on eth0" grep -q '^\[look\] *inet 10\.0\.2\.15/24 ' "$boot_log"
check "  ... and the subnet's route" grep -q '^\[look\] 10\.0\.2\.0/24 dev eth0' "$boot_log"
check "  ... and no default route, as the lease gave no router" sh -c "! grep -q '^\[look\] default' '$boot_log'"
# Starts are told once the container's setup is over (init/starts.c), which
# under TCG can come after the lease: the phase line says when they began.
check "  ... and was not held back by the lease: the services' starts began before it" \
  test "$(line_of '^\[init\] look: started')" -gt 0 -a "$(line_of 'debug: onboot took')" -gt 0 -a \
  "$(line_of 'debug: onboot took')" -lt "$(line_of '^\[init\] eth0: 10.0.2.15/24')"
dhcp_log=$boot_log

# --- static: configured before any container starts
cat >"$work/static.yml" <<'YAML'
name: netstatic
interfaces:
  - address: 10.0.2.20/24
    gateway: 10.0.2.2
    dns: [10.0.2.3]
services:
  - name: look
    image: busybox
    network: host
    restart: "no"
    command: "ip addr show dev eth0 && ip route && echo looked"
YAML
boot static "$work/static.yml"
check "the static appliance ends with status 0" test "$boot_status" -eq 0
check "the init logs the static address" grep -q '^\[init\] eth0: 10\.0\.2\.20/24 via 10\.0\.2\.2 (static)' "$boot_log"
check "the container's first look already sees 10.0.2.20/24 on eth0" \
  grep -q '^\[look\] *inet 10\.0\.2\.20/24 ' "$boot_log"
check "  ... and the default route via 10.0.2.2" grep -q '^\[look\] default via 10\.0\.2\.2 dev eth0' "$boot_log"
check "no DHCP client ran" sh -c "! grep -q 'DHCP\\|(dhcp' '$boot_log'"

if [ "$tap_failed" -gt 0 ] && [ "$boot_log" != "$dhcp_log" ]; then
  echo "console of the DHCP boot:" | diag
  diag <"$dhcp_log"
fi
done_testing
