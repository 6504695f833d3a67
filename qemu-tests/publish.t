#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead run -p: a web server in the appliance (busybox httpd in a
# `network: host` container, on the eth0 the init configured by DHCP) is reached from the host
# through `-p 127.0.0.1:PORT:80`; the VM's own attempt to reach a server on
# the host's loopback (10.0.2.2 under user networking) is refused, since
# the default user network is restricted; a host port already taken is
# told as such, naming the port; bulkhead stop then powers the appliance
# off with status 0. And the NIC is there on microvm (as eth0) and on a
# qcow2 disk booted under OVMF (on the PCI bus).
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
command -v perl >/dev/null || skip_all "perl is the host's HTTP client (make deps installs it)"
BUSYBOX=$(command -v busybox || echo /bin/busybox)
[ -x "$BUSYBOX" ] || skip_all "no busybox for the host's server (make deps installs busybox-static)"

# The init configures eth0 itself (interfaces: [{}], DHCP from QEMU's user
# network); Debian's kernel carries virtio-net for an appliance that
# declares interfaces.

work=$(mktemp -d)
run_pid=
host_httpd=
holder=
# On the way out: bulkhead run (the subshell's child; QEMU ends with it),
# the host's server, the port holder.
cleanup() {
  [ -z "$run_pid" ] || pkill -KILL -P "$run_pid" 2>/dev/null
  kill $run_pid $host_httpd $holder 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
host_port=$(free_port)
[ "$port" != "$host_port" ] || host_port=$(free_port)

# A server on the host's loopback that the VM must not reach.
mkdir "$work/hostwww"
echo "the host's own page" >"$work/hostwww/index.html"
"$BUSYBOX" httpd -f -p "127.0.0.1:$host_port" -h "$work/hostwww" &
host_httpd=$!

guest_manifest >"$work/publish.yml" <<YAML
name: publish
stop_grace: 500ms
interfaces: [{}]
services:
  - name: web
    image: busybox
    network: host
    userns: off # port 80 of the VM's namespace: only the VM's root may bind it
    capabilities: [CAP_NET_BIND_SERVICE]
    files:
      - path: /www/index.html
        contents: |
          published from inside the appliance
    command: |
      @wait_for@
      wait_for "eth0's address" 120 sh -c 'ip -4 addr show dev eth0 | grep -q "inet 10\.0\.2\."' || exit 1
      # busybox's wget -T crashes (Debian's 1.35): ask with nc, and say how
      # it ended, so that a missing applet (127) cannot pass for a wall.
      reply=\$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.0.2.2 $host_port 2>&1); rc=\$?
      case "\$reply" in *"host's own page"*) echo "egress: open" ;; *) echo "egress: closed (nc exit \$rc)" ;; esac
      echo "serving on port 80"
      exec httpd -f -p 80 -h /www
YAML
"$BULKHEAD" build -q "$work/publish.yml" -o "$work/publish" 2>"$work/build.err"
check "the appliance builds" test $? -eq 0
[ -s "$work/build.err" ] && diag <"$work/build.err"

# A host port already taken: QEMU cannot listen, and bulkhead says which.
holder_file=$work/holder.port
perl -MIO::Socket::INET -e '$| = 1; my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0") or die;
  open(my $f, ">", $ARGV[0]) or die; print $f $s->sockport, "\n"; close $f; sleep 600' "$holder_file" &
holder=$!
holding() { [ -s "$holder_file" ]; }
wait_for "a port held on the host" 30 holding
taken=$(cat "$holder_file")
"$BULKHEAD" run --timeout 120 -p "127.0.0.1:$taken:80" "$work/publish" </dev/null >"$work/taken.out" 2>"$work/taken.err"
status=$?
check "a taken host port: bulkhead run fails with status 125 (got $status)" test "$status" -eq 125
check "  ... naming the --publish and the port" \
  grep -q "^bulkhead run: --publish 127.0.0.1:$taken:80: QEMU could not listen on tcp port $taken of 127.0.0.1, which is most likely in use" \
  "$work/taken.err"
kill $holder 2>/dev/null; wait $holder 2>/dev/null; holder=
[ "$status" -eq 125 ] || diag <"$work/taken.err"

boot_log=$work/console
( "$BULKHEAD" run --timeout 600 -p "127.0.0.1:$port:80" "$work/publish" </dev/null; echo "run exited $?" ) >"$boot_log" 2>&1 &
run_pid=$!
check "the web service comes up" until_logged '^\[web\] serving on port 80' 300

fetch() { http_get "http://127.0.0.1:$port/" 10 >"$work/page" && [ -s "$work/page" ]; }
check "the host reaches the appliance's web server through -p 127.0.0.1:$port:80" \
  wait_for "the page through the published port" 120 fetch
check "  ... and gets its page" grep -qx 'published from inside the appliance' "$work/page"
check "the VM cannot reach a server on the host's loopback: egress is closed (nc ran and failed)" \
  logged '^\[web\] egress: closed (nc exit 1)'
host_serves() { [ "$(http_get "http://127.0.0.1:$host_port/" 10)" = "the host's own page" ]; }
check "  ... while the host's server does serve (the probe was real)" host_serves
# The host's first global IPv4 address, if it has one: the forward must
# not answer there.
outside=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
not_outside() { ! http_get "http://$outside:$port/" 5 >/dev/null 2>&1; }
if [ -n "$outside" ]; then
  check "the forward listens on 127.0.0.1 only, not on $outside" not_outside
else
  ok "# SKIP the host has no global IPv4 address to try the forward on"
fi

check "bulkhead stop ends the run" wait_for "bulkhead run to end" 240 press_stop "$work/publish"
wait $run_pid 2>/dev/null
run_pid=
tr -d '\r' <"$boot_log" >"$work/log" && boot_log=$work/log
check "the appliance powers off with status 0" grep -qx 'run exited 0' "$boot_log"
console_on_failure

# The same NIC on the other machine and on a disk format: a one-shot
# container in the appliance's namespace lists what it sees.
cat >"$work/nic.yml" <<'YAML'
name: nic
services:
  - name: nic
    image: busybox
    network: host
    command: "ls /sys/class/net | tr '\\n' ' '; echo; cat /sys/bus/pci/devices/*/uevent 2>/dev/null | grep -x 'PCI_ID=1AF4:1000'; true"
YAML
if [ -f "$BUILD/kernel-minimal/vmlinuz" ]; then
  BUILD_FLAGS="--kernel $BUILD/kernel-minimal/vmlinuz" BOOT_FLAGS="--machine microvm" boot microvm "$work/nic.yml"
  check "on microvm the guest sees the NIC as eth0 (status $boot_status)" \
    sh -c "[ $boot_status -eq 0 ] && tr -d '\r' <'$boot_log' | grep -q '^\[nic\] eth0 lo $'"
  console_on_failure
else
  ok "# SKIP no kernel: minimal to boot microvm with"
fi
if [ -r /usr/share/OVMF/OVMF_CODE.fd ] && command -v mformat >/dev/null; then
  # Debian's kernel loads virtio_net only for an appliance that declares
  # interfaces:, so here the device is looked for on the PCI bus.
  BUILD_FLAGS="--format qcow2" boot qcow2 "$work/nic.yml"
  check "a qcow2 disk booted under OVMF has the virtio-net device on its PCI bus (status $boot_status)" \
    sh -c "[ $boot_status -eq 0 ] && tr -d '\r' <'$boot_log' | grep -qx '\[nic\] PCI_ID=1AF4:1000'"
  console_on_failure
else
  ok "# SKIP no OVMF or mtools to build and boot a disk format"
fi
done_testing
