#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Starting a container, side by side in interleaved rounds: `run` of /bin/true
# in one busybox bundle under bulkhead-runtime, crun and runc, the same
# isolation with bwrap, and the kernel floor (unshare alone). Reports means,
# medians and ratios. Timing never decides a test; this is for reading.
#
# usage: [BASELINE=OTHER-BULKHEAD-RUNTIME] bench/runtime.sh [RUNS]   (root; make bench runs it)
set -euo pipefail
runs=${1:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}

if [ -z "${BENCH_IN_NAMESPACE:-}" ]; then
  "$top/mk/deps.sh" crun runc bubblewrap hyperfine >&2
  # crun refuses a hybrid cgroup v1/v2 host: give every runtime the same
  # private cgroup2 view instead (DESIGN.md, known pitfalls).
  exec env BENCH_IN_NAMESPACE=1 unshare --mount --propagation private "$0" "$@"
fi
mount -t cgroup2 none /sys/fs/cgroup

work=$(mktemp -d)
trap 'umount "$work" 2>/dev/null; rm -rf "$work"' EXIT
# State directories live on a tmpfs, as /run is where crun, runc and this
# runtime keep them by default: on a disk mounted with discard, removing a
# container's state files waits for the device, and measures the disk.
mount -t tmpfs -o mode=0700 none "$work"
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/dev" "$bundle/rootfs/sys" "$bundle/rootfs/tmp"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
# One config for all three OCI runtimes: crun's default spec, no terminal,
# no device cgroup rules (crun loads those as eBPF and must raise
# RLIMIT_MEMLOCK, which needs CAP_SYS_RESOURCE; bulkhead-runtime loads
# them as eBPF too, so dropping them for all three keeps the work equal).
(cd "$bundle" && crun spec)
jq '.process.terminal = false | .process.args = ["/bin/true"] | del(.linux.resources)' \
  "$bundle/config.json" >"$bundle/config.tmp"
mv "$bundle/config.tmp" "$bundle/config.json"

rootfs=$bundle/rootfs
# Every program measured is read from disk the same way: its file's pages
# dropped from the cache (written back first), the warm-up reads them in
# again, as after a boot (the libraries they load are left as they are).
# How a file's pages came into the cache changes an exec of it by up to
# 5 % here: the same bulkhead-runtime took 2534 µs a run from the file the
# linker had just written, 2424 µs once that was dropped and read back,
# and 2409 µs from a copy cp made (floor 2269); copies of crun and unshare
# ran 93 and 58 µs faster than their installed files. Measured as found, a
# build would be compared, unawares, with programs in another state.
for program in "$build/bin/bulkhead-runtime" ${BASELINE:+"$BASELINE"} "$(command -v crun)" "$(command -v runc)" \
  "$(command -v bwrap)" "$(command -v unshare)" "$(type -P true)"; do
  sync "$program" && dd if="$program" iflag=nocache count=0 status=none
done
names=(bulkhead-runtime crun runc bwrap floor)
commands=(
  "$build/bin/bulkhead-runtime --root $work/bh run --bundle $bundle bench"
  "crun --root $work/crun run --bundle $bundle bench"
  "runc --root $work/runc run --bundle $bundle bench"
  "bwrap --unshare-pid --unshare-net --unshare-ipc --unshare-uts --unshare-cgroup --die-with-parent --ro-bind $rootfs / --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL /bin/true"
  "unshare --fork -pmuinC /bin/true"
)
# BASELINE=PATH: another bulkhead-runtime (an earlier build) in the same
# rounds, for a before-and-after under the same load.
if [ -n "${BASELINE:-}" ]; then
  names+=("bulkhead-runtime (baseline)")
  commands+=("$BASELINE --root $work/base run --bundle $bundle bench")
fi
# In ROUNDS rounds (default: twice the number of commands) of RUNS/ROUNDS
# runs each, every command in every round: one hyperfine run measures its
# commands one after another, and on a shared machine a load that comes
# and goes would fall on one command's block and skew the ratios.
# Interleaved, each command sees the same weather; the medians are taken
# over all the rounds' runs together. And each round begins with the next
# command, so that every command is as often the first one a hyperfine
# run measures, right after hyperfine starts (bulkhead-runtime always was,
# and up to 0.07 ms slower there than a copy of itself measured second).
rounds=${ROUNDS:-$((2 * ${#names[@]}))}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench/runtime.sh: ROUNDS must be a whole number from 1 ($rounds)" >&2; exit 2; }
per_round=$(( runs / rounds > 5 ? runs / rounds : 5 ))
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  order=()
  for ((j = 0; j < ${#names[@]}; j++)); do
    i=$(( (round - 1 + j) % ${#names[@]} ))
    order+=(--command-name "${names[$i]}" "${commands[$i]}")
  done
  hyperfine --shell=none --warmup "$([ "$round" -eq 1 ] && echo 20 || echo 3)" --runs "$per_round" \
    --export-json "$work/round-$round.json" "${order[@]}" >/dev/null
done

echo
echo "$rounds rounds of $per_round runs each: $((rounds * per_round)) runs of every command"
printf '%-28s %10s %10s %12s %12s\n' command "mean ms" "median ms" "÷ crun" "÷ floor"
cat "$work"/round-*.json | jq -rs '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  $ARGS.positional as $order |
  [.[].results[]] as $all |
  [$order[] as $c | { command: $c, times: ([$all[] | select(.command == $c) | .times[]]) }
   | . + { mean: (.times | add / length), median: (.times | median) }] as $r |
  ($r | map({(.command): .median}) | add) as $m |
  $r[] | [.command, (.mean * 1000), (.median * 1000), (.median / $m.crun), (.median / $m.floor)] | @tsv' \
  --args "${names[@]}" |
  while IFS=$'\t' read -r name mean median vs_crun vs_floor; do
    printf '%-28s %10.1f %10.1f %12.2f %12.2f\n' "$name" "$mean" "$median" "$vs_crun" "$vs_floor"
  done
