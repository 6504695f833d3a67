#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Concurrent starts (init/starts.c), on this host with the init as PID 1 of
# a fresh pid namespace: a container whose setup is slow (its config.json
# given 2000 tmpfs mounts here, after the build) does not hold up the
# containers after it, which run their commands before it does; yet the
# console tells the starts in the order they began, each container's
# output and exit after its own start line; a start that fails in the
# middle is told in its place and hurts no neighbour; depends_on still
# waits for the command of what it depends on to run; more services than
# may set up at once (STARTS_IN_FLIGHT) all start. Each command prints the
# CLOCK_MONOTONIC time at which it ran (bulkhead-probe clock), on the same
# clock for all.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
PROBE=$BUILD/tests/helpers/bulkhead-probe
[ -x "$PROBE" ] || skip_all "no $PROBE (make build/tests/helpers/bulkhead-probe)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# unpack NAME: the appliance built in $work/NAME, its initrd into $root.
unpack() { root=$work/$1.root; mkdir -p "$root" && (cd "$root" && zcat "$work/$1/initrd.img" | cpio -id --quiet 2>/dev/null); }
# slow_setup CONTAINER N: N tmpfs mounts added to its config.json, which
# its setup makes before its command runs.
slow_setup() {
  local config=$root/containers/services/$1/config.json
  jq --argjson n "$2" '.mounts += [range($n) | {destination: "/tmp/m\(.)", type: "tmpfs", source: "tmpfs",
    options: ["nosuid", "size=4k"]}]' "$config" >"$config.new" && mv "$config.new" "$config"
}
# run_init NAME: the init as PID 1 over $root, in the background.
run_init() {
  boot_log=$work/$1.console
  boot_start=$(date +%s.%N)
  "$TOP/tests/run-init" 240 "$root" >"$boot_log" 2>&1 &
  boot_pid=$!
}

