#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The build context: a manifest's host paths (files: source:, image: dir:,
# tar:, kernel: path and modules, seccomp: profiles) must lie beneath the
# manifest's directory, or beneath bulkhead build --context DIR, once
# symlinks and ".." are resolved. Each way out is tried and refused with
# its message; the same build is accepted once the context is widened,
# and what is inside the context still builds, its content in the image.
. "$(dirname "$0")/lib.sh"
cd "$TOP"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ctx=$work/ctx
mkdir -p "$ctx/sub"
real_ctx=$(readlink -f "$ctx")

# build NAME [OPTIONS...]: builds $ctx/NAME.yml (or $ctx/sub/NAME.yml) into
# $work/out-NAME; stderr in $work/NAME.err, the status in $status.
build() {
  local name=$1 manifest=$ctx/$1.yml; shift
  [ -f "$manifest" ] || manifest=$ctx/sub/$name.yml
  rm -rf "$work/out-$name"
  "$BULKHEAD" build -q "$@" "$manifest" -o "$work/out-$name" >/dev/null 2>"$work/$name.err"
  status=$?
}

# source_manifest FILE SOURCE: a manifest copying SOURCE to /etc/x.
source_manifest() {
  printf 'name: ctx\nonboot:\n  - name: a\n    image: busybox\n    command: ["/bin/true"]\n    files:\n      - {path: /etc/x, source: %s}\n' "$2" >"$1"
}

# in_image NAME: the image's copy of /etc/x (empty when absent).
in_image() {
  zcat "$work/out-$1/initrd.img" | (cd "$work" && rm -rf "x-$1" && mkdir "x-$1" && cd "x-$1" && cpio -id --quiet 2>/dev/null)
  cat "$work/x-$1/containers/onboot/00-a/rootfs/etc/x" 2>/dev/null
}

# refused NAME EXPECTED: the build failed with exactly EXPECTED.
refused() {
  local got
  got=$(cat "$work/$1.err")
  if [ "$status" -eq 1 ] && [ "$got" = "$2" ]; then ok "$1: refused: $2"
  else not_ok "$1: refused (exit $status)"; { echo "expected: $2"; echo "got:      $got"; } | diag; fi
  check "$1: nothing written" test ! -e "$work/out-$1"
}

fix="move it under $real_ctx, or widen the context with bulkhead build --context DIR"

# An in-context file still works, its content in the image.
echo "inside the context" >"$ctx/data.txt"
source_manifest "$ctx/inside.yml" data.txt
build inside
check "a file inside the context builds (exit $status)" test "$status" -eq 0
check "  ... and its content is in the image" test "$(in_image inside)" = "inside the context"

# /etc/shadow, the example of the issue: refused by default.
if [ -r /etc/shadow ]; then
  source_manifest "$ctx/shadow.yml" /etc/shadow
  build shadow
  refused shadow "$ctx/shadow.yml:7:32: source \"/etc/shadow\" is outside the build context $real_ctx (it is /etc/shadow); $fix"
  build shadow --context /
  check "/etc/shadow with --context / builds (exit $status)" test "$status" -eq 0
  check "  ... with the file's content" cmp -s <(in_image shadow) /etc/shadow
else
  ok "# SKIP /etc/shadow is not readable by this user: the builder could not copy it either"
fi

# A symlink inside the context that leads out of it.
ln -s /etc/passwd "$ctx/passwd-link"
source_manifest "$ctx/link.yml" passwd-link
build link
refused link "$ctx/link.yml:7:32: source \"passwd-link\" is outside the build context $real_ctx (it is /etc/passwd); $fix"
build link --context /etc
check "the symlink to /etc/passwd builds with --context /etc (exit $status)" test "$status" -eq 0
check "  ... with /etc/passwd's content" cmp -s <(in_image link) /etc/passwd

# A symlink that stays inside is the neighbour that still works.
ln -s sub/../data.txt "$ctx/inner-link"
source_manifest "$ctx/inner.yml" inner-link
build inner
check "a symlink leading to a file inside the context builds (exit $status)" test "$status" -eq 0
check "  ... with that file's content" test "$(in_image inner)" = "inside the context"

# ".." out of the manifest's directory; relative paths start there, not at
# the context, so with --context the same manifest copies ../data.txt.
echo "beside the manifest" >"$ctx/sub/data.txt"
source_manifest "$ctx/sub/dotdot.yml" ../data.txt
build dotdot
refused dotdot "$ctx/sub/dotdot.yml:7:32: source \"../data.txt\" is outside the build context $real_ctx/sub (it is $real_ctx/data.txt); move it under $real_ctx/sub, or widen the context with bulkhead build --context DIR"
build dotdot --context "$ctx"
check "../data.txt builds with --context the parent (exit $status)" test "$status" -eq 0
check "  ... and is the parent's file" test "$(in_image dotdot)" = "inside the context"
source_manifest "$ctx/sub/relative.yml" data.txt
build relative --context "$ctx"
check "with --context, a relative path still starts from the manifest's directory" \
  test "$(in_image relative)" = "beside the manifest"

