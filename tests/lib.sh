# SPDX-License-Identifier: GPL-2.0-or-later
# TAP helpers for shell tests. The plan is counted, printed at the end.
# A test file sources this, calls ok/not_ok/check, and ends with done_testing.
set -u
tap_count=0
tap_failed=0
BUILD=${BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BULKHEAD=$BUILD/bin/bulkhead

ok()     { tap_count=$((tap_count + 1)); echo "ok $tap_count - $*"; }
not_ok() { tap_count=$((tap_count + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_count - $*"; }
diag()   { sed 's/^/# /'; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
  local what=$1; shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# quietly COMMAND...: runs it with its output dropped, for check.
quietly() { "$@" >/dev/null 2>&1; }

# gone PID: the process has ended (a zombie waiting for its reaper counts).
gone() { [ ! -e "/proc/$1" ] || grep -q '^[^ ]* ([^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null; }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

done_testing() {
  echo "1..$tap_count"
  [ "$tap_failed" -eq 0 ]
}

# boot NAME MANIFEST: builds the manifest into $work/NAME (with
# $BUILD_FLAGS, such as --context DIR) and boots it in QEMU with a
# timeout. Sets boot_status (the appliance's exit status), boot_log (the
# console) and boot_seconds. Needs $work.
boot() {
  local name=$1 manifest=$2 start end
  boot_log=$work/$name.console
  if ! "$BULKHEAD" build -q ${BUILD_FLAGS:-} "$manifest" -o "$work/$name" >"$boot_log" 2>&1; then
    boot_status=-1
    return
  fi
  start=$(date +%s.%N)
  "$BULKHEAD" run --timeout "${BOOT_TIMEOUT:-300}" ${BOOT_FLAGS:-} "$work/$name" </dev/null >"$boot_log" 2>&1
  boot_status=$?
  end=$(date +%s.%N)
  boot_seconds=$(echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }')
}

# Prints the console as TAP diagnostics when anything failed: the log is
# what tells why.
console_on_failure() {
  if [ "$tap_failed" -gt 0 ] && [ -n "${boot_log:-}" ] && [ -f "$boot_log" ]; then
    echo "console log of the failed boot (first and last 60 lines):" | diag
    if [ "$(wc -l <"$boot_log")" -le 120 ]; then diag <"$boot_log"
    else { head -n 60 "$boot_log"; echo "..."; tail -n 60 "$boot_log"; } | diag; fi
  fi
}

require_qemu() {
  command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed (make deps installs it)"
  [ -f "$BUILD/kernel/vmlinuz" ] || skip_all "no kernel at $BUILD/kernel/vmlinuz (make deps unpacks it)"
}

# boot_host NAME MANIFEST: builds the manifest and runs its init as PID 1 of
# a fresh pid and mount namespace on this host, over the unpacked initrd:
# supervision without QEMU. Sets boot_status, boot_log, boot_seconds.
# With BOOT_BACKGROUND=1 it returns at once with boot_pid set instead;
# wait_boot then waits for it. boot_wrap, an array the test may set: a
# command the boot runs under (strace ...); boot_pid is then that
# command's, and init_pid does not find the init.
boot_wrap=()
boot_host() {
  local name=$1 manifest=$2 root=$work/$1.root start
  boot_log=$work/$name.console
  if ! "$BULKHEAD" build -q ${BUILD_FLAGS:-} "$manifest" -o "$work/$name" >"$boot_log" 2>&1; then
    boot_status=-1
    return
  fi
  mkdir -p "$root"
  (cd "$root" && zcat "$work/$name/initrd.img" | cpio -id --quiet 2>/dev/null)
  boot_start=$(date +%s.%N)
  # BOOT_NET=1: a network namespace of its own too, where the init makes
  # the containers' networks as on the machine.
  INIT_NET=${BOOT_NET:-} "${boot_wrap[@]}" "$TOP/tests/run-init" "${BOOT_TIMEOUT:-120}" "$root" >"$boot_log" 2>&1 &
  boot_pid=$!
  [ -n "${BOOT_BACKGROUND:-}" ] || wait_boot
}

wait_boot() {
  wait "$boot_pid"
  boot_status=$?
  boot_seconds=$(echo "$boot_start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
}

# The init's host pid, once it runs (unshare's child).
init_pid() { pgrep -P "$(pgrep -P "$boot_pid" -x unshare)" -x init 2>/dev/null | head -n1; }

# http_get URL SECONDS: the page at URL on stdout, or a failure within
# SECONDS. perl's HTTP::Tiny, since busybox's wget -T crashes (Debian's
# 1.35); HTTP_GET is the same command for another namespace
# (ip netns exec NS "${HTTP_GET[@]}" URL SECONDS).
HTTP_GET=(perl -MHTTP::Tiny -e 'my $r = HTTP::Tiny->new(timeout => $ARGV[1])->get($ARGV[0]);
  $r->{success} or exit 1; print $r->{content}')
http_get() { "${HTTP_GET[@]}" "$@"; }

# wait_for WHAT SECONDS COMMAND...: polls COMMAND (every 0.2 s) until it
# succeeds, for at most SECONDS; then says what it waited for, as a TAP
# diagnostic on stderr, and returns 1. Tests wait for conditions, never for
# windows: the machines are shared and loaded, and QEMU's TCG is slow, so
# give a generous bound (60-120 s on the host, 200-300 s for a VM).
wait_for() {
  local what=$1 seconds=$2 end
  shift 2
  end=$((SECONDS + seconds))
  until "$@"; do
    if [ "$SECONDS" -gt "$end" ]; then
      echo "# gave up after $seconds s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

# logged PATTERN [N]: at least N (1 unless told) console lines match PATTERN.
logged() {
  local n
  n=$(grep -c -- "$1" "$boot_log" 2>/dev/null)
  [ "${n:-0}" -ge "${2:-1}" ]
}

# until_logged PATTERN [SECONDS]: waits, 120 s unless told, for a console
# line matching PATTERN.
until_logged() { wait_for "a console line matching '$1'" "${2:-120}" logged "$1"; }

# run_ended: bulkhead run has ended, by the line the tests' subshell
# ( bulkhead run ...; echo "run exited $?" ) appends to the console.
run_ended() { grep -q '^run exited' "$boot_log" 2>/dev/null; }

# press_stop DIR: unless bulkhead run has ended, presses the power button
# (bulkhead stop DIR) and gives the VM 2 s to go; true once run has ended.
# The monitor socket may lag the console, so wait_for presses until the VM
# goes: wait_for "bulkhead run to end" 240 press_stop DIR.
press_stop() {
  run_ended && return 0
  "$BULKHEAD" stop "$1" 2>/dev/null
  sleep 2
  run_ended
}

# A guest's shell command waits for its conditions with the same wait_for,
# written for busybox sh: GUEST_WAIT_FOR defines it, and guest_manifest
# (a filter: guest_manifest <<'YAML' >FILE) puts it where a manifest says
# @wait_for@. Its clock is /proc/uptime, read by the shell, and busybox's
# sleep does not fork, so it works in a container at its pids.max too. When
# it gives up it says what it waited for on the console, which is what the
# test keeps on failure.
GUEST_WAIT_FOR='wait_for() { local what="$1" s="$2" t x end; shift 2; read t x </proc/uptime; end=$((${t%.*} + s)); until "$@"; do read t x </proc/uptime; [ "${t%.*}" -le "$end" ] || { echo "gave up after $s s waiting for $what"; return 1; }; sleep 0.2; done; }'
# @get@ puts get HOST PORT TEXT: an HTTP GET of / with busybox nc (its
# wget -T crashes in Debian's 1.35), true when the answer holds TEXT, so
# that a missing applet or a refusal cannot pass for an answer.
GUEST_GET='get() { printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 "$1" "$2" 2>/dev/null | grep -q "$3"; }'
guest_manifest() {
  local manifest
  manifest=$(cat)
  manifest=${manifest//@get@/"$GUEST_GET"}
  printf '%s\n' "${manifest//@wait_for@/"$GUEST_WAIT_FOR"}"
}

# free_port: a TCP port on 127.0.0.1 nothing listens on now.
free_port() { perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport'; }

# line_of PATTERN: the first console line number matching PATTERN (or 0).
line_of() { grep -n -- "$1" "$boot_log" | head -n1 | cut -d: -f1 | grep . || echo 0; }

# runtime_bundle HELPER...: for tests of bulkhead-runtime on this host. A
# state root and $bundle under $work, whose rootfs holds the HELPERs (from
# $BUILD/tests/helpers) in /bin; R runs the runtime on that root
# (BULKHEAD_RUNTIME: another build of it, as make asan passes), and at exit
# every container left is deleted and $work removed.
runtime_bundle() {
  root=$work/state
  bundle=$work/bundle
  trap runtime_cleanup EXIT
  mkdir -p "$bundle/rootfs/bin"
  local helper
  for helper in "$@"; do cp "$BUILD/tests/helpers/$helper" "$bundle/rootfs/bin/"; done
}
R() { "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" "$@"; }
runtime_cleanup() {
  local id
  for id in $(ls "$root" 2>/dev/null); do R delete --force "$id" >/dev/null 2>&1; done
  rm -rf "$work"
}
# needs_root_and_jq: what a test of the runtime's containers needs, or its skip.
needs_root_and_jq() {
  [ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
  command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
}
# probe_bundle: the usual start of such a test: its needs, $work, a bundle
# whose rootfs holds bulkhead-probe, `spec`'s config.json in it and, in
# $default, that config's text.
probe_bundle() {
  needs_root_and_jq
  work=$(mktemp -d)
  runtime_bundle bulkhead-probe
  R spec --bundle "$bundle"
  default=$(cat "$bundle/config.json")
}
# run_program JQ PROGRAM [ARG...]: /bin/PROGRAM ARGs as the process of a
# container made from $default (a config.json's text) changed by the jq
# filter JQ and run to its end by R (or $runtime) as "${container_prefix}N",
# N counted in $n: its output on stdout, the runtime's errors in $work/err.
# $config_filter, a command, may rewrite the config on its way to the file.
run_program() {
  local change=$1 program=$2; shift 2
  jq --argjson args "$(printf '%s\n' "/bin/$program" "$@" | jq -R . | jq -s .)" "$change | .process.args = \$args" \
    <<<"$default" | ${config_filter:-cat} >"$bundle/config.json"
  n=$((${n:-0} + 1))
  "${runtime:-R}" run --bundle "$bundle" "${container_prefix:-c}$n" 2>"$work/err"
}

# traced_runtime RUNTIME-ARGS...: the runtime under strace, one file per
# process (-ff) in $work/trace.PID, the calls named in $trace_calls, with
# $trace_inject's options (strace's fault injection) when set.
traced_runtime() {
  rm -f "$work"/trace.*
  strace -ff -qq -e trace="$trace_calls" -e signal=none ${trace_inject:+-e "$trace_inject"} -o "$work/trace" \
    "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" "$@"
}
# traced_by PATTERN: which processes of the last traced_runtime made a call
# matching PATTERN (grep -E): "runtime", "container" (the one that exec'd
# /bin/PROGRAM) or both, else none.
traced_by() {
  local f who=()
  for f in "$work"/trace.*; do
    grep -qE "$1" "$f" || continue
    if grep -q 'execve("/bin/' "$f"; then who+=(container); else who+=(runtime); fi
  done
  echo "${who[*]:-none}"
}

# in_private_cgroup2 "$@": re-runs the test in a private mount namespace
# with cgroup2 mounted on /sys/fs/cgroup: the host may be hybrid v1/v2
# (DESIGN.md, pitfalls), and the mount stays the test's own. Skips when
# that cannot be.
in_private_cgroup2() {
  grep -qw cgroup2 /proc/filesystems || skip_all "the kernel has no cgroup v2"
  if [ -z "${BULKHEAD_CGROUP_NS:-}" ]; then
    BULKHEAD_CGROUP_NS=1 exec unshare --mount --propagation private "$BASH" "$0" "$@"
  fi
  mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || skip_all "cannot mount cgroup2 on /sys/fs/cgroup here"
}
