#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead build --format: the raw-efi disk seen from outside (a GPT whose
# one partition is an EFI System Partition, holding a unified kernel image
# whose sections are this build's kernel, initrd and command line), the
# qcow2 disk (the same disk in QEMU's format), byte-identical rebuilds, and
# the refusals. Booting them is qemu-tests/formats.t.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
for tool in sfdisk mdir objcopy qemu-img; do
  command -v $tool >/dev/null || skip_all "$tool is not installed (make deps installs it)"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B

"$BULKHEAD" build examples/hello.yml -o "$work/plain" >/dev/null
# What -kernel boots with, and what bulkhead run adds to it.
PLAIN=$(cat "$work/plain/cmdline")
check "the kernel+initrd command line records the memory and the unpacked size ($PLAIN)" \
  grep -qxE 'console=ttyS0 panic=-1 quiet bulkhead\.memory=[0-9]+ bulkhead\.initrd=[0-9]+' "$work/plain/cmdline"
CMDLINE="$PLAIN bulkhead.exit=isa-debug-exit bulkhead.ctl=ttyS1"
"$BULKHEAD" build examples/hello.yml -o "$work/efi" --format raw-efi >"$work/log" 2>&1
check "hello builds as raw-efi" test $? -eq 0
check "the output holds disk.img and cmdline, and no loose kernel or initrd" \
  test -s "$work/efi/disk.img" -a -s "$work/efi/cmdline" -a ! -e "$work/efi/kernel" -a ! -e "$work/efi/initrd.img"
check "the size summary gives the disk's size" grep -qE '^  disk\.img +[0-9.]+ MiB \(raw-efi\)' "$work/log"
check "the build prints the disk step" grep -q 'making the raw-efi disk' "$work/log"
check "cmdline says what the disk boots with" test "$(cat "$work/efi/cmdline")" = "$CMDLINE"

# The partition table, as util-linux reads it.
sfdisk -d "$work/efi/disk.img" >"$work/gpt" 2>/dev/null
check "the disk has a GPT" grep -qx 'label: gpt' "$work/gpt"
check "  ... with exactly one partition" test "$(grep -c '^/' "$work/gpt")" -eq 1
check "  ... an EFI System Partition" grep -q "type=$ESP_TYPE" "$work/gpt"
start=$(sed -n 's/.*start= *\([0-9]*\),.*/\1/p' "$work/gpt")
size=$(sed -n 's/.*size= *\([0-9]*\),.*/\1/p' "$work/gpt")
check "  ... 1 MiB-aligned, inside the disk (start $start, $size sectors)" \
  test "$start" -eq 2048 -a $(((start + size + 33) * 512)) -le "$(stat -c %s "$work/efi/disk.img")"

# The ESP, read by mtools at the partition's offset.
esp="$work/efi/disk.img@@$((start * 512))"
mdir -i "$esp" ::/EFI/BOOT >"$work/dir" 2>&1
check "the ESP is a FAT file system holding EFI/BOOT/BOOTX64.EFI (the removable-media path)" \
  grep -qE '^BOOTX64 +EFI +[0-9]' "$work/dir"
mcopy -n -i "$esp" ::/EFI/BOOT/BOOTX64.EFI "$work/boot.efi" 2>/dev/null
check "BOOTX64.EFI is an x86-64 EFI application" \
  sh -c "file '$work/boot.efi' | grep -q 'PE32+ executable (EFI application) x86-64'"
objdump -h "$work/boot.efi" >"$work/sections" 2>/dev/null
for s in .cmdline .linux .initrd .sdmagic; do
  check "  ... with a $s section (a systemd-stub unified kernel image)" grep -q " $s " "$work/sections"
done
section() { objcopy -O binary --only-section="$1" "$work/boot.efi" "$work/section$1" && cat "$work/section$1"; }
check "the embedded command line is the whole one, console and all" test "$(section .cmdline | tr -d '\0')" = "$CMDLINE"
section .linux >/dev/null
check "the embedded kernel is the build's kernel" cmp -s "$work/section.linux" "$work/plain/kernel"
section .initrd >/dev/null
check "the embedded initrd is what --format kernel+initrd writes" cmp -s "$work/section.initrd" "$work/plain/initrd.img"
check "the PE time stamp is SOURCE_DATE_EPOCH's default (0), not the build's time" \
  sh -c "objdump -p '$work/boot.efi' | grep -q 'Time/Date.*1970'"

