#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernels an appliance can boot. kernel: minimal boots on QEMU's pc and
# microvm machines with every wall up (seccomp, Landlock, no mount), a
# volume on a virtio disk (MMIO on microvm) and the ACPI power button;
# kernel: {path, modules} boots a kernel the user brings with the modules
# it names; --kernel overrides the manifest.
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
[ -f "$BUILD/kernel-minimal/vmlinuz" ] || skip_all "no $BUILD/kernel-minimal/vmlinuz (make kernel builds it)"
command -v mkfs.ext4 >/dev/null || skip_all "mkfs.ext4 is not installed (make deps installs e2fsprogs)"
work=$(mktemp -d)
run_pid=
trap '[ -n "$run_pid" ] && kill $run_pid 2>/dev/null; rm -rf "$work"' EXIT
cd "$TOP"

# The hello example with each kernel: its sandbox container reports the
# walls from inside.
walls_hold() { # MACHINE
  check "$1: seccomp filter on" grep -qx '\[sandbox\] seccomp mode: Seccomp:	2' "$boot_log"
  check "$1: Landlock refuses a write under /etc" grep -qx '\[sandbox\] write under /etc: refused' "$boot_log"
  check "$1: and allows one under /tmp" grep -qx '\[sandbox\] write under /tmp: allowed' "$boot_log"
  check "$1: mount refused" grep -qx '\[sandbox\] mount: refused' "$boot_log"
  check "$1: the services ran" grep -qx '\[counter\] tick 3: pid 1 on counter' "$boot_log"
}
sed 's/^kernel: debian$/kernel: minimal/' examples/hello.yml >"$work/hello-minimal.yml"
grep -q '^kernel: debian$' examples/hello.yml || not_ok "examples/hello.yml no longer says kernel: debian"
# A container's kernel memory is charged to its memory cgroup (SLUB's
# MEMCG_KMEM; tinyconfig's SLOB charges none): the directories it makes
# show as slab in its own memory.stat.
cat >>"$work/hello-minimal.yml" <<'EOF'
  - name: kmem
    image: busybox
    resources: {memory: 16M}
    command: |
      mkdir /tmp/d && for i in $(seq 500); do mkdir /tmp/d/$i; done
      echo "slab bytes: $(sed -n 's/^slab //p' /sys/fs/cgroup/memory.stat)"
EOF
BOOT_FLAGS=--debug boot pc "$work/hello-minimal.yml"
tr -d '\r' <"$boot_log" >"$work/pc.log" && boot_log=$work/pc.log
check "kernel: minimal boots on pc to status 0 (got $boot_status) in ${boot_seconds:-?} s" test "$boot_status" -eq 0
slab=$(sed -n 's/^\[kmem\] slab bytes: //p' "$boot_log")
check "  ... a container's kernel memory counts in its memory cgroup (slab: ${slab:-none} bytes)" \
  test "${slab:-0}" -gt 0
check "  ... the appliance carries it: $(stat -c %s "$work/pc/kernel") bytes" \
  cmp -s "$work/pc/kernel" "$BUILD/kernel-minimal/vmlinuz"
zcat "$work/pc/initrd.img" | cpio -t --quiet >"$work/pc.list" 2>/dev/null
check "  ... and no modules (all is built in)" sh -c "grep -qx init '$work/pc.list' && ! grep -q '^lib/modules/' '$work/pc.list'"
walls_hold pc
diag < <(grep 'debug: the kernel took' "$boot_log")
console_on_failure

BOOT_FLAGS="--debug --machine microvm" boot microvm "$work/hello-minimal.yml"
tr -d '\r' <"$boot_log" >"$work/microvm.log" && boot_log=$work/microvm.log
check "kernel: minimal boots on microvm to status 0 (got $boot_status) in ${boot_seconds:-?} s" test "$boot_status" -eq 0
walls_hold microvm
console_on_failure

