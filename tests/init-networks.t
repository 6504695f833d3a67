#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The containers' networks on this host, without QEMU: the init runs as PID
# 1 of fresh pid, mount and network namespaces (boot_host with BOOT_NET=1),
# makes the bridges, each container's namespace and veths, and loads the
# rule set bulkhead build encoded. Seen from inside the containers (their
# probes on the console) and from the host (ctl ps, ctl net, the init's
# namespace): an allowed pair and port connects; the same pair on another
# port, a pair with no allow rule, a container that forges its source
# address or MAC, and the appliance's own namespace are all refused, while
# the servers they tried do answer a peer allowed them; each refusal is
# counted. And fail closed: with the
# rule set unreadable no container on a network starts, and one without a
# network still does.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v unshare >/dev/null || skip_all "unshare is not installed"
command -v nsenter >/dev/null || skip_all "nsenter is not installed"
unshare --net true 2>/dev/null || skip_all "cannot create a network namespace here"
work=$(mktemp -d)
trap 'kill -KILL $boot_pid 2>/dev/null; rm -rf "$work"' EXIT

# Addresses are decided at build time in manifest order: front is
# 10.89.0.0/24 (web .2, app .3, peer .4), back 10.89.1.0/24 (db .2, app .3,
# rogue .4, peer .5).
guest_manifest >"$work/walls.yml" <<'YAML'
name: walls
stop_grace: 500ms
networks:
  - name: front
  - name: back
services:
  - name: web
    image: busybox
    networks: [front]
    capabilities: [CAP_NET_BIND_SERVICE]
    files: [{path: /www/index.html, contents: "web page\n"}]
    command: exec httpd -f -p 80 -h /www
  - name: db
    image: busybox
    networks: [back]
    files:
      - {path: /www/a/index.html, contents: "db on 5432\n"}
      - {path: /www/b/index.html, contents: "db on 6000\n"}
    command: httpd -p 5432 -h /www/a && exec httpd -f -p 6000 -h /www/b
  - name: app
    image: busybox
    networks: [front, back]
    allow:
      - {to: db, ports: [5432]}
    command: |
      @wait_for@
      @get@
      wait_for "db:5432" 60 get db 5432 "db on 5432" && echo "db:5432 open (by name)"
      get 10.89.1.2 6000 "db on 6000" && echo "db:6000 open" || echo "db:6000 closed"
      get 10.89.0.2 80 "web page" && echo "web:80 open" || echo "web:80 closed"
      grep -q web /etc/hosts && echo "hosts names web" || echo "hosts names db only"
      cat /etc/resolv.conf >/dev/null && echo "resolv.conf is there"
      sleep 600
  - name: rogue
    image: busybox
    networks: [back]
    capabilities: [CAP_NET_ADMIN, CAP_NET_RAW]
    depends_on: [hostsvc]  # the appliance's service it knocks at first
    command: |
      @wait_for@
      @get@
      # The appliance's own service, at the gateway: refused; then around
      # the bridge, in frames to a link-local MAC the bridge passes up
      # without its hooks (the gateway's ARP entry forged to point there).
      get 10.89.1.1 8000 "appliance service" && echo "appliance: open" || echo "appliance: closed"
      arp -i eth0 -s 10.89.1.1 01:80:c2:00:00:0e && echo "gateway at 01:80:c2:00:00:0e"
      get 10.89.1.1 8000 "appliance service" && echo "around the bridge: open" || echo "around the bridge: closed"
      arp -i eth0 -d 10.89.1.1
      get 10.89.1.2 5432 "db on 5432" && echo "plain: open" || echo "plain: closed"
      # app's address instead of its own: app may reach db:5432.
      ip addr add 10.89.1.3/32 dev eth0 && ip addr del 10.89.1.4/32 dev eth0 && echo "now 10.89.1.3"
      get 10.89.1.2 5432 "db on 5432" && echo "forged address: open" || echo "forged address: closed"
      # app's MAC too.
      ip link set eth0 address 02:b4:0a:59:01:03 && echo "now 02:b4:0a:59:01:03"
      get 10.89.1.2 5432 "db on 5432" && echo "forged address and MAC: open" || echo "forged address and MAC: closed"
      echo "rogue done"
      sleep 600
  - name: hostsvc
    image: busybox
    network: host
    files: [{path: /www/index.html, contents: "appliance service\n"}]
    command: exec httpd -f -p 8000 -h /www
  - name: peer
    image: busybox
    networks: [front, back]
    allow:
      - {to: db, ports: [6000]}
      - {to: web, ports: [80]}
    command: |
      @wait_for@
      @get@
      wait_for "db:6000" 60 get db 6000 "db on 6000" && echo "db:6000 open"
      wait_for "web:80" 60 get web 80 "web page" && echo "web:80 open"
      sleep 600
YAML
BOOT_NET=1 BOOT_BACKGROUND=1 boot_host walls "$work/walls.yml"
CTL() { timeout 60 "$BULKHEAD" ctl --socket "/proc/$(init_pid)/root/run/bulkhead/ctl.sock" "$@"; }
check "the init makes the networks of the 5 containers" \
  until_logged '^\[init\] network: 5 of 5 networked containers ready on 2 networks$' 60
