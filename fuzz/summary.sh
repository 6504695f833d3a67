#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# usage: fuzz/summary.sh BUILD/fuzz NAME...: one line per fuzz target from
# its libFuzzer log: executions, coverage (cov: edges, ft: features), the
# corpus it ended with, and its findings (a crash, a leak, a timeout: the
# input is in BUILD/fuzz/findings/NAME/). Exits 1 when anything was found.
set -u
dir=$1; shift
found=0
printf '%-10s %10s %8s %8s %8s  %s\n' target execs cov ft corpus findings
for name in "$@"; do
  log=$dir/logs/$name.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
  cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(printf '%s\n' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(printf '%s\n' "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
  what=$(grep -E -m 1 '^==[0-9]+==ERROR|^SUMMARY: |ALARM: working on the last Unit|fuzz [a-z]+: ' "$log" | cut -c1-120)
  # this run's only: earlier runs' findings stay until removed
  artifacts=$(find "$dir/findings/$name" -type f -newer "$dir/logs/$name.start" 2>/dev/null | wc -l)
  if [ -n "$what" ] || [ "$artifacts" -gt 0 ] || [ "$(cat "$dir/logs/$name.status" 2>/dev/null)" != 0 ]; then
    found=1
    what="${what:-exit $(cat "$dir/logs/$name.status" 2>/dev/null)} ($artifacts saved in $dir/findings/$name)"
  else
    what=none
  fi
  printf '%-10s %10s %8s %8s %8s  %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$what"
done
exit $found
