#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Secrets at run time in a VM: bulkhead run --secret hands a secret made at
# random to QEMU's fw_cfg; the container that declared it reads its exact
# bytes at /run/secrets/NAME (its user's, 0400); the other container finds
# no /run/secrets, nothing in /sys/firmware, and the secret in no file it
# can read (each file's sha256, and grep for its bytes); the bytes are in neither the output directory, the console nor
# ctl logs. A second boot takes it from a secrets disk (bulkhead
# secrets-disk) instead; a third, whose disk lacks the required secret,
# stops with status 125 and a message naming it.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
command -v debugfs >/dev/null || skip_all "debugfs is not installed (make deps installs e2fsprogs)"
work=$(mktemp -d)
run_pid=
trap 'kill $run_pid 2>/dev/null; rm -rf "$work"' EXIT

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s' "$token" >"$work/token"
token_sum=$(sha256sum <"$work/token" | cut -d' ' -f1)

cat >"$work/sec.yml" <<'YAML'
name: sec
secrets:
  - api-token
  - name: extra
    required: false
services:
  - name: holder
    image: busybox
    readonly: false
    user: "1000:1000"
    secrets: [api-token, extra]
    # Unlimited: the spec's uint64 in its config.json, which the init
    # reads for the owner of the secrets.
    rlimits: {core: unlimited}
    command: |
      sha256sum /run/secrets/api-token
      stat -c 'file %u %g %a' /run/secrets/api-token
      echo holder done; exec sleep 1000
  - name: other
    image: busybox
    readonly: false
    command: |
      ls -d /run/secrets 2>/dev/null || echo 'no /run/secrets'
      echo "firmware: [$(ls -A /sys/firmware)]"
      cat /sys/firmware/qemu_fw_cfg/by_name/opt/io.systemd.credentials/api-token/raw 2>/dev/null || echo 'fw_cfg unreadable'
      find / -xdev -type f 2>/dev/null | xargs sha256sum 2>/dev/null | sed 's/^/sum /'
      find /run /dev/shm /tmp -type f 2>/dev/null | xargs sha256sum 2>/dev/null | sed 's/^/sum /'
      echo other done; exec sleep 1000
YAML
"$BULKHEAD" build -q "$work/sec.yml" -o "$work/sec" >"$work/build.log" 2>&1
check "the appliance builds" test $? -eq 0

boot_log=$work/console
# Line-buffered: the test reads the console while the VM runs.
( "$BULKHEAD" run --timeout 400 "$work/sec" --secret api-token="$work/token" </dev/null 2>&1 | stdbuf -oL tr -d '\r' >"$boot_log"
  echo "run exited ${PIPESTATUS[0]}" >>"$boot_log" ) &
run_pid=$!
# -s: the console file appears only once the run in the background opens it.
both_done() { grep -qs '^\[holder\] holder done' "$boot_log" && grep -qs '^\[other\] other done' "$boot_log"; }
# scan_other DIR: in the running appliance DIR, the other container greps
# every file it can read (its rootfs, /run, /dev/shm, /tmp) for the token,
# which travels on exec's stdin and so is in no image; "BusyBox" in
# /bin/busybox shows the search finds what is there. Sets scan_log.
scan_other() {
  scan_log=$work/scan-$(basename "$1")
  # One argument under 187 bytes: ctl exec sends 188 a line, whose base64
  # after "arg " or "arg+ " is over the init's CONTROL_LINE_MAX (256), so a
  # longer argument reaches the container mangled.
  local script='read -r t; f="find / /run /dev/shm /tmp -xdev -type f"; $f | xargs grep -lFe "$t"'
  script+=' | sed "s/^/holds it: /"; $f | xargs grep -lF BusyBox | sed "s/^/control: /"; echo scanned'
  printf '%s\n' "$token" | "$BULKHEAD" ctl --vm "$1" exec -i other -- sh -c "$script" >"$scan_log" 2>"$scan_log.err"
  grep -qx scanned "$scan_log" || { echo "ctl exec said:"; cat "$scan_log" "$scan_log.err"; } | diag
}
# no_token_in DIR: every file of DIR after its boot read (sockets skipped),
# the token in none (grep's status 1: no match and no error).
no_token_in() {
  grep -rlF -D skip -- "$token" "$1" >"$work/holders" 2>&1
  test $? -eq 1
}
check "both containers ran their checks" wait_for "both containers' checks" 300 both_done
check "the receiver reads the exact bytes at /run/secrets/api-token" \
  grep -qx "\[holder\] $token_sum  /run/secrets/api-token" "$boot_log"