check "app reaches db on the allowed port, by the name its /etc/hosts gives" \
  until_logged '^\[app\] db:5432 open (by name)$' 90
check "app is refused db's other port" until_logged '^\[app\] db:6000 closed$' 60
check "app is refused web, on a network both share, with no allow rule" until_logged '^\[app\] web:80 closed$' 60
check "app's /etc/hosts names only the peer it may reach" until_logged '^\[app\] hosts names db only$' 60
check "app has the init's resolv.conf" until_logged '^\[app\] resolv.conf is there$' 60
check "rogue is refused the appliance's own service at its gateway" until_logged '^\[rogue\] appliance: closed$' 60
check "rogue, with CAP_NET_ADMIN, points the gateway at a link-local MAC" \
  until_logged '^\[rogue\] gateway at 01:80:c2:00:00:0e$' 60
check "  ... and is refused around the bridge too" until_logged '^\[rogue\] around the bridge: closed$' 60
check "rogue is refused db without an allow rule" until_logged '^\[rogue\] plain: closed$' 60
check "rogue took app's address (its CAP_NET_ADMIN lets it)" until_logged '^\[rogue\] now 10.89.1.3$' 60
check "  ... and with it is still refused" until_logged '^\[rogue\] forged address: closed$' 60
check "rogue took app's MAC as well" until_logged '^\[rogue\] now 02:b4:0a:59:01:03$' 60
check "  ... and with both is still refused" until_logged '^\[rogue\] forged address and MAC: closed$' 60

# The servers app's refused probes tried do answer a peer allowed them.
check "peer, allowed db:6000, reaches it: app's refusal was the wall's" until_logged '^\[peer\] db:6000 open$' 90
check "peer, allowed web:80, reaches it too" until_logged '^\[peer\] web:80 open$' 90
# The appliance's own namespace (the init's, a network: host container's)
# opens nothing to a container either.
init=$(init_pid)
refused_from_init() { ! nsenter -t "$init" -n "${HTTP_GET[@]}" http://10.89.0.2:80/ 3 >/dev/null 2>&1; }
check "the appliance's own namespace is refused web:80" refused_from_init
serves_in_init() { nsenter -t "$init" -n "${HTTP_GET[@]}" http://10.89.1.1:8000/ 5 | grep -q 'appliance service'; }
check "the appliance's service rogue was refused does serve, in the appliance's namespace" serves_in_init

CTL ps >"$work/ps"
check "ctl ps shows each container's addresses" \
  grep -qE '^app .* front=10\.89\.0\.3,back=10\.89\.1\.3$' "$work/ps"
CTL net >"$work/net"
counter() { awk -v name="$1" '{ n = $(NF-1); $NF = ""; $(NF-1) = ""; sub(/ +$/, ""); if ($0 == name) print n }' "$work/net"; }
check "ctl net lists the counters under a header" grep -qE '^COUNTER +PACKETS +BYTES$' "$work/net"
check "  ... app -> db tcp/5432 accepted a connection" test "$(counter 'app -> db tcp/5432 accepted')" -ge 1
check "  ... app refused counts app's refused tries" test "$(counter 'app refused')" -ge 1
check "  ... rogue refused counts the plain try" test "$(counter 'rogue refused')" -ge 1
check "  ... rogue spoofed counts the forged packets" test "$(counter 'rogue spoofed')" -ge 1
check "  ... appliance: refused counts the appliance's own try" test "$(counter 'appliance: refused')" -ge 1
check "  ... bridge ports: refused counts rogue's try around the bridge" test "$(counter 'bridge ports: refused')" -ge 1
[ "$tap_failed" -eq 0 ] || diag <"$work/net"
kill -TERM "$init" 2>/dev/null
wait_boot
console_on_failure

# --- fail closed: an unreadable rule set starts no networked container
guest_manifest >"$work/closed.yml" <<'YAML'
name: closed
stop_grace: 500ms
networks:
  - name: front
services:
  - name: netted
    image: busybox
    networks: [front]
    command: echo "netted ran"
  - name: plain
    image: busybox
    command: echo "plain ran"
YAML
"$BULKHEAD" build -q "$work/closed.yml" -o "$work/closed" >"$work/closed.build" 2>&1
root=$work/closed.root
mkdir -p "$root" && (cd "$root" && zcat "$work/closed/initrd.img" | cpio -id --quiet 2>/dev/null)
check "the rule set is in the image" test -s "$root/etc/bulkhead/net.rules"
head -c 40 "$root/etc/bulkhead/net.rules" >"$work/cut" && cp "$work/cut" "$root/etc/bulkhead/net.rules"
boot_log=$work/closed.console
INIT_NET=1 "$TOP/tests/run-init" 120 "$root" >"$boot_log" 2>&1
check "a cut rule set is refused, saying no networked container will start" \
  grep -q '^\[init\] warning: network: the rule set could not be loaded (.*): none of the 1 containers on a network will start' \
  "$boot_log"
check "  ... the networked container did not run" sh -c "! grep -q '^\[netted\] netted ran' '$boot_log'"
check "  ... its start failed on its missing namespace" grep -q 'netted.*/run/bulkhead/netns/netted' "$boot_log"
check "  ... and the container without a network ran" grep -q '^\[plain\] plain ran$' "$boot_log"
console_on_failure
done_testing
