#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel contract: Debian's kernel and kernel: minimal, which appliances
# boot, meet it, and bulkhead check-kernel does notice a config that does
# not. The minimal kernel's build stops when a fragment's symbol does not
# come out of olddefconfig as written.
. "$(dirname "$0")/lib.sh"
[ -f "$BUILD/kernel/config" ] || skip_all "no kernel config at $BUILD/kernel/config (make deps unpacks it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$BULKHEAD" check-kernel "$BUILD/kernel/config" >"$work/out"
check "Debian's kernel config has every required feature (exit $?)" test $? -eq 0
check "  ... and every line of the contract is reported" \
  test "$(grep -c '^\(ok\|MISSING\|module\|absent\) ' "$work/out")" -eq \
  "$(( $(grep -hc '^CONFIG_' "$TOP"/kernel-config/*.config | paste -sd+ | bc) + 1 ))"
check "  ... its virtio and ext4 are modules the image can carry" \
  sh -c "grep -q '^module   optional  CONFIG_EXT4_FS=y' '$work/out' && grep -q '^module   optional  CONFIG_VIRTIO_BLK=y' '$work/out' &&
    grep -q '^module   optional  CONFIG_VIRTIO_PCI=y' '$work/out'"
# The network: the NIC (interfaces:), DHCP's packet sockets, and veth,
# bridge and nftables for containers' networks.
net_symbols="VIRTIO_NET PACKET VETH BRIDGE NETFILTER NETFILTER_INGRESS NF_TABLES NF_TABLES_IPV4 NF_TABLES_BRIDGE
  NF_TABLES_NETDEV NF_CONNTRACK NF_CONNTRACK_BRIDGE NFT_CT NF_NAT NFT_NAT NFT_MASQ NFT_REDIR NFT_REJECT NFT_REJECT_IPV4
  NFT_FIB_IPV4 NFT_BRIDGE_META NFT_OBJREF"
# reported VERDICTS FILE: each network symbol is an optional line of FILE
# whose verdict matches VERDICTS (a regex).
reported() {
  local sym
  for sym in $net_symbols; do
    grep -qE "^($1) +optional  CONFIG_$sym=y  " "$2" || { echo "CONFIG_$sym: $(grep " CONFIG_$sym=" "$2" || echo 'not reported')"; return 1; }
  done
}
check "  ... its network (virtio_net, packet sockets, veth, bridge, nftables, conntrack, NAT) built in or modules" \
  reported 'ok|module' "$work/out"
diag <"$work/out"

"$BULKHEAD" check-kernel >"$work/default"
# The same report but for the summary, which names the file as found.
check "without CONFIG it checks the kernel make deps unpacked" cmp -s <(head -n -1 "$work/out") <(head -n -1 "$work/default")

grep -v -e '^CONFIG_SECCOMP_FILTER=' -e '^CONFIG_LSM=' "$BUILD/kernel/config" >"$work/broken"
"$BULKHEAD" check-kernel --quiet "$work/broken" >"$work/out"
check "a config without seccomp filters or Landlock in its LSM list fails the check (exit $?)" test $? -eq 1
check "  ... naming CONFIG_SECCOMP_FILTER" grep -q '^MISSING  required  CONFIG_SECCOMP_FILTER=y' "$work/out"
check "  ... and the LSM list" grep -q '^MISSING  required  landlock in CONFIG_LSM' "$work/out"
check "  ... and --quiet prints only what is missing and the summary" test "$(wc -l <"$work/out")" -eq 3
if [ -f "$BUILD/kernel-minimal/config" ]; then
  "$BULKHEAD" check-kernel "$BUILD/kernel-minimal/config" >"$work/out"
  check "kernel: minimal has every required feature (exit $?)" test $? -eq 0
  check "  ... and every optional one, built in (no modules to carry)" \
    test "$(grep -c '^ok ' "$work/out")" -eq "$(grep -c '^\(ok\|MISSING\|module\|absent\) ' "$work/out")"
  check "  ... and check-kernel reports its network as built in" reported ok "$work/out"
  built_in() { local sym; for sym in $net_symbols; do grep -qx "CONFIG_$sym=y" "$1" || { echo "no CONFIG_$sym=y"; return 1; }; done; }
  check "  ... which its config has, each =y" built_in "$BUILD/kernel-minimal/config"
  check "  ... without br_netfilter (nftables' bridge family filters bridged frames)" \
    grep -qx '# CONFIG_BRIDGE_NETFILTER is not set' "$BUILD/kernel-minimal/config"
  check "  ... Landlock is its only LSM" grep -qx 'CONFIG_LSM="landlock"' "$BUILD/kernel-minimal/config"
  check "  ... and it has no loadable modules" grep -qx '# CONFIG_MODULES is not set' "$BUILD/kernel-minimal/config"
  size=$(stat -c %s "$BUILD/kernel-minimal/vmlinuz")
  check "  ... its bzImage is $size bytes, at most 2.25 MiB (2 MiB before the network)" test "$size" -le $((9 * 256 * 1024))
else
  not_ok "no $BUILD/kernel-minimal/config: make check builds kernel: minimal first (make kernel)"
fi

# A fragment that loses a symbol: Landlock without CONFIG_SECURITY (its
# dependency), and a misspelt name. Checked against the unpacked source in
# a scratch object directory: the real build is not touched.
if [ -d "$BUILD/kernel-minimal/src" ]; then
  cp -r "$TOP/kernel-config/minimal" "$work/fragments"
  sed -i '/^CONFIG_SECURITY=y/d' "$work/fragments/40-security.config"
  echo 'CONFIG_OVERLAYFS=y' >>"$work/fragments/60-filesystems.config"
  FRAGMENTS=$work/fragments KERNEL_OBJ=$work/obj "$TOP/mk/kernel-minimal.sh" "$BUILD" --config-only \
    >"$work/out" 2>"$work/err"
  check "a fragment whose symbol does not survive olddefconfig stops the build (exit $?)" test $? -eq 1
  check "  ... naming the fragment, the symbol and what it became" \
    grep -q '^kernel-minimal: 40-security.config: wants CONFIG_SECURITY_LANDLOCK=y, olddefconfig made it: absent' "$work/err"
  check "  ... and the misspelt one" \
    grep -q '^kernel-minimal: 60-filesystems.config: wants CONFIG_OVERLAYFS=y, olddefconfig made it: absent' "$work/err"
  diag <"$work/err"
  FRAGMENTS=$TOP/kernel-config/minimal KERNEL_OBJ=$work/obj "$TOP/mk/kernel-minimal.sh" "$BUILD" --config-only \
    >"$work/out" 2>&1
  check "  ... while the fragments as they are pass the same check (exit $?)" \
    grep -qx 'kernel-minimal: every symbol of the fragments survived olddefconfig' "$work/out"
else
  not_ok "no $BUILD/kernel-minimal/src: make check builds kernel: minimal first (make kernel)"
fi

"$BULKHEAD" check-kernel /etc/hostname 2>"$work/err"
status=$?
check "a file that is no kernel config is refused with exit 2 ($status)" \
  sh -c "test $status -eq 2 && grep -q 'does not look like a kernel config' '$work/err'"
done_testing
