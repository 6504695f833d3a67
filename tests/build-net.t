#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The NIC's driver in the image, seen from outside: an appliance that
# declares interfaces carries virtio_net, its dependencies (from
# modules.dep) and its transports with Debian's kernel, listed in load order
# in appliance.json; with kernel: minimal (built in) it carries no module at
# all; an appliance without interfaces carries no network module.
. "$(dirname "$0")/lib.sh"
[ -f "$BUILD/kernel/modules/modules.dep" ] || skip_all "no $BUILD/kernel/modules/modules.dep (make deps unpacks Debian's kernel)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# build NAME KERNEL [INTERFACES [MORE]]: an appliance with one service (and
# the top-level YAML MORE), built into NAME/, its initrd listed in NAME.list
# and its appliance.json in NAME.json.
build() {
  { echo "name: $1"; echo "kernel: $2"
    [ -z "${3:-}" ] || printf 'interfaces:\n%s\n' "$3"
    [ -z "${4:-}" ] || printf '%s\n' "$4"
    printf 'services:\n  - name: app\n    image: busybox\n    command: ["/bin/true"]\n'; } >"$1.yml"
  "$BULKHEAD" build "$1.yml" -o "$1" >"$1.out" 2>&1 || return 1
  zcat "$1/initrd.img" | cpio -tv --quiet >"$1.list" 2>/dev/null
  zcat "$1/initrd.img" | cpio -i --quiet --to-stdout etc/bulkhead/appliance.json >"$1.json" 2>/dev/null
}
# carries NAME MODULE: NAME's initrd holds MODULE.ko (any compression).
carries() { grep -qE " lib/modules/[^/]+/.*/$2\.ko(\.[a-z]+)?\$" "$1.list"; }
lacks() { ! carries "$@"; }
# carries_all NAME MODULE...: NAME's initrd holds each MODULE.
carries_all() { local name=$1 mod; shift; for mod; do carries "$name" "$mod" || return 1; done; }
# position NAME MODULE: where MODULE stands in NAME's load order (0 first).
position() { jq -r --arg m "$2" '.modules | map(test("/" + $m + "\\.ko")) | index(true)' "$1.json"; }

nic_modules="virtio_net net_failover failover virtio virtio_ring virtio_pci virtio_mmio"

build plain debian
check "an appliance without interfaces builds with Debian's kernel" test $? -eq 0
for mod in $nic_modules; do
  check "  ... and carries no $mod.ko" lacks plain "$mod"
done
check "  ... but the power button's module, as every appliance" carries plain button
check "  ... and not evdev's (the init hears the button over netlink)" lacks plain evdev
# button_last NAME: NAME's appliance.json loads the button's module last,
# and in the background (no container's start needs it).
button_last() { jq -e '(.modules[-1] | endswith("/button.ko")) and .modules_in_background == 1' "$1.json" >/dev/null; }
check "  ... which appliance.json leaves to the background" button_last plain

build net debian '  - address: dhcp'
status=$?
check "an appliance with interfaces builds with Debian's kernel (exit $status)" test $status -eq 0
[ $status -eq 0 ] || diag <net.out
for mod in $nic_modules; do
  check "  ... and carries $mod.ko" carries net "$mod"
done
check "  ... which appliance.json lists for the init to load" \
  test "$(jq '[.modules[] | select(test("/(virtio_net|net_failover|failover)\\.ko"))] | length' net.json)" -eq 3
check "  ... each after what it needs (failover, net_failover, virtio, virtio_ring before virtio_net)" \
  sh -c "[ $(position net failover) -lt $(position net net_failover) ] && [ $(position net net_failover) -lt $(position net virtio_net) ] &&
    [ $(position net virtio) -lt $(position net virtio_net) ] && [ $(position net virtio_ring) -lt $(position net virtio_net) ]"
check "  ... and each module once" test "$(jq '.modules | length' net.json)" -eq "$(jq '.modules | unique | length' net.json)"
check "  ... and the power button's last, after the NIC's, in the background" button_last net
check "  ... and no disk's modules (no disks declared)" lacks net virtio_blk

build both debian '  - address: 10.0.2.20/24' 'disks:
  - {label: data, size: 16M}'
check "an appliance with interfaces and a disk builds (exit $?)" test $? -eq 0
check "  ... and carries virtio_net.ko, virtio_blk.ko and ext4.ko" carries_all both virtio_net virtio_blk ext4
check "  ... with the transports they share once" test "$(jq '[.modules[] | select(test("/virtio_(pci|mmio)\\.ko"))] | length' both.json)" -eq 2
check "  ... and no module's parameters (none of them takes any)" test "$(jq '.module_options' both.json)" = null

# Two containers of one image share it, an erofs file on a loop device:
# loop is carried, with the parameters the init loads it with.
mkdir -p rootfs/bin && cp "$BUILD/tests/helpers/bulkhead-probe" rootfs/bin/
{ printf 'name: shared\nkernel: debian\nservices:\n'
  for name in a b; do printf '  - name: %s\n    image: dir:rootfs\n    command: ["/bin/bulkhead-probe"]\n' $name; done
} >shared.yml
"$BULKHEAD" build shared.yml -o shared >shared.out 2>&1
status=$?
zcat shared/initrd.img | cpio -i --quiet --to-stdout etc/bulkhead/appliance.json >shared.json 2>/dev/null
check "two containers of one dir: image build with Debian's kernel (exit $status)" test $status -eq 0
check "  ... loop is loaded with no device made up front: module_options $(jq -c .module_options shared.json)" \
  sh -c 'jq -r ".module_options | to_entries[] | \"\\(.key) \\(.value)\"" "$1" | grep -qxE "/lib/modules/[^/]+/kernel/drivers/block/loop\.ko max_loop=0" &&
    jq -e ".modules | index(\"$(jq -r ".module_options | keys[0]" "$1")\")" "$1" >/dev/null' sh shared.json

if [ -f "$BUILD/kernel-minimal/vmlinuz" ]; then
  build netmin minimal '  - address: dhcp'
  check "an appliance with interfaces builds with kernel: minimal (exit $?)" test $? -eq 0
  check "  ... and carries no module (virtio_net is built in)" sh -c "! grep -q '\.ko' netmin.list"
  check "  ... and appliance.json lists none" test "$(jq '.modules // [] | length' netmin.json)" -eq 0
else
  not_ok "no $BUILD/kernel-minimal/vmlinuz: make check builds kernel: minimal first (make kernel)"
fi
done_testing
