# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the bench scripts: where things are, a scratch directory
# (kept with KEEP=1), and the median of numbers on stdin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
bulkhead=$build/bin/bulkhead
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
