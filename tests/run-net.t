#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead run --net and --publish: the QEMU arguments each makes (the
# default restricted user NIC, each --publish form's hostfwd, tap, bridge,
# none, on pc, microvm and a disk format), every malformed or conflicting
# option refused with status 2 and a message saying what to do, and QEMU's
# failure to set up the NIC (a taken host port, a tap or bridge it may not
# use) told in bulkhead's words with what to do.
#
# QEMU is played by a script first on PATH, as in tests/accel.t; it
# records its arguments one a line. qemu-tests/publish.t boots the real
# one and reaches a server in the VM through --publish.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/bin"
# FAKE_FAIL plays QEMU failing to set up its -netdev, with QEMU's own
# words: port (the forward of host port FAKE_PORT cannot listen), tap (no
# access to /dev/net/tun), bridge (the helper's ACL is missing).
cat >"$work/bin/qemu-system-x86_64" <<'QEMU'
#!/bin/bash
printf '%s\n' "$@" >"$FAKE_CALLS"
netdev=
while [ $# -gt 0 ]; do [ "$1" = -netdev ] && netdev=$2; shift; done
case ${FAKE_FAIL:-} in
  port)
    rule=$(printf '%s' "$netdev" | tr ',' '\n' | sed -n "s/^hostfwd=\(.*:$FAKE_PORT-.*\)/\1/p" | head -n1)
    echo "qemu-system-x86_64: -netdev $netdev: Could not set up host forwarding rule '$rule'" >&2
    exit 1 ;;
  tap)
    echo "qemu-system-x86_64: -netdev $netdev: could not open /dev/net/tun: Permission denied" >&2
    exit 1 ;;
  bridge)
    echo "failed to parse default acl file \`/etc/qemu/bridge.conf'" >&2
    echo "qemu-system-x86_64: -netdev $netdev: bridge helper failed" >&2
    exit 1 ;;
esac
echo "[init] appliance fake: up"
exit 3
QEMU
chmod +x "$work/bin/qemu-system-x86_64"

cat >"$work/fake.yml" <<'YAML'
name: fake
services:
  - name: one
    image: busybox
    command: ["/bin/true"]
YAML
"$BULKHEAD" build -q "$work/fake.yml" -o "$work/fake"
# A disk format as bulkhead run knows it: by its file (OVMF is only named).
mkdir "$work/disk"
cp "$work/fake/cmdline" "$work/disk/"
: >"$work/disk/disk.qcow2"

# run ARGS...: bulkhead run --accel tcg ARGS... (the last: the directory).
# Sets status, err and args (QEMU's arguments, one a line; empty when
# QEMU never started).
run() {
  rm -f "$work/calls"
  env PATH="$work/bin:$PATH" FAKE_CALLS="$work/calls" \
    "$BULKHEAD" run --accel tcg --timeout 100 "$@" </dev/null >"$work/out" 2>"$work/err"
  status=$?
  err=$(cat "$work/err")
  args=$(cat "$work/calls" 2>/dev/null)
}
# after OPTION: the argument after QEMU's OPTION (each one, a line each).
after() { printf '%s\n' "$args" | awk -v o="$1" 'p { print; p = 0 } $0 == o { p = 1 }'; }
said() { printf '%s\n' "$err" | grep -q -- "$1"; }
# refused MESSAGE ARGS...: run ARGS refused with status 2 before QEMU ran,
# MESSAGE (a grep pattern) on stderr.
refused() {
  local message=$1
  shift
  run "$@"
  [ "$status" -eq 2 ] && [ -z "$args" ] && said "$message"
}

run "$work/fake"
check "by default the VM gets a user NIC with restrict=on ($(after -netdev))" \
  test "$(after -netdev)" = "user,id=net0,restrict=on"
check "  ... as virtio-net on PCI, without an option ROM ($(after -device | grep net))" \
  sh -c "printf '%s\n' \"\$1\" | grep -qx 'virtio-net-pci,romfile=,netdev=net0'" sh "$(after -device)"
check "  ... and the boot goes on as before (status $status)" test "$status" -eq 0

run --machine microvm "$work/fake"
check "on microvm the NIC is a virtio-net MMIO device" \
  sh -c "printf '%s\n' \"\$1\" | grep -qx 'virtio-net-device,netdev=net0'" sh "$(after -device)"
check "  ... on the same restricted user network" test "$(after -netdev)" = "user,id=net0,restrict=on"

run --net user "$work/disk"
check "a disk format gets the same NIC ($(after -netdev))" \
  sh -c "[ '$(after -netdev)' = user,id=net0,restrict=on ] && printf '%s\n' \"\$1\" | grep -qx 'virtio-net-pci,romfile=,netdev=net0'" \
  sh "$(after -device)"
check "  ... beside its boot disk" sh -c "printf '%s\n' \"\$1\" | grep -q '^if=none,id=boot,format=qcow2'" sh "$(after -drive)"

