#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# process.ioPriority, process.scheduler and linux.personality: what crun
# and runc apply, read back from inside the container (busybox's ionice and
# uname, the probe's own /proc/self/stat), for its first process and for
# one exec'd into it. A name the spec does not have, a level out of range
# or a combination the kernel refuses stops the start, named by its JSON
# path, and the command never runs.
. "$(dirname "$0")/lib.sh"
probe_bundle
[ -x /bin/busybox ] || skip_all "busybox is not installed (make deps installs busybox-static)"
cp /bin/busybox "$bundle/rootfs/bin/"
container_prefix=sched
# stat_of JQ: the probe's policy, real-time priority and nice (fields 41,
# 40 and 19 of its /proc/self/stat) under the default changed by JQ.
stat_of() { run_program "$1" bulkhead-probe cat /proc/self/stat | awk '{ print $41, $40, $19 }'; }
# refused JQ: the runtime's message when the default changed by JQ runs
# a command that would leave its mark, or "ran" if the mark is there.
refused() {
  rm -f "$work/mark"
  run_program "$1 | .mounts += [{\"destination\": \"/mark\", \"type\": \"bind\", \"source\": \"$work\", \"options\": [\"rbind\"]}]" \
    busybox touch /mark/mark >/dev/null
  if [ -e "$work/mark" ]; then echo ran; else cat "$work/err"; fi
}

# ---- the personality ----
host_machine=$(uname -m)
have32=false
if machine32=$(setarch linux32 uname -m 2>/dev/null) && [ "$machine32" != "$host_machine" ]; then
  have32=true
  out=$(run_program '.linux.personality = {"domain": "LINUX32"}' busybox uname -m)
  check "LINUX32: uname -m says what setarch linux32 makes it say ($out; setarch: $machine32, host: $host_machine)" \
    test "$out" = "$machine32"
  # LINUX is the default: it shows only where the caller had another one.
  R32() { setarch linux32 "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" "$@"; }
  out=$(runtime=R32 run_program '.linux.personality = {"domain": "LINUX"}' busybox uname -m)
  check "LINUX, from a runtime run under setarch linux32: uname -m is the host's again ($out)" \
    test "$out" = "$host_machine"
  out=$(runtime=R32 run_program . busybox uname -m)
  check "  ... where without a personality it is the caller's ($out)" test "$out" = "$machine32"
else
  for i in 1 2 3; do ok "# SKIP no 32-bit personality here to tell apart (setarch linux32: ${machine32:-fails})"; done
fi
out=$(refused '.linux.personality = {"domain": "LINUX64"}')
check "an unknown domain is refused, naming it and the ones there are ($out)" \
  eval '[[ $out == *"linux.personality.domain: \"LINUX64\" is not one of LINUX, LINUX32"* ]]'
out=$(refused '.linux.personality = {"domain": "LINUX32", "flags": ["ADDR_NO_RANDOMIZE"]}')
check "flags are refused: the spec defines none ($out)" eval '[[ $out == *"linux.personality.flags: must be empty"* ]]'

# ---- the I/O priority ----
out=$(run_program '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 5}' busybox ionice)
check "IOPRIO_CLASS_BE 5: ionice inside says best-effort, 5 ($out)" test "$out" = "best-effort: prio 5"
out=$(run_program '.process.ioPriority = {"class": "IOPRIO_CLASS_RT", "priority": 2}' busybox ionice)
check "IOPRIO_CLASS_RT 2, which takes privileges the container does not keep ($out)" test "$out" = "realtime: prio 2"
out=$(run_program '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE"}' busybox ionice)
check "IOPRIO_CLASS_IDLE ($out)" test "$out" = idle
out=$(run_program . busybox ionice)
mine=$(busybox ionice -p $$)
check "  ... and without ioPriority, the caller's ($out; the test's: $mine)" test "$out" = "$mine"
out=$(refused '.process.ioPriority = {"class": "BE", "priority": 5}')
check "an unknown class is refused by name ($out)" \
  eval '[[ $out == *"process.ioPriority.class: \"BE\" is not one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE"* ]]'
