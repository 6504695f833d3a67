#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A console the host stops reading must not stop PID 1. The init runs as PID
# 1 of a pid namespace on this host with its console a FIFO that nobody
# reads (as a serial port whose host side is paused), while a container
# floods it: PID 1 still answers ctl and powers off, the container's log
# keeps every line, and once the console takes output again the init says
# how many lines it dropped.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
work=$(mktemp -d)
trap 'exec 8>&-; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

cat >"$work/console.yml" <<'YAML'
name: console
stop_grace: 200ms
services:
  - name: flood
    image: busybox
    command: "i=0; while [ $i -lt 20000 ]; do echo flood line $i of a console nobody reads; i=$((i + 1)); done; echo flood done; exec sleep 1000"
YAML
"$BULKHEAD" build -q "$work/console.yml" -o "$work/console" || { not_ok "the appliance builds"; done_testing; exit 1; }
root=$work/console.root
mkdir -p "$root" && (cd "$root" && zcat "$work/console/initrd.img" | cpio -id --quiet 2>/dev/null)
mkfifo "$work/console.fifo"
exec 8<>"$work/console.fifo" # held open, never read: the console fills
"$TOP/tests/run-init" 240 "$root" >"$work/console.fifo" 2>&1 &
boot_pid=$!
CTL() { timeout 60 "$BULKHEAD" ctl --socket "/proc/$(init_pid)/root/run/bulkhead/ctl.sock" "$@"; }
# ctl logs stamps each line with the time since boot it was read at.
flood_done() { CTL logs flood 2>/dev/null | grep -qxE '\[ *[0-9]+\.[0-9]{3}\] flood done'; }

check "with the console full, the flood's log still gets every line" wait_for "flood done in its log" 120 flood_done
CTL logs flood >"$work/flood.log" 2>&1
check "  ... all 20000 of them, in order" \
  sh -c "grep -cE '^\[ *[0-9]+\.[0-9]{3}\] flood line [0-9]* of a console nobody reads\$' '$work/flood.log' | grep -qx 20000"
check "  ... more than the console's pipe holds (64 KiB): the console did fill" \
  test "$(wc -c <"$work/flood.log")" -gt 262144
CTL ps >"$work/ps" 2>&1
check "PID 1 answers ctl ps while its console is full" grep -qE '^flood +services +running' "$work/ps"
cat <&8 >"$work/console.out" &
drain=$!
CTL poweroff >"$work/out" 2>&1
check "ctl poweroff answers" grep -q '^ok: powering off' "$work/out"
wait "$boot_pid"
check "the appliance ends with status 0" test $? -eq 0
dropped_said() { grep -qE '^\[init\] warning: console: [0-9]+ lines dropped while it took no output$' "$work/console.out"; }
check "once the console takes output again, the init says how many lines it dropped" \
  wait_for "the dropped lines' count on the console" 30 dropped_said
kill "$drain" 2>/dev/null
done_testing
