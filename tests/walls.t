#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The default walls, tried as a hostile tenant would: the escape probe
# (tests/helpers/bulkhead-escape.c, every privileged or escape-prone
# operation of its table, `bulkhead-escape --list`) under `bulkhead-runtime
# spec`'s default as root and as nobody, and in the default containers of an appliance whose init runs on this host;
# the allowed neighbours still work; /tmp is write xor execute, with each of
# its two walls (the noexec mount, Landlock) holding alone and the config's
# opt-in; and `bulkhead build` gives a default container the same rights as
# `spec` (Landlock rules, /tmp's mount, seccomp).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
[ -x "$BUILD/tests/helpers/bulkhead-escape" ] || skip_all "no $BUILD/tests/helpers/bulkhead-escape (make check builds it)"

work=$(mktemp -d)
runtime_bundle bulkhead-probe bulkhead-escape
R spec --bundle "$bundle"
default=$(cat "$bundle/config.json")
# run_with JQ-FILTER ID ARGS...: runs ARGS in the default config changed by
# JQ-FILTER; its output in $work/ID.out, its status in $status.
run_with() {
  local filter=$1 id=$2 args
  shift 2
  args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  jq --argjson args "$args" "$filter | .process.args = \$args" <<<"$default" >"$bundle/config.json"
  R run --bundle "$bundle" "$id" >"$work/$id.out" 2>&1
  status=$?
}
# The probe's whole table, counted from the probe itself.
operations=$("$BUILD/tests/helpers/bulkhead-escape" --list | wc -l)
# escape_all WHO ID FILTER: the whole probe, every operation refused.
escape_all() {
  run_with "$3" "$2" /bin/bulkhead-escape
  diag <"$work/$2.out"
  check "spec's default as $1: the escape probe exits 0 (got $status)" test "$status" -eq 0
  check "  ... no operation succeeded or failed otherwise than by a wall" \
    sh -c "! grep -q '^not ok' '$work/$2.out'"
  check "  ... and it tried them all ($(grep -c '^ok' "$work/$2.out") of $operations refused)" \
    sh -c "grep -qx '1\.\.$operations' '$work/$2.out' && test $(grep -c '^ok' "$work/$2.out") -eq $operations"
}
escape_all root e-root .
escape_all nobody e-nobody '.process.user = {uid: 65534, gid: 65534}'

# The neighbours that must still work under the same profile.
run_with . n1 /bin/bulkhead-probe write /tmp/file
check "  ... writing in /tmp works" test "$(cat "$work/n1.out")" = ok
run_with . n2 /bin/bulkhead-probe syscall socket-inet
check "  ... socket(AF_INET) works (own network namespace)" test "$(cat "$work/n2.out")" = ok
run_with . n3 /bin/bulkhead-probe syscall fork
check "  ... a plain fork works" test "$(cat "$work/n3.out")" = ok
run_with . n4 /bin/bulkhead-probe cat /proc/self/status
check "  ... exec from /bin and reading work" grep -q '^Name:' "$work/n4.out"
run_with . n5 /bin/bulkhead-escape io_uring
check "  ... while io_uring is refused" sh -c "test $status -eq 0 && test \$(grep -c 'io_uring.* refused (EPERM)' '$work/n5.out') -eq 3"

# The probe sees a missing wall: without the filter io_uring and vsock open.
run_with 'del(.linux.seccomp)' m1 /bin/bulkhead-escape io_uring_setup "AF_VSOCK)"
diag <"$work/m1.out"
check "without seccomp the probe reports io_uring_setup as not refused" grep -q '^not ok .* io_uring_setup' "$work/m1.out"
# Docker's socket rules (family < 38, == 39, > 40) compare all 64 bits of an
# argument the kernel reads as an int: AF_VSOCK with a high bit set passes
# "> 40". Ours compare each allowed family whole.
docker_socket='.linux.seccomp.syscalls |= (map(select(.names != ["socket"])) + [
  {names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 38, op: "SCMP_CMP_LT"}]},
  {names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 39, op: "SCMP_CMP_EQ"}]},
  {names: ["socket"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 40, op: "SCMP_CMP_GT"}]}])'
run_with "$docker_socket" m2 /bin/bulkhead-escape AF_VSOCK
diag <"$work/m2.out"
check "Docker's socket rules refuse AF_VSOCK but let AF_VSOCK + 1<<32 through to the kernel" \
  sh -c "grep -q 'socket(AF_VSOCK) refused (EPERM)' '$work/m2.out' &&
         grep -Eq 'AF_VSOCK \+ 1<<32\) (succeeded|failed with EAFNOSUPPORT)' '$work/m2.out'"
run_with . m3 /bin/bulkhead-escape AF_VSOCK
check "  ... ours refuse both with EPERM" test "$(grep -c 'AF_VSOCK.* refused (EPERM)' "$work/m3.out")" -eq 2

# /tmp: write xor execute, each wall alone, and the opt-in.
exec_tmp='exec of a file written in /tmp'
no_noexec='(.mounts[] | select(.destination == "/tmp") | .options) |= map(select(. != "noexec"))'
tmp_exec='(.process.landlock.rules.pathBeneath[] | select(.paths == ["/tmp"]) | .allowedAccess) += ["execute"]'
check "spec's /tmp is mounted noexec, nosuid, nodev" \
  quietly jq -e '.mounts[] | select(.destination == "/tmp") | .options | (index("noexec") and index("nosuid") and index("nodev"))' <<<"$default"
