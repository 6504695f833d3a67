#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Secrets on this host (no QEMU): what the build writes of them (names
# only), what bulkhead run refuses before it boots, the disk secrets-disk
# writes, and the init run as PID 1 of fresh namespaces giving a secret to
# the container that declared it only (its user's, 0400, read-only), or
# stopping the boot when a required one is missing. The init on a host
# reads its secrets from /.bulkhead-host-secrets of its root, laid out as
# the secrets disk is; qemu-tests/secrets.t proves fw_cfg in a VM.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v unshare >/dev/null || skip_all "unshare is not installed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Made now, at random: the bytes must never appear anywhere but in the
# receiving container. A text token (so that grep finds it anywhere) and
# binary bytes (compared by their sha256 inside the container).
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s' "$token" >"$work/token"
head -c 200 /dev/urandom >"$work/blob"
token_sum=$(sha256sum <"$work/token" | cut -d' ' -f1)
blob_sum=$(sha256sum <"$work/blob" | cut -d' ' -f1)

cat >"$work/sec.yml" <<'YAML'
name: sec
secrets:
  - api-token
  - blob
  - name: extra
    required: false
services:
  - name: holder
    image: busybox
    user: "1000:1000"
    secrets: [api-token, blob, extra]
    command: |
      sha256sum /run/secrets/api-token /run/secrets/blob
      stat -c 'file %n %u %g %a' /run/secrets/api-token /run/secrets/blob
      stat -c 'dir %u %g %a' /run/secrets
      ls /run/secrets/extra 2>/dev/null || echo 'extra absent'
      echo x >/run/secrets/new 2>/dev/null || echo 'write refused'
      grep ' /run/secrets ' /proc/self/mounts | sed 's/^/mount /'
  # Read-only with the same image as holder: a rootfs of its own all the
  # same, or it would see holder's /run/secrets mount point.
  - name: other
    image: busybox
    command: |
      ls -d /run/secrets 2>/dev/null || echo 'no /run/secrets'
      echo "firmware: [$(ls -A /sys/firmware)]"
      cat /sys/firmware/qemu_fw_cfg/by_name/opt/io.systemd.credentials/api-token/raw 2>/dev/null || echo 'fw_cfg unreadable'
YAML

# --- the build: names only
"$BULKHEAD" build -q "$work/sec.yml" -o "$work/sec" >"$work/build.log" 2>&1
check "an appliance with secrets builds" test $? -eq 0
check "DIR/secrets lists the declared names and whether each is required" \
  test "$(cat "$work/sec/secrets")" = "$(printf 'api-token required\nblob required\nextra optional')"
mkdir -p "$work/unpacked"
(cd "$work/unpacked" && zcat "$work/sec/initrd.img" | cpio -id --quiet 2>/dev/null)
holder_config=$work/unpacked/containers/services/holder/config.json
other_config=$work/unpacked/containers/services/other/config.json
check "the receiver's config.json binds its tmpfs on /run/secrets read-only, nosuid, nodev, noexec" \
  quietly jq -e '[.mounts[] | select(.destination == "/run/secrets" and .source == "/run/bulkhead-secrets/holder" and
    .type == "bind" and .options == ["bind", "ro", "nosuid", "nodev", "noexec"])] | length == 1' "$holder_config"
check "  ... and the other's binds nothing there" \
  quietly jq -e '[.mounts[] | select(.destination == "/run/secrets")] | length == 0' "$other_config"
check "  ... and masks /sys/firmware, where fw_cfg shows its files" \
  quietly jq -e '.linux.maskedPaths | index("/sys/firmware") != null' "$other_config"
check "  ... and has a rootfs of its own, though read-only with the receiver's image" \
  quietly jq -e '.root.path == "rootfs"' "$other_config"
check "appliance.json says who receives what" \
  quietly jq -e '.secret_mounts == [{"container": "holder", "secrets": ["api-token", "blob", "extra"]}] and
    (.secrets | map(.required)) == [true, true, false]' "$work/unpacked/etc/bulkhead/appliance.json"
check "  ... and the image carries qemu_fw_cfg" \
  quietly jq -e '.modules | map(select(endswith("/qemu_fw_cfg.ko"))) | length == 1' "$work/unpacked/etc/bulkhead/appliance.json"

# --- bulkhead run refuses before it boots
"$BULKHEAD" run "$work/sec" --secret api-token="$work/token" --secret nope="$work/blob" >"$work/out" 2>&1
status=$?
check "run refuses a secret the appliance does not declare (exit $status)" \
  sh -c "test $status -eq 2 && grep -q 'no secret \"nope\"' '$work/out'"
