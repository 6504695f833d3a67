#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Limits PID 1 must survive, and appliance.json it must refuse, with the
# init run as PID 1 of a pid namespace on this host: hundreds of services
# all start (its descriptor limit is raised, the containers keep theirs) and
# an exit during the start phase is handled then; an exec that fails with
# E2BIG reports 126; nothing restarts once shutdown began; depends_on cycles
# and wrong-typed list elements end the boot with a message, never a hang
# or a silently shortened list.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CTL() { "$BULKHEAD" ctl --socket "/proc/$(init_pid)/root/run/bulkhead/ctl.sock" "$@"; }
N=${INIT_LIMITS_SERVICES:-600}

# --- many services; one exits early, during the start phase
{
  echo "name: many"
  echo "stop_grace: 200ms"
  echo "services:"
  echo "  - {name: early, image: busybox, restart: on-failure, max_restarts: 2, command: 'echo early; exit 3'}"
  echo "  - {name: limits, image: busybox, command: 'echo nofile \$(ulimit -n) \$(ulimit -Hn); exec sleep 1000'}"
  echo "  - {name: own-limit, image: busybox, rlimits: {nofile: 64}, command: 'echo nofile \$(ulimit -n) \$(ulimit -Hn); exec sleep 1000'}"
  for i in $(seq "$N"); do echo "  - {name: s$i, image: busybox, command: 'exec sleep 1000'}"; done
} >"$work/many.yml"
# The init starts with 1024 descriptors, as the kernel gives the VM's PID 1:
# two a container, the old init ran out at some 500.
hard=$(ulimit -Hn)
ulimit -Sn 1024
BOOT_TIMEOUT=600 BOOT_BACKGROUND=1 boot_host many "$work/many.yml"
ulimit -Sn "$hard"
check "all $N services start" until_logged "s$N: started, pid" 400
all_running() { test "$(CTL ps | grep -cE '^s[0-9]+ +services +running')" -eq "$N"; }
check "  ... and ctl ps shows all $N running" wait_for "$N running services" 60 all_running
check "no descriptor ran out" sh -c "! grep -q 'No file descriptors\|Too many open files' '$boot_log'"
check "the service that exited early was restarted during the start phase" \
  test "$(line_of 'early: restarting in 100 ms (restart 1)')" -gt 0 -a \
  "$(line_of 'early: restarting in 100 ms (restart 1)')" -lt "$(line_of "s$N: started, pid")"
check "  ... and given up by its policy" until_logged 'early: gave up after 2 restarts (last status 3)' 60
check "a container gets the descriptor limit the init started with (1024 $hard), not the init's raised one" \
  grep -qx "\[limits\] nofile 1024 $hard" "$boot_log"
check "  ... or the one its config says" grep -qx '\[own-limit\] nofile 64 64' "$boot_log"
CTL poweroff >/dev/null
wait_boot
check "the appliance powers off (status $boot_status: early's 3)" test "$boot_status" -eq 3
console_on_failure

# --- an exec that fails with E2BIG: 126, as for any command that cannot run
cat >"$work/exec.yml" <<'YAML'
name: exec
exit_status_from: huge
services:
  - name: huge
    image: busybox
    command: "echo replaced below"
YAML
"$BULKHEAD" build -q "$work/exec.yml" -o "$work/exec"
mkdir -p "$work/exec.root" && (cd "$work/exec.root" && zcat "$work/exec/initrd.img" | cpio -id --quiet 2>/dev/null)
# One argument over the kernel's 128 KiB per string: execve fails with E2BIG.
head -c 200000 /dev/zero | tr '\0' x >"$work/big"
config=$work/exec.root/containers/services/huge/config.json
jq --rawfile s "$work/big" '.process.args = ["/bin/sh", "-c", $s]' "$config" >"$work/config.json" && cp "$work/config.json" "$config"
boot_log=$work/exec.console
"$TOP/tests/run-init" 120 "$work/exec.root" >"$boot_log" 2>&1
status=$?
check "a command too big for execve ends with status 126 (got $status)" test "$status" -eq 126
check "  ... and says why" grep -q 'huge: cannot start: .*Argument list too long' "$boot_log"
console_on_failure