check "  ... and its Landlock rule grants writing but not execute" \
  quietly jq -e '.process.landlock.rules.pathBeneath[] | select(.paths == ["/tmp"]) | .allowedAccess | (index("write_file") and (index("execute") | not))' <<<"$default"
run_with . w1 /bin/bulkhead-escape "$exec_tmp"
check "a file written in /tmp cannot be executed: EACCES" grep -q "$exec_tmp refused (EACCES)" "$work/w1.out"
run_with "$no_noexec" w2 /bin/bulkhead-escape "$exec_tmp"
check "  ... Landlock alone refuses it (noexec dropped): EACCES, / grants execute but not beneath /tmp" \
  grep -q "$exec_tmp refused (EACCES)" "$work/w2.out"
# Landlock ties a rule to the file its path leads to: a write rule on
# /scratch, a symlink to /tmp, makes /tmp writable, so /tmp must not get
# the execute that / grants either (the noexec mount dropped: Landlock alone).
ln -s /tmp "$bundle/rootfs/scratch"
via_symlink='(.process.landlock.rules.pathBeneath[] | select(.paths == ["/tmp"]) | .paths) = ["/scratch"]'
run_with "$no_noexec | $via_symlink" w5 /bin/bulkhead-escape "$exec_tmp"
check "  ... also when the write rule names /tmp through a symlink: EACCES" \
  grep -q "$exec_tmp refused (EACCES)" "$work/w5.out"
run_with "$tmp_exec" w3 /bin/bulkhead-escape "$exec_tmp"
check "  ... the noexec mount alone refuses it (execute in the /tmp rule): EACCES" \
  grep -q "$exec_tmp refused (EACCES)" "$work/w3.out"
run_with "$no_noexec | $tmp_exec" w4 /bin/bulkhead-escape "$exec_tmp" "mmap(PROT_EXEC)"
check "  ... a config that opts /tmp in to both (mount and rule) runs it" \
  sh -c "test $status -eq 2 && grep -q '$exec_tmp succeeded' '$work/w4.out'"

# bulkhead build: a default container's rights are spec's.
mkdir -p "$work/probe-root/bin"
cp "$BUILD/tests/helpers/bulkhead-escape" "$BUILD/tests/helpers/bulkhead-probe" "$work/probe-root/bin/"
cat >"$work/walls.yml" <<'YAML'
name: walls
services:
  - name: root
    image: dir:probe-root
    command: ["/bin/bulkhead-escape"]
  - name: nobody
    image: dir:probe-root
    user: "65534:65534"
    command: ["/bin/bulkhead-escape"]
  - name: shell
    image: busybox
    command: "echo data >/tmp/f && cat /tmp/f; cp /bin/busybox /tmp/bb && /tmp/bb echo ran 2>&1 | sed 's/.*: //'; grep ' /tmp ' /proc/mounts | grep -o noexec"
  - name: optin
    image: busybox
    paths: {exec: [/bin, /tmp], read: [/proc], write: []}
    command: "touch /tmp/x 2>&1 | sed 's/.*: //'; grep ' /tmp ' /proc/mounts | grep -c noexec; true"
YAML
boot_host walls "$work/walls.yml"
extract() { (cd "$work" && mkdir -p initrd && cd initrd && zcat "../walls/initrd.img" | cpio -id --quiet 'containers/*' 2>/dev/null); }
extract
rights='{landlock: .process.landlock, tmp: [.mounts[] | select(.destination == "/tmp")], seccomp: .linux.seccomp}'
for name in root nobody; do
  check "the builder's $name container has spec's Landlock rules, /tmp mount and seccomp profile" \
    cmp -s <(jq -S "$rights" <<<"$default") <(jq -S "$rights" "$work/initrd/containers/services/$name/config.json")
done
check "paths.exec: [/tmp] drops noexec from the /tmp mount" \
  quietly jq -e '[.mounts[] | select(.destination == "/tmp") | .options | index("noexec")] == [null]' \
  "$work/initrd/containers/services/optin/config.json"

check "the appliance whose init runs here ends with status 0 (got $boot_status)" test "$boot_status" -eq 0
for name in root nobody; do
  grep "^\[$name\] " "$boot_log" | diag
  check "in the appliance, the $name container's escape probe refused everything" \
    sh -c "grep -qx '\[$name\] 1\.\.$operations' '$boot_log' && ! grep -q '^\[$name\] not ok' '$boot_log' &&
      test \$(grep -c '^\[$name\] ok ' '$boot_log') -eq $operations"
done
check "  ... a default container writes in /tmp" grep -qx '\[shell\] data' "$boot_log"
check "  ... cannot run what it wrote there" grep -qx '\[shell\] Permission denied' "$boot_log"
check "  ... whose mount is noexec" grep -qx '\[shell\] noexec' "$boot_log"
check "paths.exec: [/tmp] makes /tmp executable and not writable (W^X)" \
  sh -c "grep -qx '\[optin\] Permission denied' '$boot_log' && grep -qx '\[optin\] 0' '$boot_log'"
console_on_failure
done_testing
