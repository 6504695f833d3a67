#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead run --accel: auto takes KVM only once the guest runs, falls back
# to TCG when QEMU dies under KVM or the guest stays silent, says why in one
# line, remembers it until the host reboots and forgets it when asked; kvm
# fails instead of falling back; tcg never tries. And the memory the build
# records is what QEMU gets unless --memory says otherwise.
#
# QEMU is played by a script first on PATH, since what is under test is
# what bulkhead run decides from what QEMU does; each case runs in a
# private mount namespace whose /dev holds a /dev/kvm (or none), so that
# the result does not hang on this host's KVM. qemu-tests/ boot the real one.
. "$(dirname "$0")/lib.sh"
command -v unshare >/dev/null || skip_all "unshare is not installed (util-linux)"
[ "$(id -u)" -eq 0 ] || skip_all "needs root, to give each case a /dev of its own"
[ -r /proc/sys/kernel/random/boot_id ] || skip_all "no boot_id to key the verdict by"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
verdict=$XDG_CACHE_HOME/bulkhead/kvm-verdict

mkdir -p "$work/bin"
# FAKE_KVM says what "KVM" does: abort (as QEMU does on a paravirtual
# nested hypervisor), silent (a guest that hangs), works, panic (the guest
# itself ends before its init) or lock (QEMU fails for a reason of its own,
# a disk another QEMU holds). FAKE_TCG: works or lock.
cat >"$work/bin/qemu-system-x86_64" <<'QEMU'
#!/bin/bash
args="$*"
echo "$args" >>"$FAKE_CALLS"
case $args in
  *accel=kvm*)
    case ${FAKE_KVM:-works} in
      abort) echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
             echo "qemu-system-x86_64: kvm.c:3183: kvm_buf_set_msrs: Assertion failed." >&2
             kill -ABRT $$ ;;
      silent) exec sleep 600 ;;
      panic) echo "Kernel panic - not syncing: VFS: Unable to mount root fs"; exit 0 ;;
      lock) echo 'qemu-system-x86_64: -drive file=disk.ext4: Failed to get "write" lock' >&2; exit 1 ;;
      works) echo "qemu-system-x86_64: a warning before the start" >&2; sleep 0.5
             echo "[init] appliance fake: under kvm"; sleep 0.5
             echo "qemu-system-x86_64: a warning after the start" >&2
             exit 3 ;;
    esac ;;
  *)
    case ${FAKE_TCG:-works} in
      lock) echo 'qemu-system-x86_64: -drive file=disk.ext4: Failed to get "write" lock' >&2; exit 1 ;;
      works) echo "[init] appliance fake: under tcg"; exit 3 ;;
    esac ;;
esac
QEMU
chmod +x "$work/bin/qemu-system-x86_64"

cat >"$work/fake.yml" <<'YAML'
name: fake
services:
  - name: big
    image: busybox
    resources: {memory: 700M}
    command: ["/bin/true"]
YAML
"$BULKHEAD" build -q "$work/fake.yml" -o "$work/fake"

# with_dev KVM_DEVICE COMMAND...: COMMAND in a private mount namespace whose
# /dev has a /dev/kvm (yes) or none (no), whatever this host has.
with_dev() {
  unshare --mount sh -c '
    mount -t tmpfs -o mode=0755 none /dev && mknod -m 666 /dev/null c 1 3 &&
    { [ "$1" = no ] || { : >/dev/kvm && chmod 666 /dev/kvm; }; } && shift && exec "$@"' sh "$@"
}

