#!/usr/bin/env bash
# Boot to "all services started" under QEMU (TCG unless /dev/kvm), for 3
# and for 100 containers, measured from the init's own start: bulkhead-init
# (each container isolated: namespaces, cgroup, caps, Landlock, seccomp)
# against a busybox init that runs the same commands without isolation.
# Also the init's VmRSS once its services run. Prints a table; never part
# of make check.
#
# usage: bench/boot.sh [COUNTS...]   (default: 3 100)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
bulkhead=$build/bin/bulkhead
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(3 100)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Each service is the same small static program, sleeping 3 s, so that all
# are alive when the last one starts.
mkdir -p "$work/rootfs/bin"
cp "$build/tests/helpers/bulkhead-probe" "$work/rootfs/bin/probe"

bulkhead_appliance() { # N -> $work/bh-N
  local n=$1 i
  {
    echo "name: bench$n"
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
  for applet in sh mount cat sleep poweroff; do ln -sf busybox "$dir/bin/$applet"; done
  cat >"$dir/init" <<INIT
#!/bin/sh
/bin/mount -t proc proc /proc
start=\$(/bin/cat /proc/uptime)
i=0
while [ \$i -lt $n ]; do /bin/probe sleep 3 & i=\$((i + 1)); done
end=\$(/bin/cat /proc/uptime)
echo "busybox: started $n in \$start \$end"
echo "busybox: \$(grep VmRSS /proc/1/status)"
/bin/sleep 3
/bin/poweroff -f
INIT
  chmod +x "$dir/init"
  mkdir -p "$work/bb-$n"
  (cd "$dir" && find . | sort | cpio -o -H newc --quiet) | gzip >"$work/bb-$n/initrd.img"
  # /dev/console for the kernel, as bulkhead build writes it
  cp "$work/bh-$n/kernel" "$work/bb-$n/kernel"
}

qemu_boot() { # DIR -> console on stdout
  local accel=tcg cpu=max
  [ -w /dev/kvm ] && accel=kvm cpu=host
  timeout 600 qemu-system-x86_64 -machine "pc,accel=$accel" -cpu "$cpu" -m 512 -smp 1 -nodefaults \
    -no-user-config -display none -serial stdio -no-reboot -kernel "$1/kernel" -initrd "$1/initrd.img" \
    -append "console=ttyS0 panic=-1 quiet ${2:-}" </dev/null 2>&1 | tr -d '\r'
}

printf '%-10s %-14s %16s %12s %10s\n' containers init "to all started" "per container" "VmRSS"
for n in "${counts[@]}"; do
  bulkhead_appliance "$n"
  busybox_appliance "$n"
  # bulkhead-init: the debug line that closes the start of the services.
  qemu_boot "$work/bh-$n" "bulkhead.debug" >"$work/bh-$n.log"
  us=$(sed -n 's/.*debug: starting the services took [0-9]* us (\([0-9]*\) us since the init started).*/\1/p' "$work/bh-$n.log")
  rss=$(sed -n 's/.*debug: VmRSS:[[:space:]]*\([0-9]*\) kB.*/\1/p' "$work/bh-$n.log")
  printf '%-10s %-14s %13.1f ms %9.2f ms %7s kB\n' "$n" bulkhead-init "$(echo "$us / 1000" | bc -l)" \
    "$(echo "$us / 1000 / $n" | bc -l)" "${rss:-?}"
  qemu_boot "$work/bb-$n" "rdinit=/init" >"$work/bb-$n.log"
  read -r s1 _ e1 _ < <(sed -n "s/^busybox: started $n in //p" "$work/bb-$n.log")
  brss=$(sed -n 's/^busybox: VmRSS:[[:space:]]*\([0-9]*\) kB.*/\1/p' "$work/bb-$n.log")
  ms=$(echo "($e1 - $s1) * 1000" | bc -l)
  printf '%-10s %-14s %13.1f ms %9.2f ms %7s kB\n' "$n" busybox-init "$ms" "$(echo "$ms / $n" | bc -l)" "${brss:-?}"
done
