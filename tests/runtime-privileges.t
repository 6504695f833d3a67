#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# process.noNewPrivileges decides no_new_privs, not the seccomp filter: with
# it false the filter is still loaded (by the runtime while it holds
# CAP_SYS_ADMIN), a file-capability program run as uid 1000 gains its
# capability and a set-user-ID one its owner, as under crun and runc; with
# it true (the default) the same programs gain nothing.
. "$(dirname "$0")/lib.sh"
needs_root_and_jq
command -v setcap >/dev/null || skip_all "setcap is not installed (apt-get install libcap2-bin)"
grep -qw cgroup2 /proc/filesystems || skip_all "the kernel has no cgroup v2"

work=$(mktemp -d)
runtime_bundle bulkhead-probe
# A copy of the probe that carries cap_net_bind_service in its file
# capabilities (permitted and effective).
cp "$bundle/rootfs/bin/bulkhead-probe" "$bundle/rootfs/bin/capprobe"
setcap cap_net_bind_service+ep "$bundle/rootfs/bin/capprobe" ||
  skip_all "the file system under $work keeps no file capabilities"
# And a set-user-ID root copy.
cp "$bundle/rootfs/bin/bulkhead-probe" "$bundle/rootfs/bin/suidprobe"
chmod 4755 "$bundle/rootfs/bin/suidprobe"
R spec --bundle "$bundle"
default=$(cat "$bundle/config.json")
n=0 container_prefix=p
# in_container JQ PROGRAM ARGS...: runs /bin/PROGRAM under the default
# changed by JQ; its output on stdout, the runtime's errors in $work/err.
in_container() { run_program "$@"; }
# uid 1000 with no capability but CAP_NET_BIND_SERVICE in its bounding
# set (which caps what a file may grant), so that only the file grants it.
unprivileged='.process.user = {"uid": 1000, "gid": 1000}
  | .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE"], "effective": [], "permitted": [], "inheritable": [], "ambient": []}'
may_gain="$unprivileged | .process.noNewPrivileges = false"

check "spec's default sets noNewPrivileges and a seccomp filter" \
  quietly jq -e '.process.noNewPrivileges == true and .linux.seccomp != null' <<<"$default"

out=$(in_container "$may_gain" bulkhead-probe status NoNewPrivs)
check "noNewPrivileges false with a seccomp filter: NoNewPrivs is 0 inside ($out)" test "$out" = 0
out=$(in_container "$may_gain" bulkhead-probe status Seccomp)
check "  ... and the filter is loaded: Seccomp 2 ($out)" test "$out" = 2
out=$(in_container "$may_gain" bulkhead-probe syscall unknown)
check "  ... and answers what it does not allow with its errno: EPERM, not ENOSYS ($out)" test "$out" = EPERM
out=$(in_container "$may_gain" bulkhead-probe status CapEff)
check "  ... the plain probe as uid 1000 has no capability ($out)" test "$out" = 0000000000000000
out=$(in_container "$may_gain" capprobe status CapEff)
check "  ... the file-capability copy has cap_net_bind_service effective ($out)" test "$out" = 0000000000000400
out=$(in_container "$may_gain" capprobe bind-tcp 80)
check "  ... and binds port 80 ($out)" test "$out" = ok
out=$(in_container "$may_gain" bulkhead-probe bind-tcp 80)
check "  ... which the plain probe may not: EACCES ($out)" test "$out" = EACCES
out=$(in_container "$may_gain" capprobe status CapBnd)
check "  ... and the bounding set is still only the declared one ($out)" test "$out" = 0000000000000400

out=$(in_container "$may_gain" suidprobe status Uid)
check "  ... and the set-user-ID root copy runs with effective uid 0 (real, effective, saved, fs: $out)" \
  test "$(echo $out)" = "1000 0 0 0"

out=$(in_container "$unprivileged" capprobe status NoNewPrivs)
check "noNewPrivileges true: NoNewPrivs is 1 ($out)" test "$out" = 1
out=$(in_container "$unprivileged" capprobe status CapEff)
check "  ... the file-capability copy gains nothing ($out)" test "$out" = 0000000000000000
out=$(in_container "$unprivileged" capprobe bind-tcp 80)
check "  ... and may not bind port 80: EACCES ($out)" test "$out" = EACCES
out=$(in_container "$unprivileged" suidprobe status Uid)
check "  ... and the set-user-ID copy stays uid 1000 ($out)" test "$(echo $out)" = "1000 1000 1000 1000"

# Without no_new_privs, Landlock too is applied while the runtime holds
# CAP_SYS_ADMIN: the default's rules still refuse a write outside /tmp.
out=$(in_container "$may_gain" bulkhead-probe write /dev/shm/refused)
check "noNewPrivileges false: Landlock still refuses a write outside its rules ($out)" test "$out" = EACCES
out=$(in_container "$may_gain" bulkhead-probe write /tmp/allowed)
check "  ... and allows one beneath /tmp ($out)" test "$out" = ok

# A filter that refuses what must follow it (capset) cannot be loaded
# before the final capability sets: the start fails, as under runc.
deny_capset="$may_gain | .linux.seccomp.syscalls |= map(.names -= [\"capset\"])"
in_container "$deny_capset" bulkhead-probe status CapEff >/dev/null
status=$?
check "noNewPrivileges false and a filter refusing capset: the start fails (exit $status)" test "$status" -ne 0
check "  ... naming the capability sets" grep -q "capability sets" "$work/err"
done_testing