# run KVM_DEVICE FAKE_KVM ARGS...: bulkhead run of the fake appliance with
# /dev/kvm present (yes) or absent (no). Sets out, err, status, calls.
run() {
  local device=$1 fake=$2
  shift 2
  : >"$work/calls"
  with_dev "$device" env PATH="$work/bin:$PATH" FAKE_KVM="$fake" FAKE_CALLS="$work/calls" \
    "$BULKHEAD" run --timeout 200 "$@" "$work/fake" </dev/null >"$work/out" 2>"$work/err"
  status=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
  calls=$(grep -o 'accel=[a-z]*' "$work/calls" | tr '\n' ' ')
}
said() { printf '%s\n' "$err" | grep -q -- "$1"; }
lines() { printf '%s' "$err" | grep -c ''; }
# both CONDITION COMMAND...: the shell condition holds and COMMAND succeeds.
both() { local condition=$1; shift; sh -c "$condition" && "$@"; }

run yes abort
check "auto, QEMU aborting under KVM: tried kvm, then booted under tcg ($calls)" test "$calls" = "accel=kvm accel=tcg "
check "  ... and the appliance's status came through (got $status)" test "$status" -eq 0
check "  ... the TCG boot's console reached stdout" test "$out" = "[init] appliance fake: under tcg"
check "  ... one line on stderr says why, with QEMU's own error ($(lines) lines)" \
  sh -c "[ $(lines) -eq 1 ] && printf '%s' \"\$1\" | grep -q 'KVM cannot run this guest here (QEMU was killed by signal 6 under KVM before the guest ran: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69; .*booting again under TCG'" sh "$err"
check "  ... and the verdict is kept under this boot's id" \
  grep -q "^$(cat /proc/sys/kernel/random/boot_id) QEMU was killed by signal 6" "$verdict"

run yes abort
check "the next auto run goes straight to tcg ($calls)" test "$calls" = "accel=tcg "
check "  ... saying why in one line ($(lines) lines)" \
  both "[ $(lines) -eq 1 ]" said 'booting under TCG: KVM could not run a guest on this host since it booted'
# With a /dev/kvm of its own: a host without one would be told that instead.
accel=$(with_dev yes "$BULKHEAD" accel 2>"$work/accel.err")
check "bulkhead accel tells tcg ($accel), the reason on stderr ($(cat "$work/accel.err"))" \
  both "[ '$accel' = tcg ]" grep -q 'failed to set MSR' "$work/accel.err"

echo "00000000-0000-0000-0000-000000000000 an earlier boot's verdict" >"$verdict"
run yes works
check "a verdict from an earlier boot of the host is not used ($calls)" test "$calls" = "accel=kvm "

run yes abort
run yes works --forget-accel
check "--forget-accel tries KVM again, and a KVM that runs the guest is used ($calls)" test "$calls" = "accel=kvm "
check "  ... with the console relayed whole" test "$out" = "[init] appliance fake: under kvm"
check "  ... and what QEMU says before and after the guest runs reaches stderr" \
  test "$err" = "qemu-system-x86_64: a warning before the start
qemu-system-x86_64: a warning after the start"
check "  ... and nothing is remembered against KVM" test ! -e "$verdict"

run yes abort --accel kvm
check "--accel kvm, QEMU aborting: no fall-back ($calls)" test "$calls" = "accel=kvm "
check "  ... status 125 (got $status)" test "$status" -eq 125
check "  ... and the error says why and what to do" \
  said '^bulkhead run: --accel kvm: KVM cannot run this guest here: QEMU was killed by signal 6.*failed to set MSR 0x10a.*(use --accel tcg, or auto'
rm -f "$verdict"

run no abort --accel kvm
check "--accel kvm without /dev/kvm fails at once ($calls)" sh -c "[ -z '$calls' ] && [ $status -eq 125 ]"
check "  ... naming the device" said "^bulkhead run: --accel kvm: /dev/kvm: No such file or directory"
run no abort
check "auto without /dev/kvm boots tcg without a word ($calls)" sh -c "[ '$calls' = 'accel=tcg ' ] && [ -z \"\$1\" ]" sh "$err"

