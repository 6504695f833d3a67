#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# process.apparmorProfile and exec --apparmor: the profile the command
# execs into, or, where the kernel cannot apply it, a refusal that names
# it: a config that asks for confinement never runs without it.
. "$(dirname "$0")/lib.sh"
probe_bundle
container_prefix=aa
in_container() { run_program "$1" bulkhead-probe "${@:2}"; }
profile=bulkhead-test-no-such-profile

out=$(in_container . cat /proc/self/attr/current)
check "without apparmorProfile the container runs ($(cat "$work/err"))" test $? -eq 0

if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
  out=$(in_container '.process.apparmorProfile = "unconfined"' cat /proc/self/attr/current)
  check "AppArmor on: apparmorProfile unconfined runs, and the command is unconfined ($out $(cat "$work/err"))" \
    test "$out" = unconfined
  in_container ".process.apparmorProfile = \"$profile\"" exit 0
  check "  ... a profile that is not loaded is refused (exit $?), by name" \
    grep -q "process.apparmorProfile \"$profile\": no profile of that name is loaded" "$work/err"
else
  in_container ".process.apparmorProfile = \"$profile\"" write /tmp/ran
  status=$?
  check "AppArmor off on this kernel: a config naming a profile is refused (exit $status)" test "$status" -ne 0
  check "  ... saying why ($(cat "$work/err"))" \
    grep -q "process.apparmorProfile \"$profile\": AppArmor is not enabled on this kernel" "$work/err"
  check "  ... before its command ran, leaving no state" test ! -e "$root/aa$n"
fi

out=$(in_container '.process.apparmorProfile = "two words"' exit 0)
check "a profile name with a space is refused by name at create ($(cat "$work/err"))" \
  grep -q 'process.apparmorProfile: must be a profile' "$work/err"

# exec into a container that runs without a profile.
jq '.process.args = ["/bin/bulkhead-probe", "sleep", "1000"]' <<<"$default" >"$bundle/config.json"
R run -d --bundle "$bundle" held 2>"$work/err"
check "a container to exec into runs ($(cat "$work/err"))" test "$(R state held | jq -r .status)" = running
out=$(R exec held bulkhead-probe exit 0 2>&1)
check "exec without --apparmor runs ($out)" test $? -eq 0
out=$(R exec --apparmor "$profile" held bulkhead-probe write /tmp/exec-ran 2>&1)
status=$?
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
  check "exec --apparmor with a profile not loaded is refused (exit $status: $out)" \
    grep -q "no profile of that name is loaded" <<<"$out"
else
  check "exec --apparmor where AppArmor is off is refused (exit $status: $out)" \
    grep -q "process.apparmorProfile \"$profile\": AppArmor is not enabled on this kernel" <<<"$out"
fi
out=$(R exec held bulkhead-probe open /tmp/exec-ran 2>&1)
check "  ... its command never ran ($out)" test "$out" = ENOENT
echo '{"args": ["/bin/bulkhead-probe", "exit", "0"], "cwd": "/"}' >"$work/process.json"
out=$(R exec --process "$work/process.json" --apparmor "$profile" held 2>&1)
check "exec --process with --apparmor is refused: the file says the profile ($out)" \
  grep -q 'its apparmorProfile says the profile' <<<"$out"
R features >"$work/features"
check "features says AppArmor profiles are applied" test "$(jq .linux.apparmor.enabled "$work/features")" = true
R delete --force held

done_testing
