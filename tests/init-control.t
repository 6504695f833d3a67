#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The init's control channel, with the init run as PID 1 of a pid namespace
# on this host, in this host's network namespace (as a container with
# network: host shares the VM's init's). No container reaches the channel,
# whatever its network, user or capabilities: the abstract socket is gone,
# the pathname socket lives in the init's own /run. PID 1 never blocks on a
# peer: a slow one, a deaf one, a flood of them and an over-long line are
# dropped and logged while another client gets its answer, the console
# keeps printing and the appliance still powers off. A name is looked up,
# never turned into a path. qemu-tests/power.t does the serial line.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
PROBE=$BUILD/tests/helpers/bulkhead-probe
[ -x "$PROBE" ] || skip_all "no $PROBE (make build/tests/helpers/bulkhead-probe)"
work=$(mktemp -d)
holders=()
trap 'for p in "${holders[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

sock() { echo "/proc/$(init_pid)/root/run/bulkhead/ctl.sock"; }
CTL() { "$BULKHEAD" ctl --socket "$(sock)" "$@"; }

cat >"$work/control.yml" <<'YAML'
name: control
stop_grace: 200ms
services:
  - name: chatty
    image: busybox
    command: "yes 'a line for the log' | head -c 3000000; echo; echo chatty done; exec sleep 1000"
  - name: controlbytes
    image: busybox
    command: "printf 'before\\004after \\033[31mred\\r\\n'; exec sleep 1000"
  - name: ticker
    image: busybox
    command: "i=0; while true; do i=$((i + 1)); echo tick $i; sleep 0.2; done"
  - name: hostnet
    image: busybox
    readonly: false # its own rootfs, for the probe
    network: host
    userns: off # the strongest neighbour: the VM's root with these capabilities
    capabilities: [CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_OVERRIDE]
    command: "for w in @bulkhead-ctl /run/bulkhead/ctl.sock /proc/1/root/run/bulkhead/ctl.sock; do echo \"connect $w: $(/bin/bulkhead-probe connect-unix $w)\"; done; exec sleep 1000"
  - name: nobody
    image: busybox
    readonly: false
    network: host
    user: nobody
    command: "echo \"connect as nobody: $(/bin/bulkhead-probe connect-unix @bulkhead-ctl)\"; exec sleep 1000"
YAML
"$BULKHEAD" build -q "$work/control.yml" -o "$work/control" || { not_ok "the appliance builds"; done_testing; exit 1; }
root=$work/control.root
mkdir -p "$root" && (cd "$root" && zcat "$work/control/initrd.img" | cpio -id --quiet 2>/dev/null)
cp "$PROBE" "$root/containers/services/hostnet/rootfs/bin/"
cp "$PROBE" "$root/containers/services/nobody/rootfs/bin/"
boot_log=$work/control.console
boot_start=$(date +%s.%N)
"$TOP/tests/run-init" 240 "$root" >"$boot_log" 2>&1 &
boot_pid=$!
check "the appliance comes up" until_logged '^\[chatty\] chatty done$'

# --- no container reaches the channel; the host does
until_logged '^\[nobody\] connect as' 60
check "network: host, uid 0 with CAP_SYS_ADMIN and CAP_SYS_PTRACE: the abstract @bulkhead-ctl is refused" \
  grep -qx '\[hostnet\] connect @bulkhead-ctl: ECONNREFUSED' "$boot_log"
check "  ... the init's socket path is not in its tree" \
  grep -qx '\[hostnet\] connect /run/bulkhead/ctl.sock: ENOENT' "$boot_log"
check "  ... nor through /proc/1/root (its own pid 1)" \
  grep -qx '\[hostnet\] connect /proc/1/root/run/bulkhead/ctl.sock: ENOENT' "$boot_log"
check "network: host as nobody: refused too" grep -qx '\[nobody\] connect as nobody: ECONNREFUSED' "$boot_log"
check "from the host, in the same network namespace, @bulkhead-ctl is refused too" \
  test "$("$PROBE" connect-unix @bulkhead-ctl)" = ECONNREFUSED
CTL ps >"$work/ps" 2>&1
check "while the host's ctl --socket answers" grep -qE '^hostnet +services +running' "$work/ps"
check "the socket's directory is root's and 0700" test "$(stat -c %a:%u "$(dirname "$(sock)")")" = 700:0