# microvm with a volume: the disk on an MMIO slot, ext4, a TCP server on
# the loopback, then bulkhead stop through ACPI's generic event device: the
# client's on_exit: poweroff is taken out, so that the power button ends it.
sed 's/^name: web$/name: web\nexit_status_from: client\nkernel: minimal/; /^ *on_exit: poweroff$/d' \
  examples/web-volume.yml >"$work/web-minimal.yml"
"$BULKHEAD" build -q "$work/web-minimal.yml" -o "$work/web"
boot_log=$work/web.log
# sed -u, not tr: the waits below read the log as it grows, and tr
# would hold it back in its buffer until the run ends.
( "$BULKHEAD" run --timeout 240 --machine microvm "$work/web" </dev/null 2>&1; echo "run exited $?" ) |
  sed -u 's/\r//g' >"$boot_log" &
run_pid=$!
until_logged 'the page came from the volume\|^run exited' 240
# The monitor socket may lag the console: press until the VM goes.
wait_for "bulkhead run to end after bulkhead stop" 240 press_stop "$work/web"
wait "$run_pid"
run_pid=
check "microvm: the volume's disk is found on virtio-mmio" grep -q '^\[init\] disk www: /dev/vda mounted' "$boot_log"
check "  ... httpd served the page from it" grep -qx '\[client\] <h1>served from a volume, boot 1</h1>' "$boot_log"
check "  ... and the power button ended it with status 0" \
  sh -c "grep -qx '\[init\] power button: shutting down' '$boot_log' && grep -qx 'run exited 0' '$boot_log'"
console_on_failure

# A kernel the user brings: Debian's, named by path, with its modules
# directory; the builder resolves the power button's modules from it. They
# lie outside the manifest's directory: the build context is widened to
# the build tree that holds them.
cat >"$work/own.yml" <<YAML
name: own
kernel:
  path: $BUILD/kernel/vmlinuz
  modules: $BUILD/kernel/modules
onboot:
  - name: uname
    image: busybox
    command: ["/bin/uname", "-r"]
YAML
BUILD_FLAGS="--context $BUILD" boot own "$work/own.yml"
tr -d '\r' <"$boot_log" >"$work/own.log" && boot_log=$work/own.log
release=$(basename "$(readlink -f "$BUILD/kernel/modules")")
check "kernel: {path, modules} boots the kernel named (uname -r $release)" grep -qx "\[uname\] $release" "$boot_log"
check "  ... with status 0 (got $boot_status)" test "$boot_status" -eq 0
check "  ... carrying the modules it resolved from that directory" \
  sh -c "zcat '$work/own/initrd.img' | cpio -t --quiet 2>/dev/null | grep -q '^lib/modules/$release/.*/button.ko'"
console_on_failure

# --kernel wins over the manifest, modules and all.
"$BULKHEAD" build -q --context "$BUILD" --kernel "$BUILD/kernel-minimal/vmlinuz" "$work/own.yml" -o "$work/override"
check "--kernel overrides the manifest's kernel" cmp -s "$work/override/kernel" "$BUILD/kernel-minimal/vmlinuz"
zcat "$work/override/initrd.img" | cpio -t --quiet >"$work/override.list" 2>/dev/null
check "  ... and the manifest's modules directory with it" \
  sh -c "grep -qx init '$work/override.list' && ! grep -q '^lib/modules/' '$work/override.list'"

# A disk format needs a kernel UEFI can start: kernel: minimal has no EFI stub.
"$BULKHEAD" build -q --format raw-efi "$work/hello-minimal.yml" -o "$work/efi" 2>"$work/efi.err"
status=$?
check "kernel: minimal with --format raw-efi is refused (exit $status)" \
  sh -c "test $status -eq 1 && grep -q 'the kernel (minimal) has no EFI stub, so UEFI firmware cannot start it from the raw-efi disk' '$work/efi.err'"
check "  ... before anything is written" test ! -e "$work/efi"
done_testing
