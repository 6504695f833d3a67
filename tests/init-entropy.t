#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# PID 1 never waits on the kernel's entropy pool. Early in a VM's boot the
# pool may not be ready, and a read of /dev/urandom then runs the kernel's
# jitter-entropy loop in the reader until it is: a second of PID 1's boot
# under emulation with kernel: minimal, where jansson's hash seed used to
# come from. Traced here (strace, one file per process), the init run as
# PID 1 of a fresh pid and mount namespace: its own process opens neither
# /dev/urandom nor /dev/random and calls getrandom only with GRND_NONBLOCK
# or GRND_INSECURE (neither waits), and the appliance still boots, runs
# its container and powers off.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v strace >/dev/null || skip_all "strace is not installed (make deps installs it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/entropy.yml" <<'YAML'
name: entropy
onboot:
  - name: hello
    image: busybox
    command: "echo ran"
YAML
# One file per process (-ff): PID 1's calls apart from its children's.
boot_wrap=(strace -ff -qq -e trace=execve,open,openat,getrandom -e signal=none -o "$work/trace")
boot_host entropy "$work/entropy.yml"
check "the appliance powers off with status 0 (got $boot_status)" test "$boot_status" -eq 0
check "  ... after its container ran" grep -qx '\[hello\] ran' "$boot_log"
# PID 1's own file: the process that exec'd /init (its containers and
# helpers are processes of their own, with files of their own), from that
# exec on (before it, the same pid was run-init's shell on this host).
init_trace=$(grep -l '^execve("/init"' "$work"/trace.* 2>/dev/null | head -n1)
check "PID 1's trace is found" test -n "$init_trace"
sed -n '/^execve("\/init"/,$p' "${init_trace:-/dev/null}" >"$work/init.trace"
check "  ... and PID 1 opened its appliance.json (the trace sees its opens)" \
  grep -q 'open.*"/etc/bulkhead/appliance.json"' "$work/init.trace"
check "PID 1 opens neither /dev/urandom nor /dev/random ($(grep -m1 -E '"/dev/u?random"' "$work/init.trace"))" \
  sh -c '! grep -qE "\"/dev/u?random\"" "$1"' sh "$work/init.trace"
check "PID 1 calls getrandom only with GRND_NONBLOCK or GRND_INSECURE ($(grep 'getrandom(' "$work/init.trace" | grep -m1 -Ev 'GRND_NONBLOCK|GRND_INSECURE'))" \
  sh -c '! grep "getrandom(" "$1" | grep -qEv "GRND_NONBLOCK|GRND_INSECURE"' sh "$work/init.trace"
console_on_failure
done_testing