run --net none "$work/fake"
check "--net none: no NIC at all (no -netdev, no net device)" \
  sh -c "[ -n \"\$1\" ] && ! printf '%s\n' \"\$1\" | grep -q -- '-netdev\|virtio-net'" sh "$args"

run -p 8080:80 "$work/fake"
check "-p HOST:GUEST forwards tcp from 127.0.0.1 ($(after -netdev))" \
  test "$(after -netdev)" = "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:8080-:80"
run --publish 0.0.0.0:8443:443/tcp -p 10.1.2.3:5353:53/udp --publish 9000:9000/udp "$work/fake"
check "ADDR:HOST:GUEST, /tcp and /udp, repeated: one hostfwd each, in order ($(after -netdev))" \
  test "$(after -netdev)" = "user,id=net0,restrict=on,hostfwd=tcp:0.0.0.0:8443-:443,hostfwd=udp:10.1.2.3:5353-:53,hostfwd=udp:127.0.0.1:9000-:9000"
run -p 53:53/udp -p 53:53 "$work/fake"
check "the same host port for tcp and for udp is two forwards" \
  test "$(after -netdev)" = "user,id=net0,restrict=on,hostfwd=udp:127.0.0.1:53-:53,hostfwd=tcp:127.0.0.1:53-:53"

run --net tap:tap7 "$work/fake"
check "--net tap:IF: QEMU opens the tap IF and runs no script ($(after -netdev))" \
  test "$(after -netdev)" = "tap,id=net0,ifname=tap7,script=no,downscript=no"
check "  ... with the same virtio-net device" \
  sh -c "printf '%s\n' \"\$1\" | grep -qx 'virtio-net-pci,romfile=,netdev=net0'" sh "$(after -device)"
run --net bridge:br-lan0 "$work/fake"
check "--net bridge:BR: QEMU's bridge helper attaches to BR ($(after -netdev))" \
  test "$(after -netdev)" = "bridge,id=net0,br=br-lan0"
run --net tap:tap7 --net user -p 80:80 "$work/fake"
check "the last --net wins ($(after -netdev))" \
  test "$(after -netdev)" = "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:80-:80"

# Refusals: status 2, nothing started, a message saying what to do.
check "--net with an unknown network is refused, naming the choices" \
  refused '^bulkhead run: --net wifi: unknown network "wifi" (use none, user, tap:IF or bridge:BR)$' --net wifi "$work/fake"
check "--net tap: without a name is refused" \
  refused '^bulkhead run: --net tap:: "" is not an interface name (1 to 15 letters, digits' --net tap: "$work/fake"
check "--net tap:IF with a comma (a QEMU option smuggled in) is refused" \
  refused '^bulkhead run: --net tap:x,script=/tmp/s: "x,script=/tmp/s" is not an interface name' --net tap:x,script=/tmp/s "$work/fake"
check "--net bridge:BR longer than an interface name is refused" \
  refused '^bulkhead run: --net bridge:a-very-long-bridge: "a-very-long-bridge" is not an interface name' \
  --net bridge:a-very-long-bridge "$work/fake"
check "--publish with one port is refused" \
  refused '^bulkhead run: --publish 8080: expected HOST:GUEST, two ports (write \[ADDR:\]HOST:GUEST\[/tcp|/udp\], e.g. 8080:80)$' \
  -p 8080 "$work/fake"
check "--publish with a port 0 is refused" \
  refused '^bulkhead run: --publish 0:80: the host port "0" is not a number from 1 to 65535$' -p 0:80 "$work/fake"
check "--publish with a port above 65535 is refused" \
  refused '^bulkhead run: --publish 8080:65536: the guest port "65536" is not a number from 1 to 65535$' -p 8080:65536 "$work/fake"
check "--publish with a leading zero is refused, not read as another port" \
  refused '^bulkhead run: --publish 08080:80: the host port "08080" is not a number from 1 to 65535 (write it without a leading zero)$' \
  -p 08080:80 "$work/fake"
check "--publish with a port that is no number is refused" \
  refused '^bulkhead run: --publish http:80: the host port "http" is not a number from 1 to 65535$' -p http:80 "$work/fake"
check "--publish with an empty guest port is refused" \
  refused '^bulkhead run: --publish 8080:: the guest port "" is not a number' -p 8080: "$work/fake"
check "--publish with an unknown protocol is refused" \
  refused '^bulkhead run: --publish 8080:80/sctp: unknown protocol "sctp" (end with /tcp, the default, or /udp)$' \
  -p 8080:80/sctp "$work/fake"
check "--publish with an address that is no IPv4 address is refused" \
  refused '^bulkhead run: --publish localhost:8080:80: "localhost" is not an IPv4 address (write a dotted address' \
  -p localhost:8080:80 "$work/fake"
check "--publish with an IPv6 address is refused: IPv4 only" \
  refused '^bulkhead run: --publish \[::1\]:8080:80: only IPv4 addresses can be published' -p '[::1]:8080:80' "$work/fake"