"$BULKHEAD" run "$work/sec" --secret api-token="$work/token" >"$work/out" 2>&1
status=$?
check "run says, before booting, that a required secret is missing (exit $status)" \
  sh -c "test $status -eq 2 && grep -q 'requires secret \"blob\"; give it with --secret blob=FILE' '$work/out'"
long=abcdefghijklmnopqrstuvwxyz-0123
"$BULKHEAD" run "$work/sec" --secret "$long=$work/token" >"$work/out" 2>&1
check "run refuses a name longer than fw_cfg's 55 bytes allow, naming the limit" \
  grep -q "the name is 31 bytes; QEMU's fw_cfg takes names of at most 55, 28 of them" "$work/out"
head -c $((1024 * 1024 + 1)) /dev/zero >"$work/big"
"$BULKHEAD" run "$work/sec" --secret api-token="$work/big" >"$work/out" 2>&1
check "run refuses a file over 1 MiB" grep -q 'has 1048577 bytes; a secret has at most 1048576' "$work/out"
check "run --help tells of --secret and the fw_cfg prefix" \
  sh -c "'$BULKHEAD' run --help | grep -q 'secret NAME=FILE' && '$BULKHEAD' run --help | grep -q 'opt/io.systemd.credentials/NAME'"

# --- secrets-disk
"$BULKHEAD" secrets-disk "$work/secrets.img" --secret api-token="$work/token" --secret blob="$work/blob"
check "secrets-disk writes a disk (exit $?)" test -f "$work/secrets.img"
check "  ... readable by its owner only (0600)" test "$(stat -c %a "$work/secrets.img")" = 600
check "  ... an ext4 labelled bh-secrets" sh -c "dumpe2fs -h '$work/secrets.img' 2>/dev/null | grep -q 'volume name: *bh-secrets$'"
check "  ... holding each secret's exact bytes" \
  sh -c "debugfs -R 'cat api-token' '$work/secrets.img' 2>/dev/null | cmp -s - '$work/token' &&
    debugfs -R 'cat blob' '$work/secrets.img' 2>/dev/null | cmp -s - '$work/blob'"
check "  ... as root's files, mode 0400" \
  sh -c "debugfs -R 'stat blob' '$work/secrets.img' 2>/dev/null | grep -q 'Mode:  0400' &&
    debugfs -R 'stat blob' '$work/secrets.img' 2>/dev/null | grep -q 'User:     0   Group:     0'"
"$BULKHEAD" secrets-disk "$work/bad.img" --secret Bad_Name="$work/token" >"$work/out" 2>&1
check "  ... and refuses a name that is not a secret's" grep -q '"Bad_Name" is not a secret' "$work/out"
(cd "$work" && "$BULKHEAD" secrets-disk --secret api-token="$work/token" -- -dash.img >"$work/out" 2>&1)
check "  ... writes an OUT beginning with '-' as a file, not an option (exit $?)" \
  sh -c "dumpe2fs -h '$work/-dash.img' 2>/dev/null | grep -q 'volume name: *bh-secrets$'"
