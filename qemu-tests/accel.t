#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The accelerator against this host's real QEMU and KVM (tests/accel.t
# covers each decision with a stand-in QEMU): auto always boots, once with
# the verdict forgotten and once with it remembered; kvm either boots under
# KVM or, where KVM cannot run the guest (a paravirtual nested hypervisor,
# no /dev/kvm), fails with status 125 and says why without falling back.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache

cat >"$work/tiny.yml" <<'YAML'
name: tiny
services:
  - name: hi
    image: busybox
    command: ["/bin/echo", "hi from the guest"]
YAML
"$BULKHEAD" build -q "$work/tiny.yml" -o "$work/tiny"

boot_tiny() { # NAME ARGS...: console and stderr apart
  local name=$1
  shift
  "$BULKHEAD" run --timeout 300 "$@" "$work/tiny" </dev/null >"$work/$name.out" 2>"$work/$name.err"
  boot_status=$?
  boot_log=$work/$name.out
}

boot_tiny first --forget-accel
check "auto with nothing remembered boots, status 0 (got $boot_status)" test "$boot_status" -eq 0
check "  ... and the guest ran" grep -q '^\[hi\] hi from the guest' "$work/first.out"
check "  ... saying at most one line on stderr ($(wc -l <"$work/first.err"))" test "$(wc -l <"$work/first.err")" -le 1
# Silence means KVM ran the guest (or there is no /dev/kvm); a line, that it could not.
[ -s "$work/first.err" ] &&
  check "  ... that line says KVM could not run the guest, and why" \
    grep -q '^bulkhead run: KVM cannot run this guest here (.*); booting again under TCG' "$work/first.err"
boot_tiny second
check "auto with the verdict remembered boots too, status 0 (got $boot_status)" test "$boot_status" -eq 0
check "  ... and the guest ran" grep -q '^\[hi\] hi from the guest' "$work/second.out"
if [ -s "$work/first.err" ]; then
  check "  ... straight under TCG, saying so" \
    grep -q '^bulkhead run: booting under TCG: KVM could not run a guest on this host since it booted' "$work/second.err"
else
  check "  ... and said nothing" test ! -s "$work/second.err"
fi

boot_tiny kvm --accel kvm
if [ "$boot_status" -eq 0 ]; then
  check "--accel kvm: KVM ran the guest" grep -q '^\[hi\] hi from the guest' "$work/kvm.out"
  check "  ... and the verdict of auto agreed" test ! -s "$work/first.err"
else
  check "--accel kvm where KVM cannot run the guest: status 125 (got $boot_status)" test "$boot_status" -eq 125
  check "  ... saying why, without falling back to TCG" \
    sh -c "grep -q '^bulkhead run: --accel kvm: ' '$work/kvm.err' && ! grep -q 'hi from the guest' '$work/kvm.out'"
  check "  ... where auto had found the same" test -s "$work/first.err" -o ! -e /dev/kvm
  diag <"$work/kvm.err"
fi
console_on_failure
done_testing
