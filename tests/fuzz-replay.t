#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every fuzz corpus (fuzz/corpus/NAME: seeds from the tests, and inputs the
# fuzzers found) replayed once through its target, built with gcc and
# ASan/UBSan (make builds build/asan/bin/replay-NAME for check): a quick
# regression run of what `make fuzz` explores. A sanitizer report, a leak,
# a crash or, for layers, a change outside the unpack directory fails it.
# The verdicts of a few seeds show each harness reaches what it is for.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for corpus in fuzz/corpus/*/; do
  name=$(basename "$corpus")
  replay=$BUILD/asan/bin/replay-$name
  if [ ! -x "$replay" ]; then
    not_ok "$name: no $replay (make check builds it)"
    continue
  fi
  TMPDIR=$work FUZZ_VERBOSE=1 timeout -s KILL 300 "$replay" "$corpus" >"$work/$name.out" 2>"$work/$name.err"
  status=$?
  count=$(sed -n 's/^replayed \([0-9]*\) inputs$/\1/p' "$work/$name.out")
  if [ "$status" -eq 0 ] && [ "${count:-0}" -gt 0 ]; then
    ok "$name: $count inputs replayed clean"
  else
    not_ok "$name: exit $status after $(grep -c '^replay ' "$work/$name.out") inputs"
    tail -n 30 "$work/$name.err" | diag
  fi
done

# verdict NAME SEED: what the target said of the seed (FUZZ_VERBOSE).
verdict() { TMPDIR=$work FUZZ_VERBOSE=1 "$BUILD/asan/bin/replay-$1" "fuzz/corpus/$1/$2" 2>&1 >/dev/null | tail -n 1; }

check "oci: a recipe's digests are filled in: an OCI layout is read whole" \
  test "$(verdict oci oci-plain)" = "oci: accepted"
check "  ... and a docker save archive" test "$(verdict oci docker-tag)" = "oci: accepted"
check "config: the builder's config.json of an example parses" \
  test "$(verdict config hello-counter.json)" = "config: accepted"
check "config: resources within range parse" test "$(verdict config resources.json)" = "config: accepted"
check "config: a negative rate is refused, not taken as 2^64-1" \
  test "$(verdict config negative-rate.json)" = "config: config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: must be an integer from 0 up"
check "config: a memory limit below -1 is refused, not taken as no limit" \
  test "$(verdict config memory-below-minus-one.json)" = "config: config.json: linux.resources.memory.limit: must be an integer from -1 (no limit) up"
check "config: an errnoRet the filter would cut to 16 bits is refused" \
  test "$(verdict config errno-wraps.json)" = "config: config.json: linux.seccomp.syscalls[$(jq '.linux.seccomp.syscalls | length - 1' fuzz/corpus/config/errno-wraps.json)].errnoRet: must be an errno from 0 to 4095"
check "appliance: the builder's appliance.json of an example loads" \
  test "$(verdict appliance web-volume.json)" = "appliance: accepted"
check "nft: the builder's rule set passes the init's framing check" test "$(verdict nft sample)" = "nft: accepted"
v=$(verdict nft cut-in-a-message)
check "  ... and one cut short is refused ($v)" sh -c "echo '$v' | grep -q 'runs past the end of the 300 bytes'"
v=$(verdict unpack whiteout-dotdot)
check "unpack: a whiteout of .. is refused ($v)" sh -c "echo '$v' | grep -q 'whiteout entry \"a/.wh...\" names no file'"
v=$(verdict unpack escape-hardlink)
check "unpack: a hard link out of the layer is refused ($v)" sh -c "echo '$v' | grep -q 'links to \"../sentinel/etc/passwd\", outside the image'"
# (in a subshell that reports the abort into the file, not on the terminal)
(TMPDIR=$work FUZZ_UNPACK_SIMULATE_ESCAPE=1 "$BUILD/asan/bin/replay-unpack" fuzz/corpus/unpack/plain; true) >"$work/escape" 2>&1
check "unpack: a file made beside the unpack directory is caught (the detector works)" \
  sh -c "grep -q 'changed something outside the unpack directory' '$work/escape' && grep -q '^./sentinel/escaped ' '$work/escape'"
check "unpack: an ordinary layer unpacks" test "$(verdict unpack plain)" = "layer: accepted"
v=$(verdict manifest bad-depends-on-cycle.yml)
check "manifest: a depends_on cycle is an error ($v)" sh -c "echo '$v' | grep -q 'depends_on cycle: b → c → b'"
check "control: poweroff parses (its verb row was once read past the end of a table)" \
  test "$(verdict control no-newline)" = "control: accepted"
check "control: a name of 70 bytes is refused, not cut" test "$(verdict control name-too-long)" = "control: refused"
check "appliance: interfaces (dhcp, static with gateway and dns) load" \
  test "$(verdict appliance interfaces.json)" = "appliance: accepted"
check "appliance: an interface with dhcp and an address is refused" \
  test "$(verdict appliance interfaces-dhcp-with-address.json)" = "appliance: /etc/bulkhead/appliance.json: interfaces[0]: dhcp excludes address, prefix and gateway"
check "manifest: interfaces parse" test "$(verdict manifest interfaces.yml)" = "manifest: accepted"
check "appliance: a non-string element is an error naming it, not the end of the walk" \
  test "$(verdict appliance appliance-non-string-dir-leaks.json)" = "appliance: /etc/bulkhead/appliance.json: disks[0].dirs[1] is not a string"
check "json-plain: crun's default config.json is plain JSON, built as jansson builds it" \
  test "$(verdict json-plain crun-spec.json)" = "json-plain: accepted"
check "  ... and so are the short escapes, integers up to 18 digits, -0, empty keys and values" \
  test "$(verdict json-plain escapes-numbers.json)" = "json-plain: accepted"
for seed in unicode reals-big duplicate-key escaped-key leading-zero trailing-comma bad-literal scalar; do
  check "  ... $seed is left to jansson" test "$(verdict json-plain "$seed.json")" = "json-plain: left to jansson"
done
(TMPDIR=$work FUZZ_JSON_PLAIN_SIMULATE_DIFFERENCE=1 "$BUILD/asan/bin/replay-json-plain" fuzz/corpus/json-plain/crun-spec.json; true) >"$work/difference" 2>&1
check "json-plain: a tree that differs from jansson's is caught (the comparison works)" \
  grep -q '^json-plain: built' "$work/difference"
done_testing
