#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kernel: minimal against Debian's kernel: bzImage size, and the boot of the
# hello appliance under QEMU (bulkhead run --accel auto: KVM when it can run
# the guest, TCG otherwise) on the pc and microvm
# machines, each the median of RUNS boots:
#   to PID 1   from QEMU's start to the init's first console line (firmware,
#              decompression, the kernel's boot, the initramfs unpacked)
#   kernel     the kernel's own clock when it started PID 1 (CLOCK_MONOTONIC,
#              which starts after decompression: bulkhead.debug reports it)
#   whole run  from QEMU's start to its exit (hello's services sleep 3 s)
# Prints a table and the ratios minimal/debian; never part of make check.
#
# usage: bench/kernel.sh [RUNS]   (default 3)
. "$(dirname "$0")/lib.sh"
runs=${1:-3}
declare -A image=([debian]=$build/kernel/vmlinuz [minimal]=$build/kernel-minimal/vmlinuz)
for k in debian minimal; do
  [ -f "${image[$k]}" ] || { echo "bench/kernel.sh: no ${image[$k]} (make kernel)" >&2; exit 1; }
done


# One boot: prints "TO_PID1_MS KERNEL_MS WHOLE_MS", timing the console as it
# comes (EPOCHREALTIME: microseconds, no process per line).
boot_once() { # DIR MACHINE
  local start first="" kernel="" line
  start=$EPOCHREALTIME
  while IFS= read -r line; do
    line=${line%$'\r'}
    [ -z "$first" ] && [[ $line == "[init]"* ]] && first=$EPOCHREALTIME
    [[ $line == *"debug: the kernel took "* ]] && kernel=${line##*took } && kernel=${kernel%% *}
  done < <("$bulkhead" run --debug --machine "$2" --timeout 300 "$1" </dev/null 2>&1)
  local end=$EPOCHREALTIME
  [ -n "$first" ] && [ -n "$kernel" ] || { echo "bench/kernel.sh: a boot of $1 on $2 failed" >&2; exit 1; }
  awk -v s="$start" -v f="$first" -v e="$end" -v k="$kernel" \
    'BEGIN { printf "%.0f %.0f %.0f\n", (f - s) * 1000, k / 1000, (e - s) * 1000 }'
}

declare -A figure
printf '%-8s %-11s %12s %12s %11s %11s\n' kernel machine "bzImage" "to PID 1" "kernel" "whole run"
for k in debian minimal; do
  "$bulkhead" build -q --kernel "${image[$k]}" "$top/examples/hello.yml" -o "$work/$k"
  size=$(stat -L -c %s "${image[$k]}")
  for machine in pc microvm; do
    for i in $(seq "$runs"); do boot_once "$work/$k" "$machine"; done >"$work/$k-$machine.times"
    # What bulkhead run --accel auto chose (and remembers): KVM only when it can run the guest.
    accel=$("$bulkhead" accel 2>/dev/null)
    to_pid1=$(cut -d' ' -f1 "$work/$k-$machine.times" | median)
    kernel=$(cut -d' ' -f2 "$work/$k-$machine.times" | median)
    whole=$(cut -d' ' -f3 "$work/$k-$machine.times" | median)
    figure[$k-$machine]="$to_pid1 $kernel"
    printf '%-8s %-11s %9d kB %9d ms %8d ms %8d ms\n' "$k" "$machine/$accel" $((size / 1024)) "$to_pid1" "$kernel" "$whole"
  done
  figure[$k-size]=$size
done
echo
awk -v a="${figure[minimal-size]}" -v b="${figure[debian-size]}" \
  'BEGIN { printf "minimal/debian: bzImage %.2f\n", a / b }'
for machine in pc microvm; do
  read -r mp mk <<<"${figure[minimal-$machine]}"
  read -r dp dk <<<"${figure[debian-$machine]}"
  awk -v m="$machine" -v mp="$mp" -v dp="$dp" -v mk="$mk" -v dk="$dk" \
    'BEGIN { printf "minimal/debian on %s: to PID 1 %.2f, kernel %.2f\n", m, mp / dp, mk / dk }'
done
echo "(median of $runs boots each; initrd: the hello appliance, Debian's carrying its button module)"
