#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The init turns the kernel's BPF JIT off as the machine's init only
# (init/boot.c's bpf_jit_off; qemu-tests/walls.t reads the 0 in a VM). Run
# as PID 1 of a pid namespace on a host, as here, the setting is the host's
# and stays as it was.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
jit=/proc/sys/net/core/bpf_jit_enable
[ -r "$jit" ] || skip_all "this kernel has no BPF JIT ($jit)"
[ "$(cat "$jit")" = 1 ] || skip_all "this host's BPF JIT is not on ($(cat "$jit")): a change could not be seen"
work=$(mktemp -d)
# Should the init turn it off after all, the host gets its JIT back.
trap 'echo 1 >"$jit" 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/jit.yml" <<'YAML'
name: jit
onboot:
  - name: hello
    image: busybox
    command: "echo ran"
YAML
boot_host jit "$work/jit.yml"
check "the appliance powers off with status 0 (got $boot_status)" test "$boot_status" -eq 0
check "  ... after its container ran" grep -qx '\[hello\] ran' "$boot_log"
check "the host's BPF JIT is still on ($(cat "$jit"))" test "$(cat "$jit")" = 1
console_on_failure
done_testing