out=$(refused '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 8}')
check "a level above 7 is refused ($out)" eval '[[ $out == *"process.ioPriority.priority: must be from 0 (first) to 7"* ]]'

# ---- the scheduler ----
out=$(stat_of '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}')
check "SCHED_BATCH, nice 5: policy 3, nice 5 in the container's /proc ($out)" test "$out" = "3 0 5"
out=$(stat_of '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10}')
check "SCHED_FIFO 10: policy 1, real-time priority 10 (nice, which real-time ignores, aside) ($out)" test "${out% *}" = "1 10"
out=$(stat_of '.process.scheduler = {"policy": "SCHED_OTHER", "nice": -5}')
check "SCHED_OTHER, nice -5, which only privileges may lower to ($out)" test "$out" = "0 0 -5"
out=$(stat_of .)
mine=$(awk '{ print $41, $40, $19 }' /proc/$$/stat)
check "  ... and without scheduler, the caller's ($out; the test's: $mine)" test "$out" = "$mine"
out=$(stat_of '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 10000000, "deadline": 30000000, "period": 30000000}')
check "SCHED_DEADLINE, 10 ms of every 30: policy 6 ($out)" test "${out% *}" = "6 0"
out=$(refused '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 0}')
check "SCHED_FIFO with priority 0, which the kernel refuses: the start fails, saying why ($out)" \
  eval '[[ $out == *"process.scheduler: sched_setattr: Invalid argument (a real-time policy takes a priority of 1 to 99"* ]]'
out=$(refused '.process.scheduler = {"policy": "SCHED_ISO"}')
check "SCHED_ISO, which Linux never implemented, is refused ($out)" \
  eval '[[ $out == *"process.scheduler.policy: SCHED_ISO is not implemented by Linux"* ]]'
out=$(refused '.process.scheduler = {"nice": 5}')
check "a scheduler without a policy is refused, listing them ($out)" \
  eval '[[ $out == *"process.scheduler.policy: is required: one of SCHED_OTHER, SCHED_FIFO"* ]]'
out=$(refused '.process.scheduler = {"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_NOPE"]}')
check "an unknown flag is refused at its index ($out)" \
  eval '[[ $out == *"process.scheduler.flags[1]: \"SCHED_FLAG_NOPE\" is not one of SCHED_FLAG_RESET_ON_FORK"* ]]'
out=$(refused '.process.scheduler = {"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_UTIL_CLAMP_MIN"]}')
check "a utilization clamp, whose values the spec has no field for, is refused ($out)" \
  eval '[[ $out == *"process.scheduler.flags: SCHED_FLAG_UTIL_CLAMP_MIN and _MAX need values"* ]]'
out=$(refused '.process.scheduler = {"policy": "SCHED_OTHER", "nice": 20}')
check "a nice above 19 is refused ($out)" eval '[[ $out == *"process.scheduler.nice: must be an integer from -20 to 19"* ]]'

# ---- a process exec'd into the container ----
$have32 || machine32=$host_machine # the same checks, with LINUX
jq --arg domain "$($have32 && echo LINUX32 || echo LINUX)" \
  '.process.args = ["/bin/busybox", "sleep", "600"] | .linux.personality = {"domain": $domain}
  | .process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 3}
  | .process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}' <<<"$default" >"$bundle/config.json"
R run -d --bundle "$bundle" held
out=$(R exec held /bin/busybox uname -m)
check "exec into a LINUX32 container: its process has that personality too ($out)" test "$out" = "$machine32"
out=$(R exec held /bin/busybox ionice)
check "  ... and the process's I/O priority ($out)" test "$out" = "best-effort: prio 3"
out=$(R exec held /bin/bulkhead-probe cat /proc/self/stat | awk '{ print $41, $19 }')
check "  ... and its scheduler ($out)" test "$out" = "3 7"
echo '{"args": ["/bin/bulkhead-probe", "cat", "/proc/self/stat"], "cwd": "/", "scheduler": {"policy": "SCHED_IDLE"},
  "ioPriority": {"class": "IOPRIO_CLASS_IDLE"}}' >"$work/process.json"