check "  ... its user's (1000:1000), mode 0400" grep -qx '\[holder\] file 1000 1000 400' "$boot_log"
check "the init read it from fw_cfg, then unloaded qemu_fw_cfg" \
  sh -c "grep -q 'secrets: 1 of 2 given to 1 container' '$boot_log' && grep -q 'qemu_fw_cfg unloaded' '$boot_log'"
check "the other container has no /run/secrets" grep -qx '\[other\] no /run/secrets' "$boot_log"
check "  ... sees nothing in /sys/firmware and cannot read fw_cfg's file" \
  sh -c "grep -qx '\[other\] firmware: \[\]' '$boot_log' && grep -qx '\[other\] fw_cfg unreadable' '$boot_log'"
check "  ... read the files it can (its rootfs's /bin/busybox among them)" grep -q '^\[other\] sum [0-9a-f]*  /bin/busybox$' "$boot_log"
check "  ... and none of them is the secret" sh -c "! grep -q '^\[other\] sum $token_sum' '$boot_log'"
scan_other "$work/sec"
check "  ... grepping each file it can read for the secret's bytes: it searched" grep -qx scanned "$scan_log"
check "  ... found what is there (BusyBox in /bin/busybox)" grep -qx 'control: /bin/busybox' "$scan_log"
check "  ... and the secret in no file" sh -c "! grep -q '^holds it: ' '$scan_log'"
"$BULKHEAD" ctl --vm "$work/sec" logs holder >"$work/logs-holder" 2>&1
"$BULKHEAD" ctl --vm "$work/sec" logs other >"$work/logs-other" 2>&1
"$BULKHEAD" ctl --vm "$work/sec" ps >"$work/ps" 2>&1
check "ctl logs answers" grep -q 'holder done' "$work/logs-holder"
check "  ... and neither ctl logs nor ps shows the secret's bytes" \
  sh -c "! grep -qF '$token' '$work/logs-holder' '$work/logs-other' '$work/ps'"
wait_for "bulkhead run to end" 240 press_stop "$work/sec"
check "the appliance powered off with status 0" grep -qx 'run exited 0' "$boot_log"
check "the console never showed the secret's bytes" sh -c "! grep -qF '$token' '$boot_log'"
check "  ... nor does any file of the output directory it booted, read after the boot" no_token_in "$work/sec"
console_on_failure

# --- elsewhere: the secrets disk (bulkhead secrets-disk), here attached by
# bulkhead run as DIR/disks/bh-secrets.ext4, with other random bytes
token2=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s' "$token2" >"$work/token2"
token2_sum=$(sha256sum <"$work/token2" | cut -d' ' -f1)
mkdir -p "$work/sec/disks"
"$BULKHEAD" secrets-disk "$work/sec/disks/bh-secrets.ext4" --secret api-token="$work/token2"
boot_log=$work/disk.console
( "$BULKHEAD" run --timeout 400 "$work/sec" </dev/null 2>&1 | stdbuf -oL tr -d '\r' >"$boot_log"
  echo "run exited ${PIPESTATUS[0]}" >>"$boot_log" ) &
