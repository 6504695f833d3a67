#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The containers' networks in a booted appliance (Debian's kernel, its
# veth, bridge and nf_tables modules), seen from outside the code: the
# host reaches a container's web server through `-p` and the container's
# ports:; a container reaches another only on the port its allow: names;
# a container with CAP_NET_ADMIN and CAP_NET_RAW that forges app's address
# is refused; egress is refused by default and works to the one address
# and port a container's egress: names (a server on the host's loopback,
# 10.0.2.2 from the VM); and ctl net counts each refusal.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
command -v perl >/dev/null || skip_all "perl is the host's HTTP client (make deps installs it)"
BUSYBOX=$(command -v busybox || echo /bin/busybox)
[ -x "$BUSYBOX" ] || skip_all "no busybox for the host's server (make deps installs busybox-static)"
work=$(mktemp -d)
host_httpd=
# On the way out: QEMU (its command line names the output directory), the
# host's server.
cleanup() {
  pkill -KILL -f "$work/walls" 2>/dev/null
  kill $host_httpd 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
host_port=$(free_port)
[ "$port" != "$host_port" ] || host_port=$(free_port)
mkdir "$work/hostwww"
echo "the host's own page" >"$work/hostwww/index.html"
"$BUSYBOX" httpd -f -p "127.0.0.1:$host_port" -h "$work/hostwww" &
host_httpd=$!

# front 10.89.0.0/24: web .2, app .3, out .4; back 10.89.1.0/24: db .2,
# app .3, rogue .4.
guest_manifest >"$work/walls.yml" <<YAML
name: walls
stop_grace: 500ms
interfaces: [{}]
networks:
  - name: front
  - name: back
services:
  - name: web
    image: busybox
    networks: [front]
    ports: ["8080:80"]
    capabilities: [CAP_NET_BIND_SERVICE]
    files: [{path: /www/index.html, contents: "a container's page\n"}]
    command: echo "web serving"; exec httpd -f -p 80 -h /www
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
      wait_for "db:5432" 200 get db 5432 "db on 5432" && echo "db:5432 open"
      get 10.89.1.2 6000 "db on 6000" && echo "db:6000 open" || echo "db:6000 closed"
      get 10.89.0.2 80 "a container" && echo "web:80 open" || echo "web:80 closed"
      get 10.0.2.2 $host_port "own page" && echo "egress open" || echo "egress closed"
      echo "app done"
      sleep 3600
  - name: out
    image: busybox
    networks: [front]
    egress:
      - {to: 10.0.2.2, ports: [$host_port]}
    command: |
      @wait_for@
      @get@
      wait_for "the host's server" 200 get 10.0.2.2 $host_port "own page" && echo "egress to the host's server: open"
      sleep 3600
  - name: rogue
    image: busybox
    networks: [back]
    capabilities: [CAP_NET_ADMIN, CAP_NET_RAW]
    command: |
      @wait_for@
      @get@
      get 10.89.1.2 5432 "db on 5432" && echo "plain: open" || echo "plain: closed"
      ip addr add 10.89.1.3/32 dev eth0 && ip addr del 10.89.1.4/32 dev eth0 && echo "now 10.89.1.3"
      get 10.89.1.2 5432 "db on 5432" && echo "forged: open" || echo "forged: closed"
      sleep 3600
YAML
"$BULKHEAD" build -q "$work/walls.yml" -o "$work/walls" 2>"$work/build.err"
check "the appliance builds" test $? -eq 0
[ -s "$work/build.err" ] && diag <"$work/build.err"
check "it asks bulkhead run to let the VM out (a container has egress)" grep -q ' bulkhead.egress' "$work/walls/cmdline"

boot_log=$work/console
( "$BULKHEAD" run --timeout 900 -p "127.0.0.1:$port:8080" "$work/walls" </dev/null 2>&1; echo "run exited $?" ) |
  sed -u 's/\r//g' >"$boot_log" &
run_pid=$! # the pipeline's last part, which ends with the run
check "the init makes the networks of the 5 containers" \
  until_logged '^\[init\] network: 5 of 5 networked containers ready on 2 networks$' 300
check "web comes up" until_logged '^\[web\] web serving$' 300
fetch() { http_get "http://127.0.0.1:$port/" 10 >"$work/page" && [ -s "$work/page" ]; }
check "the host reaches web's server: -p $port:8080, then ports: 8080:80" \
  wait_for "the page through the published port" 200 fetch
check "  ... and gets the container's page" grep -qx "a container's page" "$work/page"
check "app reaches db on the allowed port" until_logged '^\[app\] db:5432 open$' 300
check "app is refused db's other port" until_logged '^\[app\] db:6000 closed$' 120
check "app is refused web (no allow rule)" until_logged '^\[app\] web:80 closed$' 120
check "app is refused the host's server (no egress rule)" until_logged '^\[app\] egress closed$' 120
check "out reaches the host's server, the one address and port its egress names" \
  until_logged '^\[out\] egress to the host.s server: open$' 300
check "rogue is refused db" until_logged '^\[rogue\] plain: closed$' 120
check "rogue forges app's address" until_logged '^\[rogue\] now 10.89.1.3$' 120
check "  ... and is still refused" until_logged '^\[rogue\] forged: closed$' 120

"$BULKHEAD" ctl --vm "$work/walls" net >"$work/net" 2>&1
counter() { awk -v name="$1" '{ n = $(NF-1); $NF = ""; $(NF-1) = ""; sub(/ +$/, ""); if ($0 == name) print n }' "$work/net"; }
check "ctl net: the published port accepted the host's connection" \
  test "$(counter 'publish tcp/8080 -> web:80 accepted')" -ge 1
check "  ... app -> db tcp/5432 accepted" test "$(counter 'app -> db tcp/5432 accepted')" -ge 1
check "  ... app's refusals are counted" test "$(counter 'app refused')" -ge 1
check "  ... out's egress accepted" test "$(counter "out egress 10.0.2.2/32 tcp/$host_port accepted")" -ge 1
check "  ... rogue's forged packets are counted" test "$(counter 'rogue spoofed')" -ge 1
check "  ... and nothing from outside carried a container network's address (the init's DHCP broadcasts neither)" \
  test "$(counter 'outside: spoofed')" -eq 0
[ "$tap_failed" -eq 0 ] || diag <"$work/net"

check "bulkhead stop ends the run" wait_for "bulkhead run to end" 240 press_stop "$work/walls"
# The run only: the host's server stays up until the cleanup.
wait "$run_pid"
check "the appliance powers off with status 0" grep -qx 'run exited 0' "$boot_log"
console_on_failure
done_testing
