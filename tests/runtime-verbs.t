#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead-runtime's verbs for a running container beyond the lifecycle,
# as podman drives them: kill --all, pause and resume, update, ps, list,
# --version, and delete --force of a container that is not there.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
grep -qw cgroup2 /proc/filesystems || skip_all "the kernel has no cgroup v2"

work=$(mktemp -d)
runtime_bundle bulkhead-probe
R spec --bundle "$bundle"
jq '.process.args = ["/bin/bulkhead-probe", "sleep", "1000"]' "$bundle/config.json" >"$work/config" &&
  mv "$work/config" "$bundle/config.json"
strays=()
trap 'kill -9 "${strays[@]}" 2>/dev/null; runtime_cleanup' EXIT

R --version >"$work/version"
check "--version prints the runtime's version ($(head -n1 "$work/version"))" \
  grep -qE '^bulkhead-runtime version [0-9]+\.[0-9]+\.[0-9]+$' "$work/version"
check "  ... and the spec's, as crun and runc do" grep -qx 'spec: 1.0.2' "$work/version"

R delete --force never-created 2>"$work/err"
check "delete --force of a container that does not exist exits 0, as crun and runc do" test $? -eq 0
check "  ... saying nothing" test ! -s "$work/err"
R delete never-created 2>"$work/err"
check "without --force it is an error (exit $?)" grep -q 'container "never-created" does not exist' "$work/err"

R create --bundle "$bundle" v1 >/dev/null 2>&1 && R start v1
pid=$(R state v1 | jq -r .pid)
cgroup=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
cgdir=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)$cgroup
check "a container without a device list has a cgroup of its own too ($cgroup)" test "$cgroup" = /bulkhead-runtime/v1
status() { R state "$1" | jq -r .status; }
created=$(R state v1 | jq -r .created)
check "state gives the time it was created ($created)" \
  grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$' <<<"$created"

# A process the container did not start, in its cgroup: what a container
# sharing the host's pid namespace may leave (podman's --pid host).
sleep 1000 &
stray=$!
disown "$stray" # its death is checked with gone, not reported by bash
strays+=("$stray")
echo "$stray" >"$cgdir/cgroup.procs"

R ps --format json v1 >"$work/ps"
check "ps --format json is a JSON array of the cgroup's pids ($(cat "$work/ps"))" \
  test "$(jq -c 'sort' "$work/ps")" = "$(printf '%s\n' "$pid" "$stray" | sort -n | jq -s -c .)"
R ps v1 >"$work/ps"
check "ps's table has a header and a line per process" test "$(wc -l <"$work/ps")" -eq 3
check "  ... with the command line ($(grep "^$pid " "$work/ps"))" grep -qE "^$pid +/bin/bulkhead-probe sleep 1000$" "$work/ps"

R pause v1
check "pause exits 0" test $? -eq 0
check "  ... the kernel says the cgroup is frozen" grep -qx 'frozen 1' "$cgdir/cgroup.events"
check "  ... and state says paused" test "$(status v1)" = paused
R pause v1 2>"$work/err"
check "pausing a paused container is refused" grep -q 'is paused; only a running container can be paused' "$work/err"
R delete v1 2>"$work/err"
check "delete of a paused container without --force is refused" grep -q 'container "v1" is paused' "$work/err"
R resume v1
check "resume exits 0" test $? -eq 0
check "  ... the cgroup is thawed" grep -qx 'frozen 0' "$cgdir/cgroup.events"
check "  ... and state says running" test "$(status v1)" = running
R resume v1 2>"$work/err"
check "resuming a running container is refused" grep -q 'is running; only a paused container can be resumed' "$work/err"

R list >"$work/list"
check "list's table has the header ID PID STATUS BUNDLE CREATED" \
  grep -qE '^ID +PID +STATUS +BUNDLE +CREATED$' "$work/list"
check "  ... and a line for v1 ($(grep '^v1 ' "$work/list"))" grep -qE "^v1 +$pid +running +$bundle +[0-9]{4}-" "$work/list"
R list --format json >"$work/list"
check "list --format json gives id, pid, status, bundle and created" \
  quietly jq -e --arg bundle "$bundle" ".[] | select(.id == \"v1\" and .pid == $pid and .status == \"running\" and .bundle == \$bundle and (.created | length) > 0)" "$work/list"
check "list -q prints the IDs" test "$(R list -q)" = v1

