#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every descriptor the init and a container's process open is close-on-exec
# from the open itself, in one call. musl's open follows an O_CLOEXEC open
# with an fcntl(F_SETFD) for kernels that ignored the flag; the static
# binaries open through openat instead (runtime/musl/open.c), some thirty
# system calls fewer a start. Traced here (strace, one file per process),
# the init run as PID 1 of a fresh pid and mount namespace: neither PID 1
# nor the container's process before its command sets close-on-exec after
# the fact, both still open with O_CLOEXEC, and the command starts with its
# standard descriptors only: nothing the init or the runtime opened leaks.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v strace >/dev/null || skip_all "strace is not installed (make deps installs it)"
work=$(mktemp -d)
trap "[ -n \"\${KEEP:-}\" ] || rm -rf \"\$work\"" EXIT

# The command lists its descriptors from a subshell: ls's own directory
# descriptor (3) besides 0, 1 (the subshell's pipe) and 2.
cat >"$work/cloexec.yml" <<'YAML'
name: cloexec
onboot:
  - name: fds
    image: busybox
    command: ["sh", "-c", "echo fds: $(ls /proc/self/fd)"]
YAML
boot_wrap=(strace -ff -qq -e trace=execve,open,openat,fcntl,close -e signal=none -o "$work/trace")
boot_host cloexec "$work/cloexec.yml"
check "the appliance powers off with status 0 (got $boot_status)" test "$boot_status" -eq 0
check "the container's command sees only its standard descriptors ($(grep -m1 '^\[fds\] ' "$boot_log"))" \
  grep -qx '\[fds\] fds: 0 1 2 3' "$boot_log"

# The fcntl(F_SETFD) calls of TRACE that set close-on-exec on a descriptor
# its open had just returned, each with that open.
after_open() {
  awk '/^open(at)?\(.* = [0-9]+$/ { fd = $NF; line = $0; next }
       /^fcntl\([0-9]+, F_SETFD/ { split($0, a, /[(,]/); if (a[2] == fd) print line " then " $0 }
       { fd = "" }' "$1"
}

# WHO's calls in TRACE: it opened what PATTERN matches with O_CLOEXEC, and
# never set close-on-exec after an open.
opens_close_on_exec() { # WHO TRACE PATTERN WHAT
  check "$1's trace is found" test -s "$2"
  check "  ... and it opened $4 with O_CLOEXEC" grep -qE "open(at)?\\(.*$3.*O_CLOEXEC" "$2"
  check "$1 never sets close-on-exec after an open ($(after_open "$2" | head -n1))" test -z "$(after_open "$2")"
}

# PID 1's file: the process that exec'd /init, from that exec on.
init_trace=$(grep -l '^execve("/init"' "$work"/trace.* 2>/dev/null | head -n1)
sed -n '/^execve("\/init"/,$p' "${init_trace:-/dev/null}" >"$work/init.trace"
opens_close_on_exec "PID 1" "$work/init.trace" '/config\.json"' "the container's config.json"

# The container's process: the file whose process exec'd the command, up
# to that exec (after it, busybox's own calls).
fds_trace=$(grep -l '^execve("/bin/sh", \["sh", "-c", "echo fds' "$work"/trace.* 2>/dev/null | head -n1)
sed -n '1,/^execve("\/bin\/sh"/p' "${fds_trace:-/dev/null}" >"$work/fds.trace"
opens_close_on_exec "the container's process" "$work/fds.trace" '' "its files"

# The helper that joins the container's user namespace shares PID 1's
# descriptor table (runtime/container.c): what it opens it must close, or
# PID 1 keeps it.
helper_trace=$(grep -l '^open.*"/run/bulkhead/userns/fds"' "$work"/trace.* 2>/dev/null | head -n1)
check "the user-namespace helper's trace is found" test -n "$helper_trace"
userns_fd=$(sed -n 's|^open.*"/run/bulkhead/userns/fds".* = \([0-9]*\)$|\1|p' "${helper_trace:-/dev/null}" | head -n1)
check "  ... and it closes the descriptor it opened there (${userns_fd:-none})" \
  grep -qE "^close\(${userns_fd:-none}\) += 0" "${helper_trace:-/dev/null}"
console_on_failure
done_testing
