#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead build, observed from outside: what lands on disk, what the initrd
# holds, that two builds are byte-identical, and that nothing is lost when
# the output directory already exists.
. "$(dirname "$0")/lib.sh"
cd "$TOP"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$BULKHEAD" build examples/hello.yml -o "$work/a/hello" >"$work/log" 2>&1
check "hello builds" test $? -eq 0
for f in kernel initrd.img cmdline; do
  check "output has $f" test -s "$work/a/hello/$f"
done
check "progress and a size summary are printed" \
  sh -c "grep -qx '\[1/4\] reading examples/hello.yml' '$work/log' && grep -qx '\[4/4\] publishing $work/a/hello' '$work/log' &&
    grep -qE '^  initrd.img +[0-9.]+ [KM]iB compressed, [0-9]+ MiB unpacked\$' '$work/log'"
check "no staging directory is left beside the output" test -z "$(find "$work/a" -maxdepth 1 -name '*.partial-*')"

zcat "$work/a/hello/initrd.img" | cpio -tv --quiet >"$work/listing" 2>/dev/null
for entry in init etc/bulkhead/appliance.json containers/onboot/00-greet/config.json \
             containers/onboot/00-greet/rootfs containers/images/0.erofs \
             containers/services/counter/config.json; do
  check "initrd holds $entry" grep -q " $entry\$" "$work/listing"
done
# All three containers are read-only on the busybox image, each in its own
# user range: one copy, an erofs image each mounts through its mapping.
check "the three read-only busybox containers share one erofs image ($(grep -c 'rootfs/bin/busybox$' "$work/listing") busybox beside it)" \
  test "$(grep -c 'rootfs/bin/busybox$' "$work/listing")" -eq 0 -a "$(grep -c 'containers/images/.*\.erofs$' "$work/listing")" -eq 1
check "initrd holds /dev/console as character device 5,1" grep -qE '^crw------- .* 5, +1 .* dev/console$' "$work/listing"

mkdir -p "$work/x" && (cd "$work/x" && zcat "$work/a/hello/initrd.img" | cpio -id --quiet 2>/dev/null)
check "the init in the image is statically linked" sh -c "file -L '$work/x/init' | grep -q 'statically linked'"
config=$work/x/containers/services/counter/config.json
check "bundle config sets noNewPrivileges" quietly jq -e '.process.noNewPrivileges == true' "$config"
check "bundle config grants no capabilities by default" \
  quietly jq -e '.process.capabilities | [.bounding, .effective, .permitted, .inheritable, .ambient] == [[], [], [], [], []]' "$config"
check "bundle config has a Landlock ruleset" \
  quietly jq -e '(.process.landlock.ruleset.handledAccessFS | length) > 0 and (.process.landlock.rules.pathBeneath | length) > 0' "$config"
check "bundle config's seccomp profile is an allow-list" \
  quietly jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and
    ([.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_ALLOW")] | length) > 0' "$config"
check "  ... that does not name mount" \
  quietly jq -e '[.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index("mount") == null' "$config"
bpf=$work/x/containers/services/counter/seccomp.bpf
check "the seccomp filter is compiled at build time into the bundle" \
  quietly jq -e '.annotations["run.bulkhead.seccomp.bpf"] == "seccomp.bpf"' "$config"
check "  ... as whole 8-byte BPF instructions ($(stat -c %s "$bpf" 2>/dev/null) bytes)" \
  sh -c "s=\$(stat -c %s '$bpf') && [ \$s -gt 800 ] && [ \$((s % 8)) -eq 0 ]"
for c in counter sandbox; do
  check "$c's root.path is its own rootfs, where the init mounts the shared image" \
    quietly jq -e '.root.path == "rootfs"' "$work/x/containers/services/$c/config.json"
done
check "appliance.json: each of the three mounts shared image 0" \
  quietly jq -e '[.onboot[], .services[] | .shared_image] == [0, 0, 0]' "$work/x/etc/bulkhead/appliance.json"
check "the size summary names the shared image" grep -q '^    counter .*image busybox shared with greet (erofs image 0)' "$work/log"
check "sandbox keeps its declared capability, and only it, in every set" \
  quietly jq -e '.process.capabilities | [.bounding, .effective, .permitted, .inheritable, .ambient] ==
    [range(5) | ["CAP_NET_BIND_SERVICE"]]' "$work/x/containers/services/sandbox/config.json"

"$BULKHEAD" build -q examples/hello.yml -o "$work/b/hello"
check "two builds of one manifest are byte-identical" cmp -s "$work/a/hello/initrd.img" "$work/b/hello/initrd.img"

"$BULKHEAD" build -q examples/hello.yml -o "$work/a/hello"
check "rebuilding over an earlier appliance works" test $? -eq 0

mkdir -p "$work/precious" && echo keep >"$work/precious/data"
"$BULKHEAD" build -q examples/hello.yml -o "$work/precious" 2>"$work/err"
check "a directory that is not an appliance is refused" test $? -eq 1
check "  ... with a message that says so" grep -q 'is not a bulkhead appliance; refusing to replace it' "$work/err"
check "  ... and its contents are untouched" grep -qx keep "$work/precious/data"

before=$(md5sum <"$work/a/hello/initrd.img")
"$BULKHEAD" build -q tests/manifests/bad/typo-key.yml -o "$work/a/hello" 2>/dev/null
check "a failed build keeps the earlier appliance" test "$(md5sum <"$work/a/hello/initrd.img")" = "$before"

cat >"$work/path.yml" <<'YAML'
name: path
services:
  - name: app
    image: busybox
    env: [PATH=/opt/bin:/bin, MODE=test]
    command: [app]
YAML
"$BULKHEAD" build -q "$work/path.yml" -o "$work/path"
mkdir -p "$work/p" && (cd "$work/p" && zcat "$work/path/initrd.img" | cpio -id --quiet 'containers/services/app/config.json' 2>/dev/null)
env_json=$(tr -d ' \n' <"$work/p/containers/services/app/config.json" | grep -o '"env":\[[^]]*\]')
check "a PATH in env replaces the default instead of following it ($env_json)" \
  test "$env_json" = '"env":["PATH=/opt/bin:/bin","MODE=test"]'

cat >"$work/all.yml" <<'YAML'
name: all
services:
  - name: app
    image: busybox
    capabilities: {add: [ALL], drop: [CAP_SYS_ADMIN, CAP_SYS_MODULE]}
    command: ["true"]
YAML
"$BULKHEAD" build -q "$work/all.yml" -o "$work/all"
mkdir -p "$work/al" && (cd "$work/al" && zcat "$work/all/initrd.img" | cpio -id --quiet 'containers/services/app/config.json' 2>/dev/null)
bounding=$(jq -r '.process.capabilities.bounding | join(" ")' "$work/al/containers/services/app/config.json")
known=$(( $(cat /proc/sys/kernel/cap_last_cap) + 1 ))
check "capabilities add ALL grants every capability the kernel knows but the dropped ($(wc -w <<<"$bounding") of $known)" \
  bash -c "[ $(wc -w <<<"$bounding") -eq $((known - 2)) ] && ! grep -qw CAP_SYS_ADMIN <<<'$bounding' && grep -qw CAP_CHOWN <<<'$bounding'"

"$BULKHEAD" --help >"$work/help"
check "--help exits 0 and documents build and run" sh -c "grep -q 'bulkhead build MANIFEST' '$work/help' && grep -q 'bulkhead run DIR' '$work/help'"
"$BULKHEAD" frobnicate 2>/dev/null
check "an unknown command exits 2" test $? -eq 2
done_testing
