#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every bad manifest in tests/manifests/bad gets its exact message (file,
# line, column, what is wrong, how to fix), exit status 1, and no output
# directory, not even a partial one.
. "$(dirname "$0")/lib.sh"
cd "$TOP"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for manifest in tests/manifests/bad/*.yml; do
  name=$(basename "$manifest" .yml)
  expected=$(cat "${manifest%.yml}.expect")
  "$BULKHEAD" build -q "$manifest" -o "$work/out-$name" >"$work/stdout" 2>"$work/stderr"
  status=$?
  got=$(cat "$work/stderr")
  if [ "$status" -eq 1 ] && [ "$got" = "$expected" ]; then
    ok "$name: $expected"
  else
    not_ok "$name: exit $status"
    { echo "expected: $expected"; echo "got:      $got"; } | diag
  fi
  leftovers=$(find "$work" -maxdepth 1 -name "out-$name*")
  check "$name: nothing written" test -z "$leftovers"
done
done_testing
