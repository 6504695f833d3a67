#!/usr/bin/env bash
# The kernel contract: Debian's kernel, which appliances boot, meets it, and
# the checker does notice a config that does not.
. "$(dirname "$0")/lib.sh"
[ -f "$BUILD/kernel/config" ] || skip_all "no kernel config at $BUILD/kernel/config (make deps unpacks it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$TOP/kernel-config/check" "$BUILD/kernel/config" >"$work/out"
check "Debian's kernel config meets kernel-config/required.config" test $? -eq 0
diag <"$work/out"

grep -v -e '^CONFIG_SECCOMP_FILTER=' -e '^CONFIG_LSM=' "$BUILD/kernel/config" >"$work/broken"
"$TOP/kernel-config/check" "$work/broken" >"$work/out"
check "a config without seccomp filters or Landlock in its LSM list fails the check" test $? -eq 1
check "  ... naming CONFIG_SECCOMP_FILTER" grep -q 'missing: CONFIG_SECCOMP_FILTER=y' "$work/out"
check "  ... and the LSM list" grep -q 'missing: landlock in CONFIG_LSM' "$work/out"
done_testing
