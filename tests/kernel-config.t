#!/usr/bin/env bash
# The kernel contract: Debian's kernel, which appliances boot, meets it, and
# bulkhead check-kernel does notice a config that does not.
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
  grep -q '^module   optional  CONFIG_EXT4_FS=y' "$work/out"
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
"$BULKHEAD" check-kernel /etc/hostname 2>"$work/err"
check "a file that is no kernel config is refused with exit 2 ($?)" grep -q 'does not look like a kernel config' "$work/err"
done_testing
