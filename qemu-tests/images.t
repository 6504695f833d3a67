#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Images in, booted: an oci: container runs its image's Entrypoint and Cmd
# in its WorkingDir with its Env, and sees the layers as applied (the
# opaque directory, the whited-out file); a docker-archive: container's
# command replaces Cmd and its env wins over the image's; a tar:
# container runs from a zstd tarball. Each prints what it sees; the
# appliance's exit status is 0 only if all three ran and exited 0.
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/../tests/images.sh"
require_qemu
require_image_tools
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make_images "$work" || { diag <"$work/make-images.log"; not_ok "umoci, skopeo and tar made the test images"; done_testing; exit 1; }
cat >"$work/images.yml" <<'YAML'
name: images
onboot:
  - name: oci
    image: oci:layout:app
  - name: docker
    image: docker-archive:app.tar
    command: ["from-docker"]
    env: [FOO=from-manifest]
  - name: tarball
    image: tar:rootfs.tar.zst
    command: ["/bin/busybox", "sh", "-c", "echo \"$(cat /etc/x), in $(pwd) as uid $(id -u)\""]
YAML

boot images "$work/images.yml"
log=$work/console
tr -d '\r' <"$boot_log" >"$log"
check "the appliance powers off with status 0 (got $boot_status) after ${boot_seconds:-?} s" test "$boot_status" -eq 0
check "oci: Entrypoint and Cmd ran in WorkingDir with Env, over the applied layers" \
  grep -qx '\[oci\] cwd=/srv/app FOO=from-image args=one two opq=upper gone=absent' "$log"
check "docker-archive: the command replaced Cmd, the manifest's env won" \
  grep -qx '\[docker\] cwd=/srv/app FOO=from-manifest args=from-docker opq=upper gone=absent' "$log"
check "tar: the tarball's file, in /" grep -qx '\[tarball\] from a tarball, in / as uid 0' "$log"
check "the init reaped all three" test "$(grep -c 'exited with status 0' "$log")" -eq 3
console_on_failure
done_testing