out=$(R exec --process "$work/process.json" held | awk '{ print $41 }')
check "exec --process: the file's scheduler ($out)" test "$out" = 5
echo '{"args": ["/bin/busybox", "ionice"], "cwd": "/", "ioPriority": {"class": "IOPRIO_CLASS_IDLE"}}' >"$work/process.json"
out=$(R exec --process "$work/process.json" held)
check "  ... and its I/O priority ($out)" test "$out" = idle
# A file without them leaves the process the caller's, not the config's.
echo '{"args": ["/bin/bulkhead-probe", "cat", "/proc/self/stat"], "cwd": "/"}' >"$work/process.json"
out=$(nice -n 3 "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" exec --process "$work/process.json" held |
  awk '{ print $41, $19 }')
check "  ... and one without a scheduler, run under nice 3, leaves the caller's: not the config's SCHED_BATCH 7 ($out)" \
  test "$out" = "0 $(( $(awk '{ print $19 }' /proc/$$/stat) + 3 > 19 ? 19 : $(awk '{ print $19 }' /proc/$$/stat) + 3 ))"
# execCPUAffinity is the spec's for exec alone: the CPUs the process joins
# the cgroup from, then its own.
cpus() { grep '^Cpus_allowed_list:' | awk '{ print $2 }'; }
affinity_exec() { # AFFINITY-JSON [WRAPPER...]: the exec'd process's CPUs
  local affinity=$1; shift
  echo '{"args": ["/bin/busybox", "cat", "/proc/self/status"], "cwd": "/", "execCPUAffinity": '"$affinity"'}' \
    >"$work/process.json"
  "$@" "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" exec --process "$work/process.json" held | cpus
}
out=$(affinity_exec '{"final": "0"}')
check "execCPUAffinity final 0: the exec'd process runs on CPU 0 alone ($out)" test "$out" = 0
# Joining a cgroup with a cpuset resets the affinity before Linux 6.2 (and
# keeps what was asked within the cpuset after): initial then shows only
# where the container's cgroup has none.
cgroup=$(sed -n 's/^0:://p' "/proc/$(R state held | jq -r .pid)/cgroup")
if grep -qw cpuset "/sys/fs/cgroup$cgroup/cgroup.controllers" 2>/dev/null; then
  ok "# SKIP the container's cgroup has a cpuset, which may replace the initial CPUs"
else
  out=$(affinity_exec '{"initial": "0"}')
  check "  ... initial 0 alone: kept past the cgroup, which has no cpuset ($out)" test "$out" = 0
fi
if [ "$(nproc)" -ge 2 ]; then
  out=$(affinity_exec '{"final": "1,0"}' taskset -c 1)
  check "  ... final 1,0 from a caller on CPU 1 alone: both ($out)" test "$out" = 0-1
  out=$(affinity_exec '{"final": ""}' taskset -c 1)
  check "  ... an empty final, as the spec says, changes nothing: the caller's CPU 1 ($out)" test "$out" = 1
  out=$(taskset -c 1 "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" exec held /bin/busybox cat /proc/self/status | cpus)
  check "  ... and without one, the caller's: CPU 1 ($out)" test "$out" = 1
else
  for i in 1 2 3; do ok "# SKIP one CPU: no second one to tell the lists apart"; done
fi
echo '{"args": ["/bin/busybox", "true"], "cwd": "/", "execCPUAffinity": {"final": "1000"}}' >"$work/process.json"
out=$(R exec --process "$work/process.json" held 2>&1)
check "a CPU the machine does not have: exec fails with the kernel's answer ($out)" \
  eval '[[ $out == *"process.execCPUAffinity.final: sched_setaffinity: Invalid argument"* ]]'
for bad in "0-" "3-1" "1,,2" "x" "1024" " 1" "+1" "1-+2"; do
  echo "{\"args\": [\"/bin/busybox\", \"true\"], \"cwd\": \"/\", \"execCPUAffinity\": {\"final\": \"$bad\"}}" \
    >"$work/process.json"
  out=$(R exec --process "$work/process.json" held 2>&1)
  check "a final list \"$bad\" is refused by its path ($out)" \
    eval '[[ $out == *"process: execCPUAffinity.final: \"$bad\" is not a list of CPUs"* ]]'
done
R delete --force held
done_testing