check "--publish with too many fields is refused" \
  refused '^bulkhead run: --publish 1.2.3.4:1:2:3: too many' -p 1.2.3.4:1:2:3 "$work/fake"
check "the same host port published twice is refused, naming the first" \
  refused '^bulkhead run: --publish 127.0.0.2:8080:81: host port 8080/tcp is already published by --publish 8080:80 (give each forward its own host port)$' \
  -p 8080:80 -p 127.0.0.2:8080:81 "$work/fake"
many=()
for i in $(seq 1 33); do many+=(-p "$((10000 + i)):80"); done
check "more than 32 forwards are refused" refused '^bulkhead run: --publish 10033:80: more than 32 ports published' \
  "${many[@]}" "$work/fake"
check "--publish with --net tap: publishing is the host's job" \
  refused "^bulkhead run: --publish 8080:80: publishing needs --net user; with --net tap:tap7 the VM sits on the host's network under an address of its own, and publishing its ports is the host's job" \
  -p 8080:80 --net tap:tap7 "$work/fake"
check "--publish with --net bridge: the same" \
  refused "^bulkhead run: --publish 8080:80: publishing needs --net user; with --net bridge:br0 " --net bridge:br0 -p 8080:80 "$work/fake"
check "--publish with --net none: there is no NIC" \
  refused "^bulkhead run: --publish 8080:80: --net none gives the VM no NIC to forward to (use --net user, the default)$" \
  --net none -p 8080:80 "$work/fake"

# QEMU failing to set up the NIC, in bulkhead's words.
FAKE_FAIL=port FAKE_PORT=8443 run -p 8080:80 -p 0.0.0.0:8443:443 "$work/fake"
check "a taken host port: status 125 (got $status)" test "$status" -eq 125
check "  ... QEMU's own line is shown" said "^qemu-system-x86_64: -netdev user,.*: Could not set up host forwarding rule 'tcp:0.0.0.0:8443-:443'$"
check "  ... and bulkhead names the --publish and the port, and says what to do" \
  said "^bulkhead run: --publish 0.0.0.0:8443:443: QEMU could not listen on tcp port 8443 of 0.0.0.0, which is most likely in use (pick another host port, or stop what holds it)$"
FAKE_FAIL=tap run --net tap:tap7 "$work/fake"
check "a tap QEMU may not open: status 125, root or a tap you own" \
  sh -c "[ $status -eq 125 ] && printf '%s\n' \"\$1\" | grep -q '^bulkhead run: --net tap:tap7: QEMU could not open the tap device tap7 (could not open /dev/net/tun: Permission denied): it needs root, or a tap device that you own, made beforehand by root with .ip tuntap add dev tap7 mode tap user \$USER.'" \
  sh "$err"
FAKE_FAIL=bridge run --net bridge:br0 "$work/fake"
check "a bridge the helper refuses: status 125, the bridge helper's ACL" \
  sh -c "[ $status -eq 125 ] && printf '%s\n' \"\$1\" | grep -q '^bulkhead run: --net bridge:br0: QEMU.s bridge helper could not attach the VM to br0 (bridge helper failed): .*/etc/qemu/bridge.conf, must say .allow br0.'" \
  sh "$err"
check "  ... after what the helper itself said" said "^failed to parse default acl file"

# Under KVM, a NIC QEMU could not set up is not KVM's failure, even when
# QEMU's line says "kvm": no fall-back to TCG, nothing remembered.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
  export XDG_CACHE_HOME=$work/cache
  : >"$work/calls"
  unshare --mount sh -c 'mount -t tmpfs -o mode=0755 none /dev && mknod -m 666 /dev/null c 1 3 &&
    : >/dev/kvm && chmod 666 /dev/kvm && exec "$@"' sh \
    env PATH="$work/bin:$PATH" FAKE_CALLS="$work/calls" FAKE_FAIL=tap \
    "$BULKHEAD" run --accel auto --timeout 100 --net tap:kvmtap "$work/fake" </dev/null >"$work/out" 2>"$work/err"
  status=$?
  err=$(cat "$work/err")
  check "under KVM a tap QEMU may not open is told as such (status $status)" \
    sh -c "[ $status -eq 125 ] && printf '%s\n' \"\$1\" | grep -q '^bulkhead run: --net tap:kvmtap: QEMU could not open the tap device'" sh "$err"
  no_fallback() { grep -q accel=kvm "$work/calls" && ! said 'booting again under TCG' && [ ! -e "$XDG_CACHE_HOME/bulkhead/kvm-verdict" ]; }
  check "  ... without a fall-back to TCG, nothing remembered against KVM" no_fallback
else
  ok "# SKIP the KVM case needs root, to give it a /dev/kvm of its own"
fi

"$BULKHEAD" run --help >"$work/help"
check "the help says egress is closed by default" grep -q 'egress is closed' "$work/help"
check "  ... and that published ports bind to the host's loopback unless ADDR says otherwise" \
  grep -q 'it binds to 127.0.0.1, the host.s' "$work/help"
done_testing