# PID 1 is not dumpable: uid 0 in its pid namespace (its own /proc) without
# CAP_SYS_PTRACE cannot follow its root, cwd or descriptors, though it reads
# its comm.
inside() {
  nsenter --target "$(init_pid)" --pid -- unshare --mount --propagation private \
    sh -c 'mount -t proc proc /proc && exec setpriv --inh-caps=-all --bounding-set=-all -- "$@"' sh "$@"
}
cannot() { ! inside "$@" >/dev/null 2>&1; }
check "a capability-less uid 0 in the init's pid namespace cannot follow /proc/1/root" cannot ls /proc/1/root/
check "  ... nor /proc/1/cwd" cannot readlink /proc/1/cwd
check "  ... nor a descriptor in /proc/1/fd" cannot readlink /proc/1/fd/0
check "  ... while it reads /proc/1/comm" test "$(inside cat /proc/1/comm)" = init

# --- names are looked up, never made into paths
for name in ../../etc/passwd .. chatty/../../../etc/passwd "$(printf '../%.0s' $(seq 60))etc/passwd" ../log/chatty; do
  CTL logs "$name" >"$work/out" 2>&1
  status=$?
  check "logs '${name:0:40}': exit 1, no service named that, no file sent" \
    sh -c "test $status -eq 1 && grep -q '^error: no service named' '$work/out' && ! grep -q root: '$work/out' && test \$(wc -l <'$work/out') -eq 1"
done
CTL logs chatty >"$work/chatty.log"
stamp='\[ *[0-9]+\.[0-9]{3}\] '
check "logs of a real service still works" grep -qxE "${stamp}chatty done" "$work/chatty.log"
check "  ... each line with the time since boot it was read at" \
  test "$(grep -cvE "^$stamp" "$work/chatty.log")" -eq 0
# EOT ends an answer for bulkhead ctl: a container that prints one must not
# cut its log short (or leave text for the next client); escapes must not
# reach the host's terminal.
CTL logs controlbytes >"$work/controlbytes.log"
check "a container's control bytes reach ctl logs as '?', the line whole" \
  grep -qxE "${stamp}before\?after \?\[31mred" "$work/controlbytes.log"
check "  ... and the console the same" grep -qx '\[controlbytes\] before?after ?\[31mred' "$boot_log"

# --- a slow peer and a deaf one hang on; the loop goes on meanwhile
"$PROBE" connect-unix "$(sock)" "lo" 60 >"$work/slow" & holders+=($!)
"$PROBE" connect-unix "$(sock)" $'logs chatty\n' 60 >"$work/deaf" & holders+=($!)
ticks_before=$(grep -c '^\[ticker\] tick' "$boot_log")
peers_holding() { grep -qsx holding "$work/slow" && grep -qsx holding "$work/deaf"; }
check "the slow and the deaf peer are connected and have sent" wait_for "both peers to hold on" 60 peers_holding
CTL ps >"$work/ps" 2>&1
dropped_yet=$(grep -c 'control: dropped a peer' "$boot_log")
check "another client gets its answer while they hang on" grep -qE '^chatty +services +running' "$work/ps"
check "  ... before either was dropped" test "$dropped_yet" -eq 0
check "the console keeps printing meanwhile" wait_for "more ticks" 30 \
  sh -c "test \$(grep -c '^\[ticker\] tick' '$boot_log') -gt $((ticks_before + 3))"
check "the slow peer is dropped after its deadline, and logged" \
  until_logged 'control: dropped a peer that sent no complete command line in time' 60
check "the deaf peer (2 MiB of logs unread) is dropped, and logged" \
  until_logged 'control: dropped a peer that stopped reading its answer' 60

# --- over-long lines
long=$(printf 'p%.0s' $(seq 400))
"$PROBE" connect-unix "$(sock)" "$long"$'\n' >"$work/out"
check "a 400-byte line is answered with an error" grep -q '^error: a command line is at most 255 bytes' "$work/out"
"$PROBE" connect-unix "$(sock)" "logs $long" >"$work/out"
check "  ... also without a newline" grep -q '^error: a command line is at most 255 bytes' "$work/out"
"$PROBE" connect-unix "$(sock)" $'ps\x01\n' >"$work/out"
check "a control byte in a line is refused" grep -q '^error: unknown command' "$work/out"

# --- a flood of connections that never send
for i in $(seq 40); do "$PROBE" connect-unix "$(sock)" "" 90 >/dev/null & holders+=($!); done
check "a flood of 40 idle connections: the idlest are dropped as more come, logged" \
  until_logged 'control: dropped a peer that was idle longest' 60
wait_for "the flood to be taken in" 60 logged 'control: dropped a peer' 34
CTL ps >"$work/ps" 2>&1
check "  ... and a ctl client still gets its answer" grep -qE '^ticker +services +running' "$work/ps"
CTL poweroff >"$work/out" 2>&1
check "ctl poweroff answers while the flood holds on" grep -q '^ok: powering off' "$work/out"
wait_boot
check "the appliance powers off with status 0 (got $boot_status, in $boot_seconds s)" test "$boot_status" -eq 0
console_on_failure
done_testing
