#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# process.apparmorProfile and exec --apparmor: the profile the command
# execs into, or, where the kernel cannot apply it, a refusal that names
# it: a config that asks for confinement never runs without it, not even
# when the container's /proc is not procfs.
. "$(dirname "$0")/lib.sh"
probe_bundle
container_prefix=aa
in_container() { run_program "$1" bulkhead-probe "${@:2}"; }
profile=bulkhead-test-no-such-profile
apparmor_on() { [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; }
# /out: a directory of the host's in the container, where a command that
# ran leaves its mark (the default's Landlock rules, which do not list it,
# left out).
mkdir "$work/out" && chmod 777 "$work/out"
out_mount=".mounts += [{\"destination\": \"/out\", \"type\": \"bind\", \"source\": \"$work/out\", \"options\": [\"rbind\", \"rw\"]}] | del(.process.landlock)"

out=$(in_container "$out_mount" write /out/plain)
status=$?
check "without apparmorProfile the container runs (exit $status $out $(cat "$work/err"))" test -e "$work/out/plain"

if apparmor_on; then
  out=$(in_container '.process.apparmorProfile = "unconfined"' cat /proc/self/attr/current)
  check "AppArmor on: apparmorProfile unconfined runs, and the command is unconfined ($out $(cat "$work/err"))" \
    test "$out" = unconfined
  if command -v apparmor_parser >/dev/null; then
    printf 'profile bulkhead-test flags=(attach_disconnected) {\n  file,\n  capability,\n}\n' | apparmor_parser -r
    out=$(in_container '.process.apparmorProfile = "bulkhead-test"' cat /proc/self/attr/current)
    check "  ... and a loaded profile confines the command ($out $(cat "$work/err"))" test "$out" = "bulkhead-test (enforce)"
    printf 'profile bulkhead-test {\n}\n' | apparmor_parser -R 2>/dev/null
  else
    ok "# SKIP a loaded profile confining the command: apparmor_parser is not installed"
  fi
  in_container "$out_mount | .process.apparmorProfile = \"$profile\"" write /out/ran
  check "  ... a profile that is not loaded is refused (exit $?), by name" \
    grep -q "process.apparmorProfile \"$profile\": no profile of that name is loaded" "$work/err"
else
  in_container "$out_mount | .process.apparmorProfile = \"$profile\"" write /out/ran
  status=$?
  check "AppArmor off on this kernel: a config naming a profile is refused (exit $status)" test "$status" -ne 0
  check "  ... saying why ($(cat "$work/err"))" \
    grep -q "process.apparmorProfile \"$profile\": AppArmor is not enabled on this kernel" "$work/err"
fi
check "  ... and its command never ran" test ! -e "$work/out/ran"

# The container's /proc is the config's and the image's: without a proc
# mount, a plain file where AppArmor's would be took the write, and the
# command ran unconfined (runc's CVE-2019-16884). It must be procfs.
mkdir -p "$bundle/rootfs/proc/self/attr/apparmor" && touch "$bundle/rootfs/proc/self/attr/apparmor/exec"
fake='.root.readonly = false | .mounts |= map(select(.destination != "/proc")) | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
in_container "$fake | $out_mount | .process.apparmorProfile = \"$profile\"" write /out/faked
status=$?
check "a /proc that is no procfs, a file where the profile is written: refused (exit $status)" test "$status" -ne 0
check "  ... naming it ($(cat "$work/err"))" grep -q "the container's /proc is not procfs" "$work/err"
check "  ... and the command never ran, confined or not" test ! -e "$work/out/faked"
rm -rf "$bundle/rootfs/proc/self"

out=$(in_container '.process.apparmorProfile = "two words"' exit 0)
check "a profile name with a space is refused by name at create ($(cat "$work/err"))" \
  grep -q 'process.apparmorProfile: must be a profile' "$work/err"

# exec into a container that runs without a profile.
jq '.process.args = ["/bin/bulkhead-probe", "sleep", "1000"]' <<<"$default" >"$bundle/config.json"
R run -d --bundle "$bundle" held 2>"$work/err"
check "a container to exec into runs ($(cat "$work/err"))" test "$(R state held | jq -r .status)" = running
out=$(R exec held bulkhead-probe exit 0 2>&1)
status=$?
check "exec without --apparmor runs (exit $status $out)" test "$status" -eq 0
out=$(R exec --apparmor "$profile" held bulkhead-probe write /tmp/exec-ran 2>&1)
status=$?
if apparmor_on; then
  check "exec --apparmor with a profile not loaded is refused (exit $status: $out)" \
    grep -q "no profile of that name is loaded" <<<"$out"
else
  check "exec --apparmor where AppArmor is off is refused (exit $status: $out)" \
    grep -q "process.apparmorProfile \"$profile\": AppArmor is not enabled on this kernel" <<<"$out"
fi
out=$(R exec held bulkhead-probe open /tmp/exec-ran 2>&1)
check "  ... its command never ran ($out)" test "$out" = ENOENT
printf '{"args": ["/bin/bulkhead-probe", "write", "/tmp/file-ran"], "cwd": "/", "apparmorProfile": "%s"}\n' "$profile" \
  >"$work/process.json"
out=$(R exec --process "$work/process.json" held 2>&1)
check "exec --process whose file names a profile applies it: refused alike ($out)" \
  grep -q "process.apparmorProfile \"$profile\"" <<<"$out"
out=$(R exec held bulkhead-probe open /tmp/file-ran 2>&1)
check "  ... its command never ran ($out)" test "$out" = ENOENT
out=$(R exec --process "$work/process.json" --apparmor "$profile" held 2>&1)
check "exec --process with --apparmor is refused: the file says the profile ($out)" \
  grep -q 'its apparmorProfile says the profile' <<<"$out"
R features >"$work/features"
check "features says AppArmor profiles are applied" test "$(jq .linux.apparmor.enabled "$work/features")" = true
R delete --force held

done_testing
