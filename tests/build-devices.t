#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Devices at build time: an image's device nodes (dir: and tar:) are left
# out with a note naming how many and one of them, FIFOs and sockets too;
# every container's config.json carries the default device allow-list, and
# devices: adds its entries and nodes to it.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to make device nodes in the test image"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
command -v python3 >/dev/null || skip_all "python3 makes the test image's socket"
[ -f "$BUILD/kernel/vmlinuz" ] || skip_all "no kernel at $BUILD/kernel/vmlinuz (make deps unpacks it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# An image as a hostile tenant ships it: the VM's disk and serial line.
mkdir -p img/dev img/bin img/etc
cp "$BUILD/tests/helpers/bulkhead-probe" img/bin/
mknod img/dev/vda b 253 0
mknod img/dev/ttyS1 c 4 65
mknod img/etc/raw c 1 1
mkfifo img/pipe
python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("img/sock")'
tar -cf img.tar -C img . 2>/dev/null # (tar cannot hold the socket)
cat >app.yml <<'YAML'
name: devices
services:
  - name: web
    image: dir:img
    command: ["/bin/bulkhead-probe", "open", "/dev/null"]
    userns: off # a node of the VM's root: see userns-devices in tests/manifests/bad
    devices:
      - c 10:229 rw /dev/fuse
      - b 7:* r
  - name: packed
    image: tar:img.tar
    command: ["/bin/bulkhead-probe", "open", "/dev/null"]
YAML
"$BULKHEAD" build -q app.yml -o out >out.log 2>&1
check "an image with device nodes builds (exit $?)" test $? -eq 0
diag <out.log
check "dir: the build says it dropped the 3 device nodes, naming the first" \
  grep -qx 'note: web: dropped 3 device nodes from the image (first: /dev/ttyS1); containers get /dev from the runtime' out.log
check "  ... and the FIFO and the socket" \
  grep -qx 'note: web: dropped 2 FIFO or socket nodes from the image; a program makes them at run time (in /tmp)' out.log
check "tar: the same note for the same image as an archive" \
  grep -qE '^note: packed: dropped 3 device nodes from the image \(first: /[a-z/]+(vda|ttyS1|raw)\); containers get /dev from the runtime$' out.log
zcat out/initrd.img | cpio -tvn --quiet >listing 2>/dev/null
check "the initrd holds no device node but the kernel's dev/console" \
  test "$(grep -E '^[bc]' listing | grep -vc ' dev/console$')" -eq 0
check "  ... nor a FIFO or a socket" test "$(grep -cE '^[ps]' listing)" -eq 0
check "  ... while the image's other files are there" grep -q ' containers/services/web/rootfs/bin/bulkhead-probe$' listing

mkdir root && (cd root && zcat ../out/initrd.img | cpio -id --quiet 2>/dev/null)
web=root/containers/services/web/config.json packed=root/containers/services/packed/config.json
check "every container's allow-list starts with deny all" \
  quietly jq -e '.linux.resources.devices[0] == {"allow": false, "access": "rwm"}' "$packed"
check "  ... then allows the standard nodes, null to pts, and nothing else" \
  test "$(jq -c '[.linux.resources.devices[1:][] | "\(.type) \(.major):\(.minor) \(.access)"]' "$packed")" = \
  '["c 1:3 rwm","c 1:5 rwm","c 1:7 rwm","c 1:8 rwm","c 1:9 rwm","c 5:0 rwm","c 5:2 rwm","c 136:null rwm"]'
check "devices: appends its entries after them (m added where the runtime makes a node)" \
  test "$(jq -c '[.linux.resources.devices[9:][] | "\(.type) \(.major):\(.minor) \(.access)"]' "$web")" = \
  '["c 10:229 rwm","b 7:null r"]'
check "  ... and the node with a path in linux.devices" \
  quietly jq -e '.linux.devices == [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}]' "$web"
check "a container without devices: has no linux.devices" quietly jq -e '.linux.devices == null' "$packed"
check "spec's default and the builder's list are the same" \
  test "$(jq -Sc .linux.resources.devices "$packed")" = \
  "$("$BUILD/bin/bulkhead-runtime" spec --bundle "$work" >/dev/null && jq -Sc .linux.resources.devices "$work/config.json")"
done_testing
