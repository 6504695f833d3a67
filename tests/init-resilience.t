#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# PID 1 never dies, and keeps the other containers running, when a
# container's config.json is corrupt or its rootfs is gone, when it floods
# its output, when it spawns and abandons a thousand children; and the
# control socket answers throughout. Run as PID 1 of a pid namespace on
# this host (tests/init-supervision.t says how); OOM and pids.max need the
# VM's cgroup controllers and are in qemu-tests/.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The init's control socket, in its own /run, reached from the host.
CTL() { "$BULKHEAD" ctl --socket "/proc/$(init_pid)/root/run/bulkhead/ctl.sock" "$@"; }

cat >"$work/faults.yml" <<'YAML'
name: faults
services:
  - name: corrupt
    image: busybox
    command: "echo never"
  - name: norootfs
    image: busybox
    readonly: false # its own rootfs, not one shared with the others, to remove
    command: "echo never"
  - name: spawner
    image: busybox
    command: "for i in $(seq 1000); do sleep 300 & done; echo spawned; exit 0"
  - name: flood
    image: busybox
    command: "yes 'flooding the console with a line of text' | head -c 30000000; echo; echo flood done"
  - name: survivor
    image: busybox
    command: "sleep 1; echo still here"
YAML
# Build, then break two bundles in the unpacked image before the init runs.
"$BULKHEAD" build -q "$work/faults.yml" -o "$work/faults"
mkdir -p "$work/faults.root" && (cd "$work/faults.root" && zcat "$work/faults/initrd.img" | cpio -id --quiet 2>/dev/null)
echo '{"ociVersion": "1.0.2", "process": ' >"$work/faults.root/containers/services/corrupt/config.json"
rm -rf "$work/faults.root/containers/services/norootfs/rootfs"
boot_log=$work/faults.console
boot_start=$(date +%s.%N)
"$TOP/tests/run-init" 120 "$work/faults.root" >"$boot_log" 2>&1 &
boot_pid=$!
until_logged 'flood: started'
CTL ps >"$work/ps" 2>&1
ps_status=$?
flood_state=$(awk '$1 == "flood" { print $3 }' "$work/ps")
check "the control socket answers while the flood runs (ps exits $ps_status, flood $flood_state)" \
  test "$ps_status" -eq 0 -a "$flood_state" = running
# Names, phases and the header are known; states, pids and times vary.
check "  ... ps lists every container, in the manifest's order, with its phase and a state" \
  cmp -s <(awk '{ print $1, $2, ($3 ~ /^(waiting|running|backoff|exited|failed)$/ || NR == 1) }' "$work/ps") \
  <(printf '%s\n' "NAME PHASE 1" "corrupt services 1" "norootfs services 1" "spawner services 1" "flood services 1" \
    "survivor services 1")
wait_boot
check "the appliance ends by itself (in ${boot_seconds} s)" test "$boot_status" -ne 137
check "a corrupt config.json is reported by path and line" grep -q 'corrupt: .*config.json:2:[0-9]*: ' "$boot_log"
check "a missing rootfs is reported" grep -q 'norootfs: .*root.path: .*No such file or directory' "$boot_log"
check "a container that abandoned 1000 children ended, and they with it" grep -q '^\[spawner\] spawned$' "$boot_log"
check "the flood's last line got through" grep -q '^\[flood\] flood done$' "$boot_log"
check "the survivor ran to its end" grep -q '^\[survivor\] still here$' "$boot_log"
check "the failures give a non-zero appliance status ($boot_status)" test "$boot_status" -ne 0
console_on_failure

# A boot that fails before supervision: a status, never a panic; with
# bulkhead.shell (here as the init's argument) an emergency shell first.
echo '{"name": "broken", ' >"$work/faults.root/etc/bulkhead/appliance.json"
printf 'echo from the emergency shell: $(ls /containers)\nexit\n' |
  "$TOP/tests/run-init" 60 "$work/faults.root" bulkhead.shell >"$work/shell.log" 2>&1
status=$?
check "a corrupt appliance.json ends the boot with status 125 (got $status)" test "$status" -eq 125
check "  ... saying where it is broken" grep -q 'appliance.json:2:0: ' "$work/shell.log"
# /containers/images: the read-only services' one shared image, where the
# shell's busybox comes from too.
check "bulkhead.shell runs an emergency shell on the console first" grep -q '^from the emergency shell: images services$' "$work/shell.log"

# The control socket's commands, against a live appliance.
cat >"$work/ctl.yml" <<'YAML'
name: ctl
stop_grace: 200ms
services:
  - name: chatty
    image: busybox
    command: "yes 'a line for the log' | head -c 5000000; echo; echo chatty done; exec sleep 1000"
  - name: web
    image: busybox
    command: "echo web up; exec sleep 1000"
  - name: worker
    image: busybox
    stop_grace: 200ms
    command: "echo worker up; exec sleep 1000"
YAML
BOOT_BACKGROUND=1 boot_host ctl "$work/ctl.yml"
check "both services come up" until_logged '^\[worker\] worker up$'
until_logged '^\[chatty\] chatty done$'
CTL logs chatty >"$work/chatty.log"
size=$(wc -c <"$work/chatty.log")
check "a container's log is capped: 5 MB written, $size bytes kept (at most 2 x 1 MiB)" \
  test "$size" -le 2097152 -a "$size" -ge 1048576
check "  ... and what is kept is the newest" grep -qxE '\[ *[0-9]+\.[0-9]{3}\] chatty done' "$work/chatty.log"
CTL logs web >"$work/logs"
check "ctl logs returns the container's own lines" grep -qxE '\[ *[0-9]+\.[0-9]{3}\] web up' "$work/logs"
CTL restart worker >"$work/out"
check "ctl restart answers ok" grep -q 'ok: restart worker' "$work/out"
check "  ... and the service comes back" wait_for "worker's second start" 60 logged 'worker: started, pid' 2
wait_for "worker's second 'worker up'" 60 logged '^\[worker\] worker up$' 2
check "  ... running a second time" test "$(grep -c '^\[worker\] worker up$' "$boot_log")" -eq 2
CTL ps >"$work/ps"
check "ps counts the restart" grep -qE '^worker +services +running +[0-9]+ +1 ' "$work/ps"
CTL stop worker >/dev/null
worker_exited() { CTL ps | grep -qE '^worker +services +exited'; }
check "ctl stop stops a service for good" wait_for "ctl ps to show worker exited" 60 worker_exited
CTL stop nosuch >"$work/out"
check "ctl on an unknown name says so and exits 1" sh -c "test $? -eq 1 && grep -q 'no service named' '$work/out'"
CTL poweroff >/dev/null
wait_boot
check "ctl poweroff ends the appliance (in ${boot_seconds} s)" grep -q 'bulkhead ctl poweroff: shutting down' "$boot_log"
check "  ... with status 0: stopping is not failing (got $boot_status)" test "$boot_status" -eq 0
console_on_failure
done_testing
