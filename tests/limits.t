#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the init or the kernel could not run is refused at build, saying
# why: a command or variable longer than exec passes, a command line and
# environment over the stack limit's share, more containers than the init
# runs. Each next to the largest input that still builds. The exec limits
# are first measured on this host's kernel, so that the builder's numbers
# are the kernel's and not a guess.
. "$(dirname "$0")/lib.sh"
cd "$TOP"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# build NAME: builds $work/NAME.yml; stderr in $work/NAME.err, status in $status.
build() {
  "$BULKHEAD" build -q "$work/$1.yml" -o "$work/out-$1" >/dev/null 2>"$work/$1.err"
  status=$?
}

# manifest NAME ARG [EXTRA]: a container running /bin/true with argument ARG.
manifest() {
  printf 'name: lim\nonboot:\n  - name: a\n    image: busybox\n    command: ["/bin/true", "%s"]\n%s' "$2" "${3:-}" >"$work/$1.yml"
}

# The kernel's MAX_ARG_STRLEN, seen from outside: exec takes a string of
# 131071 bytes and its NUL, and refuses one byte more.
long=$(head -c 131071 /dev/zero | tr '\0' x)
check "this kernel execs an argument of 131071 bytes" /bin/true "$long"
check "  ... and refuses one of 131072 (E2BIG)" sh -c '! /bin/true "$1"x 2>/dev/null' sh "$long"

manifest fits "$long"
build fits
check "a command argument of 131071 bytes builds (exit $status)" test "$status" -eq 0
manifest over "${long}x"
build over
check "one of 131072 bytes is refused (exit $status)" test "$status" -eq 1
check "  ... naming the line, the string, its size and the limit" grep -qxF \
  "$work/over.yml:5:14: container a: command string 2 is 131072 bytes; the kernel passes at most 131071 bytes per argument or variable (MAX_ARG_STRLEN, 32 pages); put the data in a file (files:) instead" \
  "$work/over.err"
check "  ... and nothing is written" test ! -e "$work/out-over"

# The issue's 10 MB command, as a shell command line.
printf 'name: lim\nonboot:\n  - name: a\n    image: busybox\n    command: "echo %s"\n' \
  "$(head -c 10000000 /dev/zero | tr '\0' x)" >"$work/huge.yml"
build huge
check "a 10 MB shell command is refused (exit $status)" \
  sh -c "test $status -eq 1 && grep -q 'huge.yml:5:14: container a: command string 3 is 10000005 bytes; the kernel passes at most 131071' '$work/huge.err'"

# The sum: 20 variables of 120000 bytes are 2.4 MB, over the quarter of
# the 8 MiB stack limit the container gets by default; with rlimits.stack
# at 64 MiB exec allows 6 MiB, and the same build goes through.
for i in $(seq 20); do printf 'V%d=%s\n' "$i" "$(head -c 120000 /dev/zero | tr '\0' y)"; done >"$work/env"
check "this kernel refuses 2.4 MB of environment under an 8 MiB stack limit" \
  bash -c 'ulimit -s 8192 && mapfile -t vars <"$1" && ! env -i "${vars[@]}" /bin/true 2>/dev/null' bash "$work/env"
check "  ... and takes it under a 64 MiB one" \
  bash -c 'ulimit -s 65536 && mapfile -t vars <"$1" && env -i "${vars[@]}" /bin/true' bash "$work/env"
env_lines=$(for i in $(seq 20); do printf '      - "V%d=%s"\n' "$i" "$(head -c 120000 /dev/zero | tr '\0' y)"; done)
manifest sum x "    env:
$env_lines
"
build sum
check "2.4 MB of environment is refused with the default stack limit (exit $status)" test "$status" -eq 1
check "  ... saying the size, the limit and how to fix it" \
  grep -qE "sum.yml:5:14: container a: its command and environment take 24[0-9]{5} bytes with their pointers \(and 4096 for the program's path\); exec allows 2097152 with a stack limit of 8388608 bytes .* raise rlimits.stack$" \
  "$work/sum.err"
manifest stack x "    env:
$env_lines
    rlimits: {stack: 67108864}
"
build stack
check "the same environment builds with rlimits.stack: 64 MiB (exit $status)" test "$status" -eq 0
diag <"$work/sum.err"

# A path in the container the runtime could not join to its root.
path() { printf '/a%.0s' $(seq "$1"); }
manifest longpath x "    cwd: $(path 1800)
"
build longpath
check "a cwd of 3600 bytes is refused (exit $status), with its size and the limit" sh -c "test $status -eq 1 && grep -qF \"\$1\" '$work/longpath.err'" sh \
  "longpath.yml:3:11: container a: the path \"$(path 20)...\" is 3600 bytes; paths in a container take at most 3584"
manifest okpath x "    cwd: $(path 1792)
"
build okpath
check "one of 3584 bytes builds (exit $status)" test "$status" -eq 0

# Containers: one more than the init runs is refused at the first one over;
# as many as it runs pass the count (an unrelated mistake at the end is
# then the first error: nothing needs building to show it).
max=$(sed -n 's/^#define INIT_MAX_CONTAINERS \([0-9]*\)$/\1/p' init/contract.h)
services() {
  printf 'name: many\n%sservices:\n' "$2" >"$work/$1.yml"
  for i in $(seq "$3"); do printf '  - {name: s%d, image: busybox, command: ["/bin/true"]}\n' "$i"; done >>"$work/$1.yml"
}
services toomany "" $((max + 1))
build toomany
check "$((max + 1)) services are refused (exit $status)" test "$status" -eq 1
check "  ... naming the count, the limit and the one too many" grep -qxF \
  "$work/toomany.yml:$((max + 3)):12: the manifest declares $((max + 1)) containers; the init runs at most $max (INIT_MAX_CONTAINERS), and \"s$((max + 1))\" is one too many: split the appliance" \
  "$work/toomany.err"
services atmax $'exit_status_from: nobody\n' "$max"
build atmax
check "$max services pass the count: the first error is the one after it" grep -qF \
  'exit_status_from names "nobody", which is not a container of this appliance' "$work/atmax.err"

done_testing