# Every other key that names a host path.
mkdir -p "$work/outside-root/etc"
echo "outside" >"$work/outside-root/etc/x"
tar -C "$work/outside-root" -cf "$work/outside.tar" .
printf '{"defaultAction": "SCMP_ACT_ALLOW"}\n' >"$work/outside.json"
ln -s "$work/outside-root" "$ctx/root-link"
base='name: ctx\nonboot:\n  - name: a\n    command: ["/bin/true"]\n'
printf "$base"'    image: dir:root-link\n' >"$ctx/dir.yml"
build dir
refused dir "$ctx/dir.yml:5:12: image \"dir:root-link\": \"root-link\" is outside the build context $real_ctx (it is $(readlink -f "$work/outside-root")); $fix"
printf "$base"'    image: tar:../outside.tar\n' >"$ctx/tar.yml"
build tar
refused tar "$ctx/tar.yml:5:12: image \"tar:../outside.tar\": \"../outside.tar\" is outside the build context $real_ctx (it is $(readlink -f "$work/outside.tar")); $fix"
printf "$base"'    image: busybox\n    seccomp: ../outside.json\n' >"$ctx/seccomp.yml"
build seccomp
refused seccomp "$ctx/seccomp.yml:6:14: seccomp \"../outside.json\" is outside the build context $real_ctx (it is $(readlink -f "$work/outside.json")); $fix"
printf 'name: ctx\nkernel: {path: %s}\n'"${base#name: ctx\\n}"'    image: busybox\n' "$BUILD/kernel/vmlinuz" >"$ctx/kernel.yml"
build kernel
refused kernel "$ctx/kernel.yml:2:16: kernel path \"$BUILD/kernel/vmlinuz\" is outside the build context $real_ctx (it is $(readlink -f "$BUILD/kernel/vmlinuz")); $fix"
for name in dir tar seccomp; do
  build "$name" --context "$work"
  check "$name: accepted once the context holds it (exit $status)" test "$status" -eq 0
done
build kernel --context "$BUILD"
check "kernel: accepted with the build tree as the context (exit $status)" test "$status" -eq 0
check "  ... dir: through the symlink: its file is in the image" \
  sh -c "zcat '$work/out-dir/initrd.img' | cpio -i --quiet --to-stdout containers/onboot/00-a/rootfs/etc/x 2>/dev/null | grep -qx outside"

# Inside an input directory: a dir: image's symlink is copied as a symlink,
# never followed; a modules directory's symlink out of it is refused.
mkdir -p "$ctx/rootfs/etc"
ln -s /etc/passwd "$ctx/rootfs/etc/x"
printf "$base"'    image: dir:rootfs\n' >"$ctx/dirlink.yml"
build dirlink
check "a dir: image with a symlink to /etc/passwd builds (exit $status)" test "$status" -eq 0
zcat "$work/out-dirlink/initrd.img" | cpio -tv --quiet 2>/dev/null >"$work/dirlink.list"
check "  ... the symlink is in the image as a symlink, not the host's file" \
  grep -qE '^l.* containers/onboot/00-a/rootfs/etc/x -> /etc/passwd$' "$work/dirlink.list"
mkdir -p "$ctx/modules/kernel"
printf 'kernel/button.ko:\n' >"$ctx/modules/modules.dep"
ln -s /etc/passwd "$ctx/modules/kernel/button.ko"
cp "$BUILD/kernel/vmlinuz" "$ctx/vmlinuz"
printf 'name: ctx\nkernel: {path: vmlinuz, modules: modules}\n'"${base#name: ctx\\n}"'    image: busybox\n' >"$ctx/modules.yml"
build modules --context /
check "a module symlinked to /etc/passwd is refused, whatever the context (exit $status)" test "$status" -eq 1
check "  ... naming the module and why" grep -q "modules/kernel/button.ko: .*outside the modules directory" "$work/modules.err"
diag <"$work/modules.err"

# An OCI layout whose config blob is a symlink out of the layout: the blob
# is opened beneath the layout, whatever the context, and refused; the
# same layout with the blob in place builds.
layout=$ctx/layout
mkdir -p "$layout/blobs/sha256"
blob() { # blob FILE: its digest, and the file stored under it
  local digest
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$layout/blobs/sha256/$digest"
  echo "$digest"
}
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/true"]},"rootfs":{"type":"layers","diff_ids":[]}}' >"$work/config.json"
config=$(blob "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[]}' \
  "$config" "$(stat -c %s "$work/config.json")" >"$work/manifest.json"
manifest=$(blob "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d}]}' \
  "$manifest" "$(stat -c %s "$work/manifest.json")" >"$layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
printf 'name: ctx\nonboot:\n  - name: a\n    image: oci:layout\n' >"$ctx/oci.yml"
build oci
check "a hand-made OCI layout builds (exit $status)" test "$status" -eq 0
ln -sf "$work/config.json" "$layout/blobs/sha256/$config"
build oci --context /
check "its config blob as a symlink out of the layout is refused, whatever the context (exit $status)" \
  sh -c "test $status -eq 1 && grep -q 'layout/blobs/sha256/$config: a symlink that leads outside the layout; refusing it' '$work/oci.err'"

check "bulkhead build --help documents --context" sh -c "'$BULKHEAD' build --help | grep -q -- '--context DIR  the build context'"

# --context must be a directory.
build inside --context "$ctx/data.txt"
refused inside "build context $ctx/data.txt: Not a directory"

done_testing
