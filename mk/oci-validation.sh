#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# usage: mk/oci-validation.sh RUNTIME_TOOLS_DIR RUNTIME [OTHER_RUNTIME]
# Runs the OCI runtime-tools validation suite (a checkout built outside
# this tree with `make runtimetest validation-executables`) against
# RUNTIME and, if given, OTHER_RUNTIME (runc, say), each .t on its own,
# and prints per file: the checks (A/B when they differ) and each runtime's
# `not ok` count, then the `not ok` lines OTHER_RUNTIME passes and RUNTIME
# does not. Needs root and jq; containers a test leaves are deleted.
# Every run is in a private mount namespace with cgroup2 mounted on
# /sys/fs/cgroup, so a host with hybrid v1/v2 cgroups is not touched.
# (runtime-tools asks for Go 1.21; Debian bookworm's 1.19 builds it with
# GOFLAGS=-mod=vendor once slices.Contains/DeleteFunc, sync.OnceValue(s)
# and strings.CutPrefix are given local stand-ins in that checkout.)
# OCI_VALIDATION_TESTS: the test names to run (default all, e.g. "state kill");
# OCI_VALIDATION_LOGS: where the TAP logs go (default a new directory);
# OCI_VALIDATION_TIMEOUT: seconds per test file (default 300).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 RUNTIME_TOOLS_DIR RUNTIME [OTHER_RUNTIME]" >&2; exit 2; }
tools=$(cd "$1" && pwd)
[ -x "$tools/runtimetest" ] ||
  { echo "$0: no $tools/runtimetest: run make runtimetest validation-executables there" >&2; exit 2; }
absolute() { case $1 in /*) echo "$1" ;; */*) echo "$(pwd)/$1" ;; *) command -v "$1" ;; esac; }
runtime_a=$(absolute "$2")
runtime_b=${3:+$(absolute "$3")}
logs=${OCI_VALIDATION_LOGS:-$(mktemp -d /tmp/oci-validation.XXXXXX)}
timeout=${OCI_VALIDATION_TIMEOUT:-300}
tests=${OCI_VALIDATION_TESTS:-$(cd "$tools/validation" && for t in */*.t; do dirname "$t"; done)}

# run_all RUNTIME DIR: each test's TAP in DIR/NAME.tap, its exit status in
# DIR/NAME.status. The suite finds runtimetest and the rootfs tarball in
# its working directory, and reads the runtime from $RUNTIME.
run_all() {
  mkdir -p "$2"
  unshare --mount --propagation private env RUNTIME="$1" TOOLS="$tools" OUT="$2" \
    TESTS="$tests" TIMEOUT="$timeout" sh -c '
    mount -t cgroup2 none /sys/fs/cgroup || exit 1
    cd "$TOOLS"
    # What a test left behind (it stopped half-way): the containers of its
    # bundles (ocitest*) that were not there before the run.
    ours() { "$RUNTIME" list --format json 2>/dev/null |
      jq -r ".[]? | select(.bundle | test(\"/ocitest[0-9]+$\")) | .id"; }
    ours >"$OUT/before-run"
    for t in $TESTS; do
      timeout -k 10 "$TIMEOUT" "./validation/$t/$t.t" >"$OUT/$t.tap" 2>&1 </dev/null
      echo $? >"$OUT/$t.status"
      for id in $(ours | grep -vxF -f "$OUT/before-run"); do
        "$RUNTIME" delete --force "$id" >/dev/null 2>&1
      done
    done'
}

# The results of a log, with numbers dropped: check names carry random
# temporary paths and the TAP ordinal.
not_oks() { sed -n 's/^not ok [0-9]* *-* *//p' "$1" | sed 's/[0-9][0-9]*/N/g' | sort -u; }
count() { grep -cE "^$1 [0-9]" "$2" 2>/dev/null || true; }
checks() { [ -f "$1" ] && echo $(( $(count ok "$1") + $(count "not ok" "$1") )) || echo 0; }
# "N" not-ok lines, "N!" when the file ended with a failure status
# and no not-ok line (the test could not run; see its log).
cell() {
  [ -f "$1.tap" ] || { echo -; return; }
  n=$(count 'not ok' "$1.tap")
  if [ "$n" -eq 0 ] && [ "$(cat "$1.status")" != 0 ]; then echo "0!"; else echo "$n"; fi
}

name_a=$(basename "$runtime_a")
run_all "$runtime_a" "$logs/a"
if [ -n "$runtime_b" ]; then
  name_b=$(basename "$runtime_b")
  run_all "$runtime_b" "$logs/b"
fi

printf '%-32s %9s %10s %10s\n' file checks "$name_a" "${name_b:--}"
for t in $tests; do
  # One count, or both when a file stopped short for one of them.
  checks=$(checks "$logs/a/$t.tap")
  other=$(checks "$logs/b/$t.tap")
  [ -z "$runtime_b" ] || [ "$other" -eq "$checks" ] || checks=$checks/$other
  printf '%-32s %9s %10s %10s\n' "$t" "$checks" "$(cell "$logs/a/$t")" "$(cell "$logs/b/$t")"
done
if [ -n "$runtime_b" ]; then
  echo
  echo "not ok for $name_a, ok for $name_b:"
  for t in $tests; do
    not_oks "$logs/a/$t.tap" >"$logs/a/$t.notok"
    not_oks "$logs/b/$t.tap" >"$logs/b/$t.notok"
    comm -23 "$logs/a/$t.notok" "$logs/b/$t.notok" | sed "s|^|  $t: |"
    if [ "$(cell "$logs/a/$t")" = "0!" ] && [ "$(cat "$logs/b/$t.status")" = 0 ]; then
      echo "  $t: did not run (exit $(cat "$logs/a/$t.status")): $(grep -v '^TAP' "$logs/a/$t.tap" | tail -n 1)"
    fi
  done
fi
echo
echo "logs: $logs (a = $name_a${runtime_b:+, b = $name_b})"
