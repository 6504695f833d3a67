#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot to "all services started" for 3 and for 100 containers, measured
# from the init's own start: bulkhead-init (each container isolated:
# namespaces, cgroup, caps, Landlock, seccomp) against a busybox init that
# runs the same commands without isolation. Three ways: under QEMU (KVM
# when it can run the guest, as bulkhead run --accel auto decides; TCG
# otherwise); under QEMU's instruction count, whose guest time a loaded
# machine does not move (so the ratio to busybox there is the TCG figure to
# compare across runs and builds); and natively, each init as PID 1 of a
# fresh pid and mount namespace on this machine, which shows the init's
# overhead at hardware speed. Also the init's VmRSS once its services run,
# and, for reading the rows, the
# kernel's floor for one container measured in the same run: natively
# `unshare --fork -pmuinC /bin/true` (hyperfine's median), the namespaces
# alone; in the VM busybox's `unshare -pmuinf` of a static program (the
# mean of 20 in a row, in the busybox boot, after its starts).
# Prints a table; never part of make check.
#
# usage: [REPEAT=N] [KERNEL=debian|minimal] bench/boot.sh [COUNTS...]
#   (default: 1 3 100; each boot 3 times, the median; the manifest's kernel
#   key, Debian's by default; busybox boots the same kernel)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
bulkhead=$build/bin/bulkhead
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 3 100)
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# Each service is the same small static program, sleeping 3 s, so that all
# are alive when the last one starts.
mkdir -p "$work/rootfs/bin"
cp "$build/tests/helpers/bulkhead-probe" "$work/rootfs/bin/probe"

bulkhead_appliance() { # N -> $work/bh-N
  local n=$1 i
  {
    echo "name: bench$n"
    [ -z "${KERNEL:-}" ] || echo "kernel: $KERNEL"
    echo "services:"
    for i in $(seq "$n"); do
      printf '  - name: s%d\n    image: dir:rootfs\n    command: ["/bin/probe", "sleep", "3"]\n' "$i"
    done
  } >"$work/bh-$n.yml"
  "$bulkhead" build -q "$work/bh-$n.yml" -o "$work/bh-$n"
}

# The same commands under busybox as /init: no namespaces, no cgroups, no
# filters. It reports the time between its own start and the last start.
busybox_appliance() { # N -> $work/bb-N
  local n=$1 dir=$work/bb-$n.root
  mkdir -p "$dir/bin" "$dir/dev" "$dir/proc" "$dir/sys"
  cp /bin/busybox "$dir/bin/busybox"
  cp "$build/tests/helpers/bulkhead-probe" "$dir/bin/probe"
  for applet in sh mount cat sleep poweroff unshare; do ln -sf busybox "$dir/bin/$applet"; done
  cat >"$dir/init" <<INIT
#!/bin/sh
/bin/mount -t proc proc /proc
/bin/mount -t devtmpfs dev /dev
start=\$(/bin/probe clock)
i=0
while [ \$i -lt $n ]; do /bin/probe sleep 3 & i=\$((i + 1)); done
end=\$(/bin/probe clock)
echo "busybox: started $n in \$start \$end"
echo "busybox: \$(grep VmRSS /proc/1/status)"
# The kernel's floor for one container in this machine: the namespaces
# made and torn down around one static program, 20 times in a row.
floor_start=\$(/bin/probe clock)
i=0
while [ \$i -lt 20 ] && /bin/unshare -pmuinf /bin/probe exit 0; do i=\$((i + 1)); done
[ \$i -eq 20 ] && echo "busybox: floor \$(( (\$(/bin/probe clock) - floor_start) / 20 ))"
/bin/sleep 3
/bin/poweroff -f
INIT
  chmod +x "$dir/init"
  mkdir -p "$work/bb-$n"
  (cd "$dir" && find . | sort | cpio -o -H newc --quiet) | gzip >"$work/bb-$n/initrd.img"
  # /dev/console for the kernel, as bulkhead build writes it
  cp "$work/bh-$n/kernel" "$work/bb-$n/kernel"
}

# The appliance boots with bulkhead run, which chooses the accelerator
# (--accel auto: KVM only when it can run the guest) and remembers it.
bulkhead_boot() { # DIR -> console on stdout
  "$bulkhead" run --debug --memory 512 --timeout 600 "$1" </dev/null 2>&1 | tr -d '\r'
}

# busybox boots with plain QEMU, under the accelerator bulkhead run chose.
busybox_boot() { # DIR -> console on stdout
  local cpu=max
  [ "$accel" = kvm ] && cpu=host
  timeout 600 qemu-system-x86_64 -machine "pc,accel=$accel" -cpu "$cpu" -m 512 -smp 1 -nodefaults \
    -no-user-config -display none -serial stdio -no-reboot -kernel "$1/kernel" -initrd "$1/initrd.img" \
    -append "console=ttyS0 panic=-1 quiet rdinit=/init" </dev/null 2>&1 | tr -d '\r'
}