# --- no restart once shutdown began: a restart asked for just before, of a
# service that takes a second to go on SIGTERM
cat >"$work/late.yml" <<'YAML'
name: late
services:
  - name: stubborn
    image: busybox
    restart: always
    stop_grace: 5s
    command: "trap 'sleep 1; echo going; exit 0' TERM; echo up; while true; do sleep 0.1; done"
YAML
BOOT_BACKGROUND=1 boot_host late "$work/late.yml"
until_logged '^\[stubborn\] up$' 60
CTL restart stubborn >/dev/null
CTL poweroff >/dev/null
wait_boot
check "the appliance powers off (status $boot_status)" test "$boot_status" -eq 0
check "  ... the service went on its SIGTERM" grep -q '^\[stubborn\] going$' "$boot_log"
check "  ... and nothing started after 'shutting down'" \
  sh -c "sed -n '/shutting down/,\$p' '$boot_log' | grep -q 'stubborn: exited' && ! sed -n '/shutting down/,\$p' '$boot_log' | grep -q 'started, pid'"
console_on_failure

# --- appliance.json the builder would not write: refused at load
cat >"$work/chain.yml" <<'YAML'
name: chain
services:
  - {name: a, image: busybox, command: "echo a"}
  - {name: b, image: busybox, command: "echo b"}
  - {name: c, image: busybox, command: "echo c"}
YAML
"$BULKHEAD" build -q "$work/chain.yml" -o "$work/chain"
mkdir -p "$work/chain.root" && (cd "$work/chain.root" && zcat "$work/chain/initrd.img" | cpio -id --quiet 2>/dev/null)
json=$work/chain.root/etc/bulkhead/appliance.json
cp "$json" "$work/appliance.json"
# edit FILTER: appliance.json with jq's FILTER applied, then boot it.
edit() {
  jq "$1" "$work/appliance.json" >"$json"
  boot_log=$work/edit.console
  "$TOP/tests/run-init" 60 "$work/chain.root" >"$boot_log" 2>&1
  status=$?
}
edit '.services[0].depends_on = ["b"] | .services[1].depends_on = ["a"]'
check "depends_on a -> b -> a: the boot ends with status 125 (got $status), no hang" test "$status" -eq 125
check "  ... naming the cycle" grep -qE 'services: depends_on has a cycle: (a -> b -> a|b -> a -> b)' "$boot_log"
edit '.services[0].depends_on = ["b"] | .services[1].depends_on = ["c"] | .services[2].depends_on = ["b"]'
check "depends_on a -> b -> c -> b (not through a): status 125 (got $status)" test "$status" -eq 125
check "  ... naming the cycle" grep -q 'services: depends_on has a cycle: b -> c -> b' "$boot_log"
check "  ... and nothing started" sh -c "! grep -q 'started, pid' '$boot_log'"
edit '.services[0].depends_on = ["b"] | .services[1].depends_on = ["c"]'
check "a chain without a cycle still boots (status $status)" sh -c "test $status -eq 0 && grep -q '^\[a\] a$' '$boot_log'"
edit '.modules = ["/lib/modules/x.ko", 5, "/lib/modules/y.ko"]'
check "a module list with a number in it: status 125 (got $status)" test "$status" -eq 125
check "  ... saying which element" grep -q 'appliance.json: modules\[1\] is not a string' "$boot_log"
edit '.disks = [{"label": "data", "dirs": ["a", null, "b"]}]'
check "a disk's dirs with a null: status 125 (got $status)" test "$status" -eq 125
check "  ... saying which element" grep -q 'appliance.json: disks\[0\].dirs\[1\] is not a string' "$boot_log"
edit '.services[0].depends_on = ["b", 7]'
check "depends_on with a number: status 125 (got $status)" test "$status" -eq 125
check "  ... saying which element" grep -q 'services\[0\].depends_on\[1\] names no other container' "$boot_log"
edit '.services[0].name = "../x"'
check "a container name that would make a path: status 125 (got $status)" test "$status" -eq 125
console_on_failure
done_testing