# debugfs -f - exits 0 when a write in it fails: this one writes nothing.
mkdir -p "$work/fake-debugfs"
cat >"$work/fake-debugfs/debugfs" <<'SH'
#!/bin/sh
case " $* " in *" -w "*) cat >/dev/null; exit 0 ;; esac
PATH=${PATH#*:} exec debugfs "$@"
SH
chmod +x "$work/fake-debugfs/debugfs"
PATH="$work/fake-debugfs:$PATH" "$BULKHEAD" secrets-disk "$work/unwritten.img" --secret api-token="$work/token" \
  >"$work/out" 2>&1
status=$?
check "  ... fails when debugfs wrote nothing though it exited 0 (exit $status)" \
  sh -c "test $status -eq 1 && grep -q 'secret api-token: debugfs did not write it into $work/unwritten.img as root.s 0400 file of 48 bytes' '$work/out'"
check "  ... and leaves no disk that lacks a secret" test ! -e "$work/unwritten.img"

# --- bulkhead run attaches the secrets disk read-only (a QEMU that only
# records its arguments)
mkdir -p "$work/bin" "$work/ro"
cat >"$work/bin/qemu-system-x86_64" <<'QEMU'
#!/bin/sh
printf '%s\n' "$@" >"$FAKE_CALLS"
exit 3
QEMU
chmod +x "$work/bin/qemu-system-x86_64"
cp -a "$work/sec/." "$work/ro/"
mkdir -p "$work/ro/disks"
"$BULKHEAD" secrets-disk "$work/ro/disks/bh-secrets.ext4" --secret api-token="$work/token" --secret blob="$work/blob"
env PATH="$work/bin:$PATH" FAKE_CALLS="$work/calls" "$BULKHEAD" run --accel tcg --timeout 100 "$work/ro" \
  </dev/null >"$work/out" 2>&1
check "run attaches DIR/disks/bh-secrets.ext4 read-only" \
  grep -qx "file=$work/ro/disks/bh-secrets.ext4,format=raw,if=virtio,id=disk0,readonly=on" "$work/calls"

# --- the init gives them to their container only
mkdir -p "$work/given.root/.bulkhead-host-secrets"
cp "$work/token" "$work/given.root/.bulkhead-host-secrets/api-token"
cp "$work/blob" "$work/given.root/.bulkhead-host-secrets/blob"
boot_host given "$work/sec.yml"
check "the appliance ran to the end (status $boot_status)" test "$boot_status" -eq 0
check "the receiver reads the exact bytes of each secret at /run/secrets/NAME" \
  sh -c "grep -q '^\[holder\] $token_sum  /run/secrets/api-token$' '$boot_log' &&
    grep -q '^\[holder\] $blob_sum  /run/secrets/blob$' '$boot_log'"
check "  ... each its user's (1000:1000), mode 0400" \
  sh -c "grep -q '^\[holder\] file /run/secrets/api-token 1000 1000 400$' '$boot_log' &&
    grep -q '^\[holder\] file /run/secrets/blob 1000 1000 400$' '$boot_log'"
check "  ... in a directory of its own, its user's, 0500" grep -q '^\[holder\] dir 1000 1000 500$' "$boot_log"
check "  ... read-only, nosuid, nodev, noexec" \
  sh -c "grep '^\[holder\] mount ' '$boot_log' | grep -q ' ro,nosuid,nodev,noexec'"
check "  ... where it cannot write" grep -q '^\[holder\] write refused$' "$boot_log"
check "an optional secret not given is absent, and said so" \
  sh -c "grep -q '^\[holder\] extra absent$' '$boot_log' && grep -q 'secret extra: not given (optional)' '$boot_log'"
check "the other container has no /run/secrets" grep -q '^\[other\] no /run/secrets$' "$boot_log"
check "  ... and sees nothing in /sys/firmware" \
  sh -c "grep -q '^\[other\] firmware: \[\]$' '$boot_log' && grep -q '^\[other\] fw_cfg unreadable$' '$boot_log'"
check "the console never shows a secret's bytes" sh -c "! grep -qF '$token' '$boot_log'"
check "  ... nor does the output directory or the image" \
  sh -c "! grep -rqF '$token' '$work/sec' '$work/unpacked' && ! grep -rqF --exclude-dir=.bulkhead-host-secrets '$token' '$work/given.root'"
console_on_failure

# --- a required secret missing stops the boot
boot_host missing "$work/sec.yml"
check "a missing required secret stops the boot with status 125 (got $boot_status)" test "$boot_status" -eq 125
check "  ... naming it and how to give it" \
  grep -q 'secret api-token is required and was not given: boot with `bulkhead run --secret api-token=FILE`' "$boot_log"
check "  ... before any container started" sh -c "! grep -q ': started' '$boot_log'"
console_on_failure

# --- one that is there but cannot be opened (a symbolic link: the init
# opens with O_NOFOLLOW, and root passes any mode bits) is said so, with
# the reason: required, the boot stops; optional, a warning
mkdir -p "$work/unopenable.root/.bulkhead-host-secrets"
cp "$work/blob" "$work/unopenable.root/.bulkhead-host-secrets/blob"
ln -s blob "$work/unopenable.root/.bulkhead-host-secrets/api-token"
boot_host unopenable "$work/sec.yml"
check "a required secret that cannot be opened stops the boot with status 125 (got $boot_status)" \
  test "$boot_status" -eq 125
check "  ... saying it was given, and why it cannot be opened" \
  grep -q 'secret api-token is required and was given, but cannot be opened: ' "$boot_log"
check "  ... not that it was not given" sh -c "! grep -q 'api-token is required and was not given' '$boot_log'"
check "  ... before any container started" sh -c "! grep -q ': started' '$boot_log'"
console_on_failure
mkdir -p "$work/optional.root/.bulkhead-host-secrets"
cp "$work/token" "$work/blob" "$work/optional.root/.bulkhead-host-secrets/"
mv "$work/optional.root/.bulkhead-host-secrets/token" "$work/optional.root/.bulkhead-host-secrets/api-token"
ln -s blob "$work/optional.root/.bulkhead-host-secrets/extra"
boot_host optional "$work/sec.yml"
check "an optional secret that cannot be opened: the appliance runs (status $boot_status)" test "$boot_status" -eq 0
check "  ... with a warning giving the reason" \
  grep -q 'secret extra: given but cannot be opened (optional): its containers see no /run/secrets/extra: ' "$boot_log"
check "  ... and the container has no such file" grep -q '^\[holder\] extra absent$' "$boot_log"
console_on_failure

done_testing
