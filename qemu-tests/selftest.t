#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots an appliance whose container checks its own sandbox from inside
# (tests/helpers/bulkhead-probe selftest). The appliance's exit status is
# the number of failed checks and carries the verdict; each check's line
# on the console is reported here as a TAP line of its own.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/probe-root/bin"
cp "$BUILD/tests/helpers/bulkhead-probe" "$work/probe-root/bin/"
cat >"$work/selftest.yml" <<YAML
name: selftest
hostname: vmhost
services:
  - name: selftest
    image: dir:probe-root
    hostname: probe
    command: ["/bin/bulkhead-probe", "selftest", "--hostname", "probe", "--own-cgroup"]
  - name: limits
    image: busybox
    resources: {memory: 64M, cpus: 0.5, pids: 100}
    command: "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max"
YAML

boot selftest "$work/selftest.yml"
check "the appliance reports exit status 0 (got $boot_status) after ${boot_seconds:-?} s" test "$boot_status" -eq 0

while IFS= read -r line; do
  case $line in
    "[selftest] ok "*) ok "in the VM: ${line#\[selftest\] ok }" ;;
    "[selftest] not ok "*) not_ok "in the VM: ${line#\[selftest\] not ok }" ;;
  esac
done < <(tr -d '\r' <"$boot_log")
check "memory: 64M became memory.max in the container's own cgroup" grep -qx '\[limits\] 67108864' <(tr -d '\r' <"$boot_log")
check "cpus: 0.5 became cpu.max 50000 100000" grep -qx '\[limits\] 50000 100000' <(tr -d '\r' <"$boot_log")
check "pids: 100 became pids.max" grep -qx '\[limits\] 100' <(tr -d '\r' <"$boot_log")
# The probe prints its plan first, counted from its own list of checks.
planned=$(tr -d '\r' <"$boot_log" | sed -n 's/^\[selftest\] 1\.\.\([0-9]*\)$/\1/p')
passed=$(tr -d '\r' <"$boot_log" | grep -c '^\[selftest\] ok ')
check "the container ran all ${planned:-?} checks it planned, each ok (got $passed)" \
  test "${planned:-0}" -gt 0 -a "${planned:-0}" -eq "$passed"
console_on_failure
done_testing
