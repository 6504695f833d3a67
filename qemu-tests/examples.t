#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The examples users start from boot and do what their comments say:
# web-volume serves a page kept on its persistent disk across two boots to
# a client on a network of their own, and ends by itself with the client's
# status (on_exit: poweroff); web serves the
# host's browser through one published port; hardened's walls hold from
# inside each container.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
command -v mkfs.ext4 >/dev/null || skip_all "mkfs.ext4 is not installed (make deps installs e2fsprogs)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$TOP"

"$BULKHEAD" build -q examples/web-volume.yml -o "$work/web"
check "web-volume builds, with its disk" test -f "$work/web/disks/www.ext4"
serve() { # N: boot; the client's end powers the appliance off (no bulkhead stop)
  boot_log=$work/web-$1.log
  "$BULKHEAD" run --timeout 240 "$work/web" </dev/null 2>&1 | tr -d '\r' >"$boot_log"
  boot_status=${PIPESTATUS[0]}
}
serve 1
check "boot 1: the client got the page from the volume" grep -qx '\[client\] <h1>served from a volume, boot 1</h1>' "$boot_log"
check "  ... served by httpd as nobody with CAP_NET_BIND_SERVICE" \
  grep -qx '\[httpd\] httpd as uid 65534, CapEff 0000000000000400' "$boot_log"
check "  ... reached by its name on the network site, at the address the build gave it" \
  grep -qx '\[client\] httpd is 10.89.0.2 on the network site' "$boot_log"
check "  ... and the client's end powered it off: bulkhead run returned its status 0 (got $boot_status)" \
  sh -c "test $boot_status -eq 0 && grep -q 'client ended with status 0 (on_exit: poweroff): shutting down' '$boot_log'"
check "  ... httpd, behind init: true, stopped by the SIGTERM, not killed after its grace" \
  sh -c "grep -q 'httpd: exited with status 143' '$boot_log' && ! grep -q 'httpd: still running after its grace' '$boot_log'"
console_on_failure
serve 2
check "boot 2: the count on the disk went on" grep -qx '\[client\] <h1>served from a volume, boot 2</h1>' "$boot_log"
console_on_failure

# web: the seeds' case, a browser on the host and one -p.
command -v perl >/dev/null || skip_all "perl is the host's HTTP client (make deps installs it)"
port=$(free_port)
"$BULKHEAD" build -q examples/web.yml -o "$work/www"
check "web builds" test -f "$work/www/initrd.img"
boot_log=$work/www.log
( "$BULKHEAD" run --timeout 400 -p "$port:80" "$work/www" </dev/null 2>&1; echo "run exited $?" ) | sed -u 's/\r//g' >"$boot_log" &
check "web's server comes up as nobody" until_logged '^\[www\] serving http on port 80 of www, as uid 65534$' 300
fetch() { http_get "http://127.0.0.1:$port/" 10 >"$work/page" && [ -s "$work/page" ]; }
check "the host's browser gets the page through -p $port:80" wait_for "the page" 120 fetch
check "  ... the container's own page" grep -q 'Hello from a container inside a bulkhead appliance' "$work/page"
"$BULKHEAD" ctl --vm "$work/www" net >"$work/net" 2>&1
check "ctl net counts the published port's connections" \
  grep -qE '^publish tcp/80 -> www:80 accepted +[1-9][0-9]* ' "$work/net"
"$BULKHEAD" ctl --vm "$work/www" ps >"$work/ps" 2>&1
check "ctl ps shows www's address on front" grep -qE '^www .* front=10\.89\.0\.2$' "$work/ps"
[ "$tap_failed" -eq 0 ] || diag <"$work/net"
wait_for "bulkhead run to end after bulkhead stop" 240 press_stop "$work/www"
wait
check "  ... and bulkhead stop powers it off with status 0" grep -qx 'run exited 0' "$boot_log"
console_on_failure

boot hardened examples/hardened.yml
tr -d '\r' <"$boot_log" >"$work/h.log" && boot_log=$work/h.log
check "hardened ends with status 0 (got $boot_status) after ${boot_seconds:-?} s" test "$boot_status" -eq 0
check "walls: mount refused, rootfs read-only, no capabilities" sh -c "grep -qx '\[walls\] mount refused' '$boot_log' &&
  grep -qx '\[walls\] rootfs is read-only' '$boot_log' && grep -qx '\[walls\] capabilities 0000000000000000' '$boot_log'"
check "worker runs as nobody with its rlimit" grep -qx '\[worker\] worker as 65534:65534, nofile 256' "$boot_log"
check "  ... and its path rules refuse /usr" grep -qx '\[worker\] reading /usr: refused by Landlock' "$boot_log"
check "  ... and it did its work from its config file" grep -qx '\[init\] worker: exited with status 0' "$boot_log"
check "reporter: the profile refuses mkdir" grep -qx '\[reporter\] mkdir refused by the seccomp profile' "$boot_log"
check "  ... and its sysctl is set in its own network namespace" grep -qx '\[reporter\] port floor 1024' "$boot_log"
console_on_failure
done_testing
