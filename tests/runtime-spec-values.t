#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# config.json values in the forms the runtime spec gives them, as runc and
# crun take them: rlimits as uint64 (2^64 - 1 for unlimited; bulkhead
# build writes it so too), an unbindable root, and a missing process named
# as the field it is.
. "$(dirname "$0")/lib.sh"
probe_bundle
unlimited=18446744073709551615
n=0 container_prefix=v
# in_container JQ PROBE-ARGS...: runs the probe under the default changed
# by JQ, in which the number 1844 stands for 2^64 - 1: jq holds numbers as
# doubles and would round the real one.
unlimited_for_1844() { sed "s/\\b1844\\b/$unlimited/g"; }
in_container() { config_filter=unlimited_for_1844 run_program "$1" bulkhead-probe "${@:2}"; }

core() { echo ".process.rlimits = [{\"type\": \"RLIMIT_CORE\", \"soft\": $1, \"hard\": $2}]"; }
out=$(in_container "$(core 1844 1844)" rlimit CORE)
check "RLIMIT_CORE soft and hard $unlimited: unlimited inside ($out)" test "$out" = "$unlimited $unlimited"
check "  ... the config said it in the spec's uint64" grep -q "\"soft\": $unlimited" "$bundle/config.json"
out=$(in_container "$(core 4096 1844)" rlimit CORE)
check "soft 4096, hard $unlimited ($out)" test "$out" = "4096 $unlimited"
out=$(in_container "$(core -1 -1)" rlimit CORE)
check "-1, the same bits as int64 (older bundles of bulkhead build), is unlimited too ($out)" \
  test "$out" = "$unlimited $unlimited"
jq "$(core 0 0) | .process.args = [\"/bin/bulkhead-probe\", \"exit\", \"0\"]" <<<"$default" |
  sed "s/\"hard\": 0/\"hard\": 18446744073709551616/" >"$bundle/config.json"
line=$(grep -n 18446744073709551616 "$bundle/config.json" | cut -d: -f1)
R run --bundle "$bundle" big 2>"$work/err"
check "2^64 is refused as no uint64 (exit $?)" grep -qF "$bundle/config.json:$line:" "$work/err"
check "  ... saying so at its line ($(cat "$work/err"))" grep -q "too big integer" "$work/err"
jq "$(core 1844 1844) | .annotations = {\"n\": \"1844\"} | .process.args = [\"/bin/bulkhead-probe\", \"exit\", \"0\"]" \
  <<<"$default" | sed "s/\b1844\b/$unlimited/g" >"$bundle/config.json"
R create --bundle "$bundle" annotated 2>"$work/err"
check "state keeps the annotations of a config with uint64 numbers ($(cat "$work/err"))" \
  test "$(R state annotated | jq -r .annotations.n)" = "$unlimited"
R delete annotated

# What bulkhead build writes for an unlimited rlimit: the spec's form.
printf 'name: lim\nonboot:\n  - name: a\n    image: busybox\n    command: ["/bin/true"]\n    rlimits: {core: unlimited, nofile: 1024}\n' \
  >"$work/lim.yml"
if "$BULKHEAD" build -q "$work/lim.yml" -o "$work/lim" >/dev/null 2>"$work/build.err"; then
  mkdir "$work/lim.root" && (cd "$work/lim.root" && zcat "$work/lim/initrd.img" | cpio -id --quiet 2>/dev/null)
  built=$work/lim.root/containers/onboot/00-a/config.json
  check "bulkhead build writes core: unlimited as $unlimited" \
    test "$(grep -oE "\"(soft|hard)\": ?$unlimited[,}]" "$built" | wc -l)" -eq 2
  check "  ... and no rlimit as -1" sh -c "! grep -qE '\"(soft|hard)\": ?-1[,}]' '$built'"
else
  not_ok "bulkhead build of a manifest with rlimits: $(cat "$work/build.err")"
fi

# The root's line of mountinfo: the optional fields say its propagation.
root_line() { awk '$5 == "/"' <<<"$1"; }
out=$(in_container '.linux.rootfsPropagation = "unbindable"' mountinfo /)
check "rootfsPropagation unbindable: the container runs ($(cat "$work/err"))" test -n "$out"
check "  ... and its root is unbindable ($out)" sh -c "echo '$(root_line "$out")' | grep -q ' unbindable '"
# A slave needs a master: the runtime runs where every mount is shared.
shared_R() { unshare -m --propagation shared "${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}" --root "$root" "$@"; }
out=$(runtime=shared_R in_container '.linux.rootfsPropagation = "slave"' mountinfo /)
check "rootfsPropagation slave, under a shared root: the container's root is a slave ($out)" sh -c "echo '$(root_line "$out")' | grep -q ' master:'"
out=$(in_container '.linux.rootfsPropagation = "private"' mountinfo /)
check "rootfsPropagation private: the root has no propagation field ($out)" \
  sh -c "echo '$(root_line "$out")' | grep -Eq '^([^ ]+ ){6}- '"

jq 'del(.process)' <<<"$default" >"$bundle/config.json"
R create --bundle "$bundle" noproc 2>"$work/err"
check "a config without process exits 125 ($?)" test $? -eq 125
check "  ... naming the field ($(cat "$work/err"))" \
  grep -qxF 'bulkhead-runtime: config.json: process: is required (the process to run, with args at least)' "$work/err"
jq 'del(.root)' <<<"$default" >"$bundle/config.json"
R create --bundle "$bundle" noroot 2>"$work/err"
check "one without root names root ($(cat "$work/err"))" grep -qF 'config.json: root: is required' "$work/err"
done_testing