# Reproducible: a second build a second later is the same disk.
sleep 1
"$BULKHEAD" build -q examples/hello.yml -o "$work/efi2" --format raw-efi
check "two raw-efi builds of one manifest are byte-identical" cmp -s "$work/efi/disk.img" "$work/efi2/disk.img"
SOURCE_DATE_EPOCH=1700000000 "$BULKHEAD" build -q examples/hello.yml -o "$work/dated" --format raw-efi
check "SOURCE_DATE_EPOCH dates the files in the ESP" \
  sh -c "mdir -i '$work/dated/disk.img@@$((start * 512))' ::/EFI/BOOT | grep -qE '^BOOTX64 +EFI .* 2023-11-14'"
mcopy -n -i "$work/dated/disk.img@@$((start * 512))" ::/EFI/BOOT/BOOTX64.EFI "$work/dated.efi" 2>/dev/null
check "  ... and the unified kernel image's PE header" \
  sh -c "objdump -p '$work/dated.efi' | grep -q 'Time/Date.*Nov 14 .* 2023'"
guid() { sfdisk -d "$1" | sed -n 's/^label-id: //p'; }
cat >"$work/tiny.yml" <<'YAML'
name: tiny
onboot:
  - name: say
    image: busybox
    command: ["/bin/echo", "hi"]
YAML
"$BULKHEAD" build -q "$work/tiny.yml" -o "$work/tiny" --format raw-efi
check "the disk GUID comes from the content: another appliance has another" \
  test -n "$(guid "$work/tiny/disk.img")" -a "$(guid "$work/tiny/disk.img")" != "$(guid "$work/efi/disk.img")"

"$BULKHEAD" build examples/hello.yml -o "$work/q" --format qcow2 >"$work/qlog" 2>&1
check "hello builds as qcow2" test $? -eq 0
check "the output holds disk.qcow2 alone" test -s "$work/q/disk.qcow2" -a ! -e "$work/q/disk.img" -a ! -e "$work/q/kernel"
check "the size summary gives the qcow2 disk's size" grep -qE '^  disk\.qcow2 +[0-9.]+ MiB \(qcow2\)' "$work/qlog"
check "qemu-img sees a qcow2 image" sh -c "qemu-img info '$work/q/disk.qcow2' | grep -qx 'file format: qcow2'"
check "  ... with the same content as the raw-efi disk" quietly qemu-img compare "$work/efi/disk.img" "$work/q/disk.qcow2"
"$BULKHEAD" build -q examples/hello.yml -o "$work/q2" --format qcow2
check "two qcow2 builds of one manifest are byte-identical (qemu-img convert is)" cmp -s "$work/q/disk.qcow2" "$work/q2/disk.qcow2"

"$BULKHEAD" build -q examples/hello.yml -o "$work/plain" --format raw-efi
check "rebuilding an appliance in another format leaves no file of the old one" \
  test -e "$work/plain/disk.img" -a ! -e "$work/plain/kernel" -a ! -e "$work/plain/initrd.img"
"$BULKHEAD" build -q examples/hello.yml -o "$work/explicit" --format kernel+initrd
check "--format kernel+initrd is today's output" \
  test -s "$work/explicit/kernel" -a -s "$work/explicit/initrd.img" -a ! -e "$work/explicit/disk.img"

"$BULKHEAD" build -q examples/hello.yml -o "$work/bad" --format vmdk 2>"$work/err"
check "an unknown format exits 2" test $? -eq 2
check "  ... naming the formats" grep -qx 'bulkhead build: unknown format "vmdk"; the formats are kernel+initrd, raw-efi, qcow2' "$work/err"
check "  ... and writes nothing" test ! -e "$work/bad"
PATH=/nonexistent "$BULKHEAD" build -q examples/hello.yml -o "$work/notools" --format raw-efi 2>"$work/err"
check "a missing tool fails the build" test $? -eq 1
# The first tool it needs: mkfs.erofs for hello's shared image, else objcopy.
check "  ... naming the tool and its Debian package" \
  grep -Eq '(mkfs\.erofs: not found; make deps installs it \(Debian package erofs-utils\)|objcopy: not found; make deps installs it \(Debian package binutils\))' "$work/err"
check "  ... leaving nothing behind" test -z "$(find "$work" -maxdepth 1 -name 'notools*')"
"$BULKHEAD" run --debug --timeout 5 "$work/efi" 2>"$work/err"
check "run --debug is refused for a disk (its command line is fixed) with 125" test $? -eq 125
check "  ... saying why" grep -q -- '--debug needs the kernel+initrd format' "$work/err"
"$BULKHEAD" --help >"$work/help"
check "--help documents --format and its formats" \
  sh -c "grep -q -- '--format F' '$work/help' && grep -q 'raw-efi' '$work/help' && grep -q 'qcow2' '$work/help'"
done_testing