fast=12 # more than STARTS_IN_FLIGHT (8)
{
  echo "name: starts"
  echo "services:"
  # Own writable copies (readonly: false): the probe is copied in below.
  printf '  - name: %s\n    image: busybox\n    readonly: false\n    command: %s\n' \
    slow '"echo ran at $(/bin/bulkhead-probe clock); exec sleep 1000"' \
    early '"echo ran at $(/bin/bulkhead-probe clock); exit 3"' \
    missing '["/bin/not-here"]'
  for i in $(seq "$fast"); do
    printf '  - name: fast%d\n    image: busybox\n    readonly: false\n    command: %s\n' "$i" \
      '"echo ran at $(/bin/bulkhead-probe clock); exec sleep 1000"'
  done
  printf '  - name: dep\n    image: busybox\n    readonly: false\n    depends_on: [slow]\n    command: %s\n' \
    '"echo ran at $(/bin/bulkhead-probe clock); exec sleep 1000"'
} >"$work/starts.yml"
"$BULKHEAD" build -q "$work/starts.yml" -o "$work/starts" || { not_ok "the appliance builds"; done_testing; exit 1; }
unpack starts
for dir in "$root"/containers/services/*/rootfs; do cp "$PROBE" "$dir/bin/"; done
# slow's setup mounts 2000 tmpfs before its command runs: tens of
# milliseconds at least, where a whole start of the others takes a few.
slow_setup slow 2000
run_init starts
check "every service that can start does, dep last" until_logged '^\[dep\] ran at ' 180

ran_at() { sed -n "s/^\[$1\] ran at \([0-9]*\)$/\1/p" "$boot_log"; }
slow_ran=$(ran_at slow) early_ran=$(ran_at early) fast1_ran=$(ran_at fast1) dep_ran=$(ran_at dep)
check "a container whose setup is slow does not hold up the next: early ran its command first (${early_ran:-?} < ${slow_ran:-?} us)" \
  test "${early_ran:-0}" -lt "${slow_ran:-0}" -a "${early_ran:-0}" -gt 0
check "  ... and so did fast1, after a failed start (${fast1_ran:-?} < ${slow_ran:-?} us)" \
  test "${fast1_ran:-0}" -lt "${slow_ran:-0}" -a "${fast1_ran:-0}" -gt 0
check "depends_on waits for the command of what it depends on: dep ran after slow (${dep_ran:-?} > ${slow_ran:-?} us)" \
  test "${dep_ran:-0}" -gt "${slow_ran:-0}"

# The log of starts, in the order the manifest gives (dep last: it waits).
expected="slow early missing $(seq -f 'fast%g' -s ' ' "$fast") dep"
told=$(sed -n 's/^\[init\] \(warning: \)\{0,1\}\([a-z0-9]*\): \(started, pid [0-9]*\|cannot start: .*\)$/\2/p' "$boot_log" |
  tr '\n' ' ')
check "the starts are told in the order they began: $told" test "$told" = "$expected "
check "  ... the failed one in its place, with why" \
  logged '^\[init\] warning: missing: cannot start: exec /bin/not-here: not found in the container.s rootfs$'
check "  ... and no exit is told for a command that never ran" sh -c "! grep -q 'missing: exited' '$boot_log'"
check "early's output comes after its start line, though it ran before slow's was told" \
  test "$(line_of '^\[init\] early: started')" -lt "$(line_of '^\[early\] ran at')" -a \
  "$(line_of '^\[init\] slow: started')" -lt "$(line_of '^\[init\] early: started')"
check "early's exit (status 3) is told after its start, not before" \
  test "$(line_of '^\[init\] early: started')" -lt "$(line_of '^\[init\] early: exited with status 3$')"
check "all $fast fast services run" test "$(grep -c '^\[fast[0-9]*\] ran at ' "$boot_log")" -eq "$fast"
check "no fast start failed" sh -c "! grep -q 'fast[0-9]*: cannot start' '$boot_log'"
# Born in its cgroup from the helper that joins its user namespace (no
# move through cgroup.procs): the command is there, seen from the host.
cgroup2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
in_cgroup() { local pid; for pid in $(cat "$cgroup2/bulkhead/$1/cgroup.procs" 2>/dev/null); do
  [ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" = "sleep 1000 " ] && return 0; done; return 1; }
check "fast1's command runs in its own cgroup, bulkhead/fast1" in_cgroup fast1

kill -TERM "$(init_pid)"
wait_boot
check "a SIGTERM stops the appliance, starts and all" logged '^\[init\] appliance exit status [0-9]*, powering off$'
console_on_failure

# A shutdown while a setup is under way ends that setup: told in its
# turn as stopped, not as started, and not a failure of the appliance.
printf '%s\n' "name: halt" "services:" \
  "  - {name: glacial, image: busybox, readonly: false, command: \"echo ran; exec sleep 1000\"}" \
  "  - {name: quick, image: busybox, readonly: false, command: \"echo ran; exec sleep 1000\"}" >"$work/halt.yml"
"$BULKHEAD" build -q "$work/halt.yml" -o "$work/halt" || { not_ok "the second appliance builds"; done_testing; exit 1; }
unpack halt
# 40000 tmpfs mounts: seconds of setup, where quick's whole start is milliseconds.
slow_setup glacial 40000
run_init halt
# The init's children that run sleep 1000: quick's command, and glacial's
# once its setup is over (their output waits for glacial's start to be told).
sleepers() { local pid n=0 init; init=$(init_pid)
  for pid in $(pgrep -x sleep); do [ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$init" ] && n=$((n + 1)); done; echo "$n"; }
quick_runs() { [ "$(sleepers)" -ge 1 ]; }
check "a service after one still setting up runs its command" wait_for "quick's sleep" 120 quick_runs
if [ "$(sleepers)" -ge 2 ]; then
  ok "# SKIP glacial finished its 40000 mounts as soon as quick ran: this machine is too fast for the case"
else
  kill -TERM "$(init_pid)"
  wait_boot
  check "a SIGTERM during a setup: the start is told as stopped" \
    logged '^\[init\] warning: glacial: stopped while it was starting: the appliance shuts down$'
  check "  ... in its turn, before quick's" \
    test "$(line_of 'glacial: stopped while it was starting')" -lt "$(line_of '^\[init\] quick: started')"
  check "  ... never as started" sh -c "! grep -q 'glacial: started' '$boot_log'"
  check "  ... and the appliance's status is 0: a stop of ours is no failure" \
    logged '^\[init\] appliance exit status 0, powering off$'
fi
console_on_failure
done_testing