# Either appliance under QEMU's instruction count (-icount shift=1,sleep=off:
# TCG, the guest's clock advancing 2 ns per instruction, never waiting), so
# that a boot takes the same guest time to a tenth of a percent whatever the
# machine's load: one boot of each tells what three noisy ones cannot. The
# bulkhead appliance boots with the command line it was built with, without
# bulkhead run's exit device and control port: it powers off, and QEMU ends
# with status 0.
icount_boot() { # KERNEL INITRD APPEND -> console on stdout
  timeout 900 qemu-system-x86_64 -machine pc,accel=tcg -icount shift=1,sleep=off -cpu max -m 512 -smp 1 \
    -nodefaults -no-user-config -display none -serial stdio -no-reboot -kernel "$1" -initrd "$2" \
    -append "$3" </dev/null 2>&1 | tr -d '\r'
}

# The same image as PID 1 of a new pid and mount namespace here: no
# kernel boot, no emulation. ARGS reach the init as its kernel options would.
# Its root by pivot_root, as on a machine (tests/lib.sh's boot_host): a
# chrooted init could make no user namespace.
native_boot() { # DIR ARGS... -> console on stdout
  local dir=$1 root=$1.root
  shift
  rm -rf "$root" && mkdir -p "$root/.old"
  (cd "$root" && zcat "$dir/initrd.img" | cpio -id --quiet 2>/dev/null)
  # busybox's poweroff ends its pid namespace with a kill: not a failure.
  timeout 600 unshare --pid --fork --mount --propagation private sh -c \
    'r=$1; shift; mount --bind "$r" "$r" && cd "$r" && pivot_root . .old && /.old/bin/busybox umount -l /.old && exec /init "$@"' \
    sh "$root" "$@" </dev/null 2>&1 || true
}

# The kernel's floor for one container, in us: the namespaces a container
# gets, made and torn down around /bin/true (hyperfine's median of 100).
floor_us() {
  hyperfine --shell=none --warmup 10 --runs "${1:-100}" --export-json "$work/floor.json" \
    "unshare --fork -pmuinC /bin/true" >/dev/null 2>&1
  jq '.results[0].median * 1000000 | floor' "$work/floor.json"
}

# N INIT WHERE US-SINCE-START US-STARTING RSS: US-STARTING is the start
# phase alone (from the first start to the last one told), which the
# rows compare with N times the floor (us): $floor natively, $vm_floor in
# the VM.
row() {
  local ratio=- f=${floor:-}
  [ "$3" = native ] || f=${vm_floor:-}
  [ -n "$5" ] && [ -n "$f" ] && ratio=$(printf '%.2f' "$(echo "$5 / ($1 * $f)" | bc -l)")
  printf '%-10s %-14s %-7s %13.1f ms %10.1f ms %9.2f ms %7s kB %8s\n' "$1" "$2" "$3" "$(echo "$4 / 1000" | bc -l)" \
    "$(echo "${5:-$4} / 1000" | bc -l)" "$(echo "${5:-$4} / 1000 / $1" | bc -l)" "${6:-?}" "$ratio"
}

# The figures of one boot's log: start phase, since the init's start, VmRSS.
bulkhead_figures() { # LOG
  local phase us
  read -r phase us < <(sed -n 's/.*debug: starting the services took \([0-9]*\) us (\([0-9]*\) us since the init started).*/\1 \2/p' "$1")
  echo "$phase $us $(sed -n 's/.*debug: VmRSS:[[:space:]]*\([0-9]*\) kB.*/\1/p' "$1")"
}

busybox_figures() { # N LOG
  local s1 e1
  read -r s1 e1 < <(sed -n "s/^busybox: started $1 in //p" "$2")
  echo "$((e1 - s1)) $((e1 - s1)) $(sed -n 's/^busybox: VmRSS:[[:space:]]*\([0-9]*\) kB.*/\1/p' "$2")"
}

