#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The VM's devices from inside a default container (uid 0, no
# capabilities) whose image shipped nodes for the raw virtio disk (every
# major virtio-blk may get) and the control serial line: the build drops
# them, so they are not there (ENOENT), and /dev, the runtime's, has only
# the standard nodes. Those still work: /dev/null, /dev/urandom, a new pty;
# /dev/tty answers ENXIO (no controlling terminal: the device program let
# the open through to the tty layer). A container whose devices: names
# /dev/kmsg for writing may write to it; one whose entry allows only mknod
# gets the node and EPERM from the device program (writing to /dev/kmsg
# needs no privilege: nothing else refuses it). Both kernels: Debian's and
# kernel: minimal (which needs CONFIG_BPF_SYSCALL and CONFIG_CGROUP_BPF).
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
[ "$(id -u)" -eq 0 ] || skip_all "needs root to make device nodes in the test image"
busybox=$(command -v busybox) || skip_all "no busybox (make deps installs busybox-static)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

img=$work/img
mkdir -p "$img/bin" "$img/dev" "$img/srv"
cp "$busybox" "$img/bin/busybox"
ln -s busybox "$img/bin/sh"
cp "$BUILD/tests/helpers/bulkhead-probe" "$img/bin/"
# virtio-blk's major is dynamic: 252 to 254 are where it lands.
for major in 252 253 254; do mknod "$img/srv/vda-$major" b "$major" 0; done
mknod "$img/dev/vda" b 254 0
mknod "$img/dev/ttyS1" c 4 65
mknod "$img/srv/ttyS1" c 4 65
chmod 666 "$img"/srv/* "$img"/dev/*

# manifest KERNEL: the appliance, on KERNEL (debian or minimal).
manifest() {
  cat <<YAML
name: devices
kernel: $1
disks:
  - label: data
    size: 16M
onboot:
  - name: tenant
    image: dir:$img
    command: |
      for p in /dev/vda /srv/vda-252 /srv/vda-253 /srv/vda-254 /dev/ttyS1 /srv/ttyS1; do
        echo "open \$p: \$(bulkhead-probe open \$p rw)"
      done
      echo "nodes in /dev: \$(ls /dev | tr '\\n' ' ')"
      echo "open /dev/null: \$(bulkhead-probe open /dev/null rw)"
      echo "open /dev/urandom: \$(bulkhead-probe open /dev/urandom r)"
      echo "open /dev/ptmx: \$(bulkhead-probe open /dev/ptmx rw)"
      echo "open /dev/tty: \$(bulkhead-probe open /dev/tty rw)"
  - name: logger
    image: dir:$img
    userns: off # device nodes are the VM's root's
    devices:
      - c 1:11 w /dev/kmsg
    command: |
      echo "open /dev/kmsg w: \$(bulkhead-probe open /dev/kmsg w)"
  - name: nowrite
    image: dir:$img
    userns: off
    devices:
      - c 1:11 m /dev/kmsg
    command: |
      echo "open /dev/kmsg w: \$(bulkhead-probe open /dev/kmsg w)"
services:
  - name: neighbour
    image: busybox
    volumes:
      - disk: data
        path: /data
    command: "echo secret >/data/s; echo neighbour wrote"
YAML
}

for kernel in debian minimal; do
  if [ "$kernel" = minimal ] && [ ! -f "$BUILD/kernel-minimal/vmlinuz" ]; then
    not_ok "no $BUILD/kernel-minimal/vmlinuz: make kernel builds it"
    continue
  fi
  manifest $kernel >"$work/$kernel.yml"
  boot $kernel "$work/$kernel.yml"
  log=$work/$kernel.log
  tr -d '\r' <"$boot_log" >"$log"
  said() { grep -qx -- "$1" "$log"; }
  check "$kernel: the appliance ran and powered off with status 0 (got $boot_status)" test "$boot_status" -eq 0
  check "$kernel: the neighbour wrote to its volume on the virtio disk" said '\[neighbour\] neighbour wrote'
  for p in /dev/vda /srv/vda-252 /srv/vda-253 /srv/vda-254 /dev/ttyS1 /srv/ttyS1; do
    check "$kernel: the image's node $p is not there: ENOENT" said "\[tenant\] open $p: ENOENT"
  done
  check "$kernel: /dev holds only the standard nodes and links" \
    said '\[tenant\] nodes in /dev: core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero '
  check "$kernel: /dev/null opens read-write" said '\[tenant\] open /dev/null: ok'
  check "$kernel: /dev/urandom opens" said '\[tenant\] open /dev/urandom: ok'
  check "$kernel: /dev/ptmx opens (a new pty)" said '\[tenant\] open /dev/ptmx: ok'
  check "$kernel: /dev/tty reaches the tty layer: ENXIO, no controlling terminal" said '\[tenant\] open /dev/tty: ENXIO'
  check "$kernel: devices: c 1:11 w lets the container open /dev/kmsg for writing" said '\[logger\] open /dev/kmsg w: ok'
  check "$kernel: with devices: c 1:11 m the node is made, and writing is EPERM from the device program" \
    said '\[nowrite\] open /dev/kmsg w: EPERM'
  console_on_failure
done
done_testing