run yes abort --accel tcg
check "--accel tcg never tries KVM ($calls)" test "$calls" = "accel=tcg "
BULKHEAD_ACCEL=tcg run yes abort
check "BULKHEAD_ACCEL=tcg does the same ($calls)" test "$calls" = "accel=tcg "
BULKHEAD_ACCEL=tcg run yes abort --accel kvm
check "--accel wins over BULKHEAD_ACCEL ($calls)" test "$calls" = "accel=kvm "
rm -f "$verdict"
BULKHEAD_ACCEL=fast run yes works
check "a BULKHEAD_ACCEL that names no accelerator is refused (status $status)" \
  both "[ $status -eq 2 ] && [ -z '$calls' ]" said 'BULKHEAD_ACCEL "fast" is not an accelerator; use auto, kvm or tcg'

run yes panic
check "a guest that ends by itself under KVM is its own failure, not KVM's ($calls)" test "$calls" = "accel=kvm "
check "  ... reported as such (status $status)" both "[ $status -eq 125 ]" said 'the VM stopped without reporting a status'
check "  ... and nothing is remembered against KVM" test ! -e "$verdict"

run yes silent
check "auto, a guest silent under KVM: QEMU stopped, then tcg ($calls)" test "$calls" = "accel=kvm accel=tcg "
check "  ... after the bound, said in one line ($(lines) lines)" \
  both "[ $(lines) -eq 1 ]" said "the guest did not reach its init's first line within 30 s under KVM"
check "  ... and the appliance's status came through (got $status)" test "$status" -eq 0
check "  ... and no QEMU was left behind" sh -c "! pgrep -f 'sleep [6]00' >/dev/null"

rm -f "$verdict"
run yes lock
check "QEMU failing under KVM for a reason of its own is not blamed on KVM ($calls)" test "$calls" = "accel=kvm "
check "  ... its error is shown, status 125 (got $status)" \
  both "[ $status -eq 125 ]" said 'Failed to get "write" lock'
check "  ... and nothing is remembered against KVM" test ! -e "$verdict"
FAKE_TCG=lock run yes abort
check "KVM crashing and TCG failing too: tried both ($calls)" test "$calls" = "accel=kvm accel=tcg "
check "  ... nothing is remembered: TCG never ran the guest" test ! -e "$verdict"

check "bulkhead accel heeds BULKHEAD_ACCEL as run does" \
  test "$(BULKHEAD_ACCEL=tcg "$BULKHEAD" accel 2>/dev/null)" = tcg

# A killed bulkhead run takes its QEMU with it.
unshare --mount sh -c 'mount -t tmpfs -o mode=0755 none /dev && mknod -m 666 /dev/null c 1 3 &&
  : >/dev/kvm && chmod 666 /dev/kvm && exec "$@"' sh env PATH="$work/bin:$PATH" FAKE_KVM=silent \
  FAKE_CALLS="$work/calls" "$BULKHEAD" run "$work/fake" </dev/null >/dev/null 2>&1 &
killer=$!
qemu_up() { pgrep -f 'sleep [6]00' >/dev/null; }
qemu_gone() { ! qemu_up; }
wait_for "the stand-in QEMU to start" 60 qemu_up
# unshare, sh and env each exec the next: this is bulkhead. Reaped at once,
# with bash's "Killed" notice sent where it cannot mix with the TAP output.
{ kill -KILL "$killer"; wait "$killer"; } 2>/dev/null
check "QEMU ends when bulkhead run is killed" wait_for "the stand-in QEMU to go" 60 qemu_gone

# Memory: the build decides, QEMU gets it, --memory wins with a warning.
needed=$(sed -n 's/.*bulkhead\.memory=\([0-9]*\).*/\1/p' "$work/fake/cmdline")
check "the build records the memory it needs: more than the service's 700 MiB (${needed:-none})" \
  test "${needed:-0}" -gt 700
run no works
check "  ... and QEMU gets it" grep -q -- "-m $needed " "$work/calls"
run no works --memory 300
check "--memory overrides it" grep -q -- "-m 300 " "$work/calls"
check "  ... with a warning that it is less than the appliance needs" \
  said "^bulkhead run: --memory 300 is less than the $needed MiB this appliance was built to need"
done_testing