# N INIT WHERE FIGURES...: the row of the boot whose start phase is the
# median of the REPEAT boots (each FIGURES: "phase since rss").
median_row() {
  local n=$1 init=$2 where=$3 phase us rss
  shift 3
  read -r phase us rss < <(printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p")
  row "$n" "$init" "$where" "$us" "$phase" "$rss"
}

# Each boot REPEAT times (default 3), the median reported: a shared machine's
# load comes and goes. The floor is measured right before each native boot
# (40 runs) and its median taken, so that the ratio is to the floor of the
# same moments: one floor before all the boots swung the ratio by half.
repeat=${REPEAT:-3}
"$top/mk/deps.sh" hyperfine jq >&2
printf '%-10s %-14s %-7s %16s %13s %12s %10s %8s\n' containers init where "to all started" "start phase" \
  "per container" "VmRSS" "÷ floor"
for n in "${counts[@]}"; do
  bulkhead_appliance "$n"
  busybox_appliance "$n"
  bh=() bb=() bhn=() bbn=() vm_floors=()
  for i in $(seq "$repeat"); do
    # bulkhead-init: the debug line that closes the start of the services.
    bulkhead_boot "$work/bh-$n" >"$work/bh-$n.log"
    accel=$("$bulkhead" accel 2>/dev/null)
    bh+=("$(bulkhead_figures "$work/bh-$n.log")")
    busybox_boot "$work/bb-$n" >"$work/bb-$n.log"
    bb+=("$(busybox_figures "$n" "$work/bb-$n.log")")
    vm_floor=$(sed -n 's/^busybox: floor //p' "$work/bb-$n.log")
    [ -z "$vm_floor" ] || vm_floors+=("$vm_floor")
  done
  # The median of those boots that measured it (an unshare that failed ends the loop unsaid).
  vm_floor=
  [ ${#vm_floors[@]} -eq 0 ] ||
    vm_floor=$(printf '%s\n' "${vm_floors[@]}" | sort -n | sed -n "$(( (${#vm_floors[@]} + 1) / 2 ))p")
  median_row "$n" bulkhead-init "$accel" "${bh[@]}"
  median_row "$n" busybox-init "$accel" "${bb[@]}"
  [ -z "$vm_floor" ] || printf '%-10s %-14s %-7s %29s %9.2f ms\n' "$n" "kernel floor" "$accel" \
    "(unshare -pmuinf, mean of 20)" "$(echo "$vm_floor / 1000" | bc -l)"
  # The same two boots under the instruction count, once each: their
  # "÷ floor" is to the floor busybox's boot measured under it, and a last
  # row gives bulkhead's "to all started" over busybox's loop.
  icount_boot "$work/bh-$n/kernel" "$work/bh-$n/initrd.img" "$(cat "$work/bh-$n/cmdline") bulkhead.debug" \
    >"$work/bh-$n.icount.log"
  icount_boot "$work/bb-$n/kernel" "$work/bb-$n/initrd.img" "console=ttyS0 panic=-1 quiet rdinit=/init" \
    >"$work/bb-$n.icount.log"
  phase= us= rss= bb_us= bb_rss=
  read -r phase us rss <<<"$(bulkhead_figures "$work/bh-$n.icount.log")" || true
  read -r bb_us _ bb_rss <<<"$(busybox_figures "$n" "$work/bb-$n.icount.log")" || true
  icount_floor=$(sed -n 's/^busybox: floor //p' "$work/bb-$n.icount.log")
  if [ -n "$us" ] && [ -n "$bb_us" ]; then
    vm_floor=$icount_floor row "$n" bulkhead-init icount "$us" "$phase" "$rss"
    vm_floor=$icount_floor row "$n" busybox-init icount "$bb_us" "$bb_us" "$bb_rss"
    [ -z "$icount_floor" ] || printf '%-10s %-14s %-7s %29s %9.2f ms\n' "$n" "kernel floor" icount \
      "(unshare -pmuinf, mean of 20)" "$(echo "$icount_floor / 1000" | bc -l)"
    printf '%-10s %-14s %-7s %29s %9.2f\n' "$n" "ratio" icount "(bulkhead ÷ busybox, all started)" \
      "$(echo "$us / $bb_us" | bc -l)"
  else
    echo "bench/boot.sh: the instruction-count boots of $n gave no figures (KEEP=1 keeps their logs in $work)" >&2
  fi
  floors=()
  for i in $(seq "$repeat"); do
    floors+=("$(floor_us 40)")
    native_boot "$work/bh-$n" bulkhead.debug >"$work/bh-$n.native.log"
    bhn+=("$(bulkhead_figures "$work/bh-$n.native.log")")
    native_boot "$work/bb-$n" >"$work/bb-$n.native.log"
    bbn+=("$(busybox_figures "$n" "$work/bb-$n.native.log")")
  done
  floor=$(printf '%s\n' "${floors[@]}" | sort -n | sed -n "$(( (repeat + 1) / 2 ))p")
  median_row "$n" bulkhead-init native "${bhn[@]}"
  median_row "$n" busybox-init native "${bbn[@]}"
  printf '%-10s %-14s %-7s %29s %9.2f ms\n' "$n" "kernel floor" native "(unshare -pmuinC, median)" \
    "$(echo "$floor / 1000" | bc -l)"
done