run_pid=$!
check "from the disk: both containers ran their checks" wait_for "both containers' checks" 300 both_done
check "  ... the init found the disk by its label" grep -q 'secrets: reading the disk labelled bh-secrets' "$boot_log"
check "  ... and the receiver reads the disk's bytes at /run/secrets/api-token" \
  grep -qx "\[holder\] $token2_sum  /run/secrets/api-token" "$boot_log"
check "  ... and the other container does not" grep -qx '\[other\] no /run/secrets' "$boot_log"
wait_for "bulkhead run to end" 240 press_stop "$work/sec"
check "  ... and the console never showed them" sh -c "! grep -qF '$token2' '$boot_log'"
console_on_failure

# --- a secrets disk without the required secret: the boot stops
head -c 64 /dev/urandom >"$work/extra"
"$BULKHEAD" secrets-disk "$work/sec/disks/bh-secrets.ext4" --secret extra="$work/extra"
boot_log=$work/missing.console
"$BULKHEAD" run --timeout 300 "$work/sec" </dev/null 2>&1 | tr -d '\r' >"$boot_log"
boot_status=${PIPESTATUS[0]}
check "without the required secret the boot stops with status 125 (got $boot_status)" test "$boot_status" -eq 125
check "  ... after looking on the disk labelled bh-secrets" grep -q 'secrets: reading the disk labelled bh-secrets' "$boot_log"
check "  ... naming the secret and how to give it" \
  grep -q 'secret api-token is required and was not given: boot with `bulkhead run --secret api-token=FILE`' "$boot_log"
check "  ... before any container started" sh -c "! grep -q ': started' '$boot_log'"
console_on_failure

# --- kernel: minimal has qemu_fw_cfg built in: nothing unloads it, and
# /sys/firmware's mask is all that keeps the other container out
if grep -qx 'CONFIG_FW_CFG_SYSFS=y' "$BUILD/kernel-minimal/config" 2>/dev/null; then
  rm -rf "$work/sec/disks"
  sed 's/^name: sec$/name: sec\nkernel: minimal/' "$work/sec.yml" >"$work/minimal.yml"
  "$BULKHEAD" build -q "$work/minimal.yml" -o "$work/minimal" >"$work/build-minimal.log" 2>&1
  check "kernel: minimal: the appliance builds" test $? -eq 0
  boot_log=$work/minimal.console
  ( "$BULKHEAD" run --timeout 400 "$work/minimal" --secret api-token="$work/token" </dev/null 2>&1 |
      stdbuf -oL tr -d '\r' >"$boot_log"
    echo "run exited ${PIPESTATUS[0]}" >>"$boot_log" ) &
  run_pid=$!
  check "kernel: minimal: both containers ran their checks" wait_for "both containers' checks" 300 both_done
  check "  ... the receiver reads the exact bytes from the built-in fw_cfg" \
    grep -qx "\[holder\] $token_sum  /run/secrets/api-token" "$boot_log"
  check "  ... which stays (nothing to unload)" sh -c "! grep -q 'qemu_fw_cfg unloaded' '$boot_log'"
  check "  ... and the other container, behind the mask, sees nothing in /sys/firmware and cannot read it" \
    sh -c "grep -qx '\[other\] firmware: \[\]' '$boot_log' && grep -qx '\[other\] fw_cfg unreadable' '$boot_log' &&
      ! grep -q '^\[other\] sum $token_sum' '$boot_log'"
  scan_other "$work/minimal"
  check "  ... nor finds the bytes in any file it can read" \
    sh -c "grep -qx scanned '$scan_log' && grep -qx 'control: /bin/busybox' '$scan_log' && ! grep -q '^holds it: ' '$scan_log'"
  wait_for "bulkhead run to end" 240 press_stop "$work/minimal"
  check "  ... and the console never showed the bytes" sh -c "! grep -qF '$token' '$boot_log'"
  check "  ... nor any file of the output directory it booted" no_token_in "$work/minimal"
  console_on_failure
else
  ok "# SKIP kernel: minimal is not built with CONFIG_FW_CFG_SYSFS=y (make kernel)"
fi
done_testing
