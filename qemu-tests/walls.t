#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The escape probe (tests/helpers/bulkhead-escape.c) in the default
# containers of a booted appliance, as root (uid 0, the default) and as
# nobody: every one of its privileged or escape-prone operations must be
# refused on the appliance's own kernel. The probe's exit status is the
# number not refused, so the appliance's exit status carries the verdict;
# each probe line on the console is reported here as a TAP line of its own.
# The filters run in the kernel's BPF interpreter: the JIT is off.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/probe-root/bin"
cp "$BUILD/tests/helpers/bulkhead-escape" "$work/probe-root/bin/"
cat >"$work/walls.yml" <<YAML
name: walls
services:
  - name: root
    image: dir:probe-root
    command: ["/bin/bulkhead-escape"]
  - name: nobody
    image: dir:probe-root
    user: "65534:65534"
    command: ["/bin/bulkhead-escape"]
  - name: jit
    image: busybox
    network: host
    command: ["cat", "/proc/sys/net/core/bpf_jit_enable"]
YAML

boot walls "$work/walls.yml"
check "the appliance reports exit status 0 (got $boot_status) after ${boot_seconds:-?} s" test "$boot_status" -eq 0
for name in root nobody; do
  while IFS= read -r line; do
    case $line in
      "[$name] ok "*) ok "in the VM as $name: ${line#\[$name\] ok * - }" ;;
      "[$name] not ok "*) not_ok "in the VM as $name: ${line#\[$name\] not ok * - }" ;;
    esac
  done < <(tr -d '\r' <"$boot_log")
  planned=$(tr -d '\r' <"$boot_log" | sed -n "s/^\[$name\] 1\.\.\([0-9]*\)$/\1/p")
  check "the $name container ran the whole probe (${planned:-no} operations)" \
    test "${planned:-0}" -eq "$("$BUILD/tests/helpers/bulkhead-escape" --list | wc -l)"
done
# The init turns the BPF JIT off (init/boot.c, bpf_jit_off): the filters
# above were the kernel's interpreter's, and refused as much.
check "the VM's BPF JIT is off ($(tr -d '\r' <"$boot_log" | grep -m1 '^\[jit\] '))" \
  sh -c 'tr -d "\r" <"$1" | grep -qx "\[jit\] 0"' sh "$boot_log"
console_on_failure
done_testing