# update: a file of linux.resources. cgroup.max.descendants (through
# unified) exists on every cgroup v2, whatever controllers the host lends.
echo '{"unified": {"cgroup.max.descendants": "7"}}' >"$work/resources"
R update --resources "$work/resources" v1
check "update -r FILE writes the cgroup" test "$(cat "$cgdir/cgroup.max.descendants")" = 7
echo '{"unified": {"cgroup.max.descendants": "9"}}' | R update -r - v1
check "  ... and - reads standard input" test "$(cat "$cgdir/cgroup.max.descendants")" = 9
echo '{"memory": {"limit": 268435456}, "bogus": {}}' | R update -r - v1 2>"$work/err"
check "an unknown field is refused (exit $?) by name ($(cat "$work/err"))" \
  grep -qxF 'bulkhead-runtime: update v1: <stdin>: bogus: unknown field' "$work/err"
echo '{"memory": {"swappiness": 10}}' | R update -r - v1 2>"$work/err"
check "a spec field the runtime does not apply is refused by name ($(cat "$work/err"))" \
  grep -qF 'update v1: <stdin>: memory.swappiness: is not applied by this runtime' "$work/err"
echo '{"devices": []}' | R update -r - v1 2>"$work/err"
check "devices cannot be updated ($(cat "$work/err"))" grep -qF '<stdin>: devices: cannot be changed by update' "$work/err"
echo '{"pids": {"limit": "many"}}' | R update -r - v1 2>"$work/err"
check "a wrong value is named by its path ($(cat "$work/err"))" grep -qF '<stdin>: pids.limit: must be an integer' "$work/err"
check "  ... and nothing was written" test "$(cat "$cgdir/cgroup.max.descendants")" = 9
# memory, pids and cpu, where this host's cgroup v2 has the controllers.
controllers=$(cat "$cgdir/cgroup.controllers")
limits='{"memory": {"limit": 268435456}, "pids": {"limit": 64}, "cpu": {"quota": 50000, "period": 100000}}'
if [[ " $controllers " == *" memory "* && " $controllers " == *" pids "* && " $controllers " == *" cpu "* ]]; then
  echo "$limits" | R update -r - v1
  check "update sets memory.max" test "$(cat "$cgdir/memory.max")" = 268435456
  check "  ... pids.max" test "$(cat "$cgdir/pids.max")" = 64
  check "  ... and cpu.max" test "$(cat "$cgdir/cpu.max")" = "50000 100000"
  echo '{"cpu": {"quota": 20000}}' | R update -r - v1
  check "a quota alone keeps the period" test "$(cat "$cgdir/cpu.max")" = "20000 100000"
else
  echo "$limits" | R update -r - v1 2>"$work/err"
  check "without the memory controller in cgroup v2 here ($controllers), update names the field and the controller" \
    grep -qF "update v1: linux.resources.memory: the memory controller is not enabled in cgroup2 at $cgdir (memory.max)" "$work/err"
  echo "memory, pids and cpu limits not checked: this host's cgroup v2 lends none of them" | diag
fi

# kill --all: the first process gone, the other still in the cgroup.
kill -9 "$pid"
wait_for "v1's first process to end" 60 gone "$pid"
check "with its first process dead, the container is stopped" test "$(status v1)" = stopped
check "  ... though a process is left in its cgroup" kill -0 "$stray"
R kill v1 KILL 2>"$work/err"
check "kill without --all says it is not running" grep -q 'container "v1" is not running' "$work/err"
R kill --all v1 KILL
check "kill --all exits 0" test $? -eq 0
check "  ... and the process left in the cgroup is gone" wait_for "the stray to die" 60 gone "$stray"

R delete v1
check "delete removes it" test ! -e "$root/v1"
check "  ... and its cgroup" test ! -e "$cgdir"

# kill --all with a signal other than KILL reaches every process too
# (the container's own first process, PID 1 of its namespace, ignores
# TERM without a handler, as any init does).
R create --bundle "$bundle" v2 >/dev/null 2>&1 && R start v2
sleep 1000 &
stray=$!
disown "$stray" # its death is checked with gone, not reported by bash
strays+=("$stray")
echo "$stray" >"${cgdir%/v1}/v2/cgroup.procs"
R kill -a v2 TERM
check "kill -a TERM exits 0" test $? -eq 0
check "  ... and ends the other process of its cgroup" wait_for "the stray to die" 60 gone "$stray"
check "  ... and leaves the cgroup thawed" grep -qx 'frozen 0' "${cgdir%/v1}/v2/cgroup.events"
R delete --force v2
R ps --format json v2 2>"$work/err"
check "ps of a deleted container says it does not exist" grep -q 'container "v2" does not exist' "$work/err"
check "list is then empty" test "$(R list --format json)" = "[]"
R --help >"$work/help"
for verb in 'kill \[-a\]' 'pause ID' 'update -r FILE' 'ps \[-f' 'list \[-f' '--version'; do
  check "--help documents ${verb//\\/}" grep -q -- "$verb" "$work/help"
done
done_testing
