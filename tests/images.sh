# SPDX-License-Identifier: GPL-2.0-or-later
# Test images, made offline with the real tools (umoci, skopeo, tar and the
# compressors) from Debian's static busybox. Sourced by tests/images.t and
# qemu-tests/images.t; make_images DIR writes, in DIR:
#
#   layout/         an OCI image layout, tags app and v2 (one image) and other (the
#                   same layers, another config); three layers:
#                   1. busybox; /srv/app (1000:1001, 0751) holding "gone"; /opq
#                      holding "lower" and keep/x; a setuid /bin/suid; /etc/null (c 1,3)
#                   2. (umoci) deletes /srv/app/gone (.wh.gone), adds /srv/app/new
#                   3. (our own tar: umoci writes no opaque whiteouts) makes /opq
#                      opaque (.wh..wh..opq) and adds /opq/upper
#                   config: Entrypoint $IMAGE_ENTRYPOINT (a shell script
#                   printing what it sees), Cmd [one, two], Env FOO=from-image and
#                   PATH, WorkingDir /srv/app, User 1000:1001
#   layout.tar      the layout as a tar archive
#   app.tar         docker save output of it (skopeo), tagged app:v1
#   rootfs.tar{,.gz,.xz,.zst,.bz2}
#                   a plain rootfs: busybox and /etc/x (7:8, 0604) reading "from a tarball"

# The image's Entrypoint: sh -c SCRIPT entry, then Cmd (or the manifest's
# command) as $1...
IMAGE_SCRIPT='echo "cwd=$(pwd) FOO=$FOO args=$* opq=$(ls /opq | tr "\n" " ")gone=$(test -e /srv/app/gone && echo present || echo absent)"'

make_images() {
  local dir=$1 r
  (
    set -e
    cd "$dir"
    umoci init --layout layout
    umoci new --image layout:app
    umoci unpack --image layout:app bundle >/dev/null
    r=bundle/rootfs
    mkdir -p $r/bin $r/srv/app $r/opq/keep $r/etc
    cp /bin/busybox $r/bin/busybox
    printf 'root:x:0:0::/:/bin/sh\ndaemon:x:41:42::/:/bin/sh\n' >$r/etc/passwd
    printf 'root:x:0:\ndaemon:x:42:\n' >$r/etc/group
    echo gone >$r/srv/app/gone
    echo lower >$r/opq/lower
    echo keep >$r/opq/keep/x
    chown 1000:1001 $r/srv/app
    chmod 0751 $r/srv/app
    install -m 4755 /dev/null $r/bin/suid
    mknod $r/etc/null c 1 3
    umoci repack --refresh-bundle --image layout:app bundle
    rm $r/srv/app/gone
    echo new >$r/srv/app/new
    umoci repack --refresh-bundle --image layout:app bundle
    mkdir -p layer3/opq
    echo upper >layer3/opq/upper
    touch layer3/opq/.wh..wh..opq
    tar -C layer3 -cf layer3.tar opq
    umoci raw add-layer --image layout:app layer3.tar
    umoci config --image layout:app --config.entrypoint /bin/busybox --config.entrypoint sh \
      --config.entrypoint -c --config.entrypoint "$IMAGE_SCRIPT" --config.entrypoint entry \
      --config.cmd one --config.cmd two --config.env FOO=from-image --config.env PATH=/bin \
      --config.workingdir /srv/app --config.user 1000:1001
    umoci tag --image layout:app v2
    umoci config --image layout:app --tag other --config.env OTHER=1
    umoci gc --layout layout
    tar -C layout -cf layout.tar .
    skopeo copy -q oci:layout:app docker-archive:app.tar:app:v1
    # the same image whose config names its User: looked up in its passwd
    cp -r layout named-layout
    umoci config --image named-layout:app --tag named --config.user daemon

    mkdir -p plain/bin plain/etc
    cp /bin/busybox plain/bin/busybox
    echo "from a tarball" >plain/etc/x
    printf 'root:x:0:0::/:/bin/sh\napp:x:1234:2345::/srv:/bin/sh\n' >plain/etc/passwd
    printf 'root:x:0:\napp:x:2345:\nextra:x:3000:root,app\n' >plain/etc/group
    chown 7:8 plain/etc/x
    chmod 0604 plain/etc/x
    tar -C plain -cf rootfs.tar .
    gzip -c rootfs.tar >rootfs.tar.gz
    xz -c rootfs.tar >rootfs.tar.xz
    zstd -q -c rootfs.tar >rootfs.tar.zst
    bzip2 -c rootfs.tar >rootfs.tar.bz2
  ) >"$dir/make-images.log" 2>&1
}

# The digest of the image tagged TAG in the layout at DIR.
image_digest() { jq -r --arg tag "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $tag) | .digest' "$1/index.json"; }

require_image_tools() {
  local t
  for t in umoci skopeo zstd xz bzip2 jq; do
    command -v $t >/dev/null || skip_all "$t is not installed (make deps installs it)"
  done
  [ "$(id -u)" -eq 0 ] || skip_all "needs root: the images carry owners and a device node"
}
