#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Images in: tar:, oci: and docker-archive: images made here with umoci,
# skopeo and tar (tests/images.sh), built into appliances whose initrd is
# unpacked and read: layers applied with their whiteouts, owners and modes
# kept, device nodes dropped, the image config's defaults in config.json, tampering
# refused, and one copy of an image that read-only containers share.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/images.sh"
require_image_tools
[ -f "$BUILD/kernel/vmlinuz" ] || skip_all "no kernel at $BUILD/kernel/vmlinuz (make deps unpacks it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

make_images "$work"
check "umoci, skopeo and tar made the test images" test -f app.tar -a -f layout.tar -a -f rootfs.tar.zst
[ "$tap_failed" -eq 0 ] || { diag <make-images.log; done_testing; exit 1; }

# build NAME YAML: builds NAME.yml (YAML on stdin) into NAME/; keeps stderr in NAME.err.
build() {
  cat >"$1.yml"
  "$BULKHEAD" build "$1.yml" -o "$1" >"$1.out" 2>"$1.err"
}
# unpacked NAME: the initrd of NAME, unpacked into NAME.root, listed in NAME.list.
unpacked() {
  mkdir -p "$1.root"
  (cd "$1.root" && zcat "../$1/initrd.img" | cpio -id --quiet 2>/dev/null)
  zcat "$1/initrd.img" | cpio -tvn --quiet >"$1.list" 2>/dev/null
}
# listed NAME REGEX: a line of NAME's listing matches (mode, owner, ..., path).
listed() { grep -qE "$2" "$1.list"; }
# config NAME CONTAINER [JQ-OPTIONS] JQ: CONTAINER's config.json satisfies JQ.
config() {
  local name=$1 container=$2
  shift 2
  quietly jq -e "$@" "$name.root/containers/services/$container/config.json"
}
# in_range NAME BUNDLE ID: ID of the container at BUNDLE as the VM sees it,
# in its user range (appliance.json's userns_base; none: the VM's own).
in_range() {
  echo $(( $(jq -r --arg b "/$2" '[.onboot[]?, .services[]?, .onshutdown[]?] | map(select(.bundle == $b))[0].userns_base // 0' \
    "$1.root/etc/bulkhead/appliance.json") + $3 ))
}
# fails NAME: the build failed with exit status 1 and left nothing behind.
fails() { [ "$1" -eq 1 ] && [ -z "$(find . -maxdepth 1 -name "$2*" ! -name "$2.yml" ! -name "$2.err" ! -name "$2.out")" ]; }

# ---- an OCI layout: layers, whiteouts, metadata ----
build oci <<'YAML'
name: oci
services:
  - name: app
    image: oci:layout:app
YAML
check "an OCI layout without a command builds (its Entrypoint and Cmd are the command)" test $? -eq 0
unpacked oci
# rootfs_checks NAME CONTAINER: what the three layers of the test image leave.
rootfs_checks() {
  local n=$1 at=containers/services/$2/rootfs what=$3
  check "$what: layer 1's busybox is there" listed "$n" "^-rwxr-xr-x .* $at/bin/busybox\$"
  check "$what: the file layer 2 whites out is gone" not listed "$n" " $at/srv/app/gone\$"
  check "  ... and layer 2's own file is there" listed "$n" " $at/srv/app/new\$"
  check "  ... and the whiteout entry itself is not" not listed "$n" "\.wh\."
  check "$what: the opaque directory lost the lower layer's file" not listed "$n" " $at/opq/lower\$"
  check "  ... and its subdirectory" not listed "$n" " $at/opq/keep"
  check "  ... and kept the upper layer's, listed before the opaque marker" listed "$n" " $at/opq/upper\$"
  local uid gid
  uid=$(in_range "$n" "containers/services/$2" 1000) gid=$(in_range "$n" "containers/services/$2" 1001)
  check "$what: owner and mode kept (srv/app 1000:1001 in its user range: $uid:$gid, 0751)" \
    listed "$n" "^drwxr-x--x +[0-9]+ +$uid +$gid .* $at/srv/app\$"
  check "$what: the setuid bit kept" listed "$n" "^-rwsr-xr-x .* $at/bin/suid\$"
  check "$what: the image's device node (c 1,3 at /etc/null) is dropped" not listed "$n" "^[cb].* $at/"
  check "  ... and the build says so, naming it" \
    grep -q "^note: $2: dropped 1 device node from the image (first: /etc/null); containers get /dev from the runtime\$" "$n.err"
  check "$what: the mount points the runtime needs are added" listed "$n" "^drwxrwxrwt .* $at/tmp\$"
}
not() { ! "$@"; }
rootfs_checks oci app "oci:"
check "Entrypoint + Cmd became process.args" \
  config oci app --arg s "$IMAGE_SCRIPT" '.process.args == ["/bin/busybox", "sh", "-c", $s, "entry", "one", "two"]'
check "the image's Env is in process.env, its PATH replacing the default" \
  config oci app '.process.env == ["PATH=/bin", "FOO=from-image"]'
check "WorkingDir became process.cwd" config oci app '.process.cwd == "/srv/app"'

# ---- the manifest over the image config ----
build over <<'YAML'
name: over
services:
  - name: app
    image: oci:layout:app
    command: ["mine"]
    env: [FOO=mine, NEW=1]
    cwd: /tmp
YAML
check "an OCI image with command, env and cwd builds" test $? -eq 0
unpacked over
check "the manifest's command replaces Cmd and keeps the Entrypoint (Docker's rule)" \
  config over app --arg s "$IMAGE_SCRIPT" '.process.args == ["/bin/busybox", "sh", "-c", $s, "entry", "mine"]'
check "env merges, the manifest winning per key" config over app '.process.env == ["PATH=/bin", "FOO=mine", "NEW=1"]'
check "the manifest's cwd wins over WorkingDir" config over app '.process.cwd == "/tmp"'

# ---- docker save, an archived layout, a digest ----
digest=$(image_digest layout app)
build others <<YAML
name: others
services:
  - name: docker
    image: docker-archive:app.tar
    userns: {base: 200000} # one range: one copy of one image
  - name: tagged
    image: docker-archive:app.tar:app:v1
    userns: {base: 200000}
  - name: archived
    image: oci:layout.tar:v2
  - name: bydigest
    image: oci:layout@$digest
    readonly: false
YAML
check "docker-archive:, its tag, an archived layout and a digest build" test $? -eq 0
[ -s others.err ] && diag <others.err
unpacked others
rootfs_checks others docker "docker-archive:"
check "docker-archive: its config's Entrypoint and Cmd became process.args" \
  config others docker --arg s "$IMAGE_SCRIPT" '.process.args == ["/bin/busybox", "sh", "-c", $s, "entry", "one", "two"]'
check "  ... and WorkingDir the cwd" config others docker '.process.cwd == "/srv/app"'
check "docker-archive:PATH:NAME:TAG is the same image: shared with the untagged one" \
  config others tagged '.root.path == "../../../containers/services/docker/rootfs"'
rootfs_checks others archived "an archived OCI layout"
check "oci:PATH@DIGEST, writable, has a rootfs of its own" config others bydigest '.root.path == "rootfs" and .root.readonly == false'
check "  ... with the layers applied" listed others " containers/services/bydigest/rootfs/opq/upper\$"

# ---- tarballs ----
# One container per compression: different files, so each has a rootfs of its own.
{
  printf 'name: tars\nonboot:\n  - name: plain\n    image: tar:rootfs.tar\n    command: ["/bin/busybox", "cat", "/etc/x"]\n'
  for z in gz xz zst bz2; do
    printf '  - name: %s\n    image: tar:rootfs.tar.%s\n    command: ["/bin/busybox", "true"]\n' $z $z
  done
} | build tars
check "tar: images build, plain and compressed with gzip, xz, zstd and bzip2" test $? -eq 0
unpacked tars
i=0
for name in plain gz xz zst bz2; do
  uid=$(in_range tars "containers/onboot/0$i-$name" 7) gid=$(in_range tars "containers/onboot/0$i-$name" 8)
  check "tar: $name: its file with owner 7:8 (in its user range: $uid:$gid) and mode 0604" \
    listed tars "^-rw----r-- +[0-9]+ +$uid +$gid .* containers/onboot/0$i-$name/rootfs/etc/x\$"
  i=$((i + 1))
done
check "tar: the content is the tarball's" grep -qx "from a tarball" tars.root/containers/onboot/00-plain/rootfs/etc/x

# ---- one image, one copy ----
build shared <<'YAML'
name: shared
services:
  - name: one
    image: oci:layout:app
    userns: {base: 200000} # one range: one copy of one image
  - name: two
    image: oci:layout:v2
    userns: {base: 200000}
  - name: three
    image: oci:./layout:app
    userns: {base: 200000}
  - name: writer
    image: oci:layout:app
    readonly: false
YAML
check "four containers on one image build" test $? -eq 0
unpacked shared
check "three read-only containers and a writable one: two copies of the image in the initrd" \
  test "$(grep -c 'rootfs/bin/busybox$' shared.list)" -eq 2
for c in two three; do
  check "$c's root.path is one's rootfs" config shared $c '.root.path == "../../../containers/services/one/rootfs"'
done
check "the writable container has its own rootfs" listed shared " containers/services/writer/rootfs/opq/upper\$"
check "the size summary reports the shared image" grep -q 'two .*image oci:layout:v2 shared with one' shared.out
single=$(stat -c %s oci/initrd.img) four=$(stat -c %s shared/initrd.img)
check "the initrd of four containers ($four bytes) is not three times that of one ($single bytes)" \
  test "$four" -lt $((single * 3))

# ---- refused at manifest load, with the manifest's line ----
# refused NAME IMAGE MESSAGE: a manifest naming IMAGE fails at 4:12 with MESSAGE.
refused() {
  printf 'name: bad\nservices:\n  - name: app\n    image: "%s"\n' "$2" | build "bad-$1"
  local status=$?
  check "$1: exit 1 and nothing written" fails $status "bad-$1"
  check "  ... $3" grep -qxF "bad-$1.yml:4:12: image \"$2\": $3" "bad-$1.err"
  [ "$tap_failed" -eq 0 ] || diag <"bad-$1.err"
}
refused unknown-tag oci:layout:nope 'no image tagged "nope" (tags: app, v2, other)'
refused ambiguous oci:layout 'index.json lists 2 images; name one as oci:PATH:TAG (tags: app, v2, other) or oci:PATH@DIGEST'
refused unknown-digest oci:layout@sha256:$(printf '0%.0s' $(seq 64)) \
  "no image with digest sha256:$(printf '0%.0s' $(seq 64)) (digests: $digest, $(image_digest layout other))"
refused docker-tag docker-archive:app.tar:nginx 'no images tagged "nginx" (tags: docker.io/library/app:v1)'
refused docker-as-oci oci:app.tar:v1 'not an OCI image layout (./app.tar has no oci-layout); it looks like docker save output: use docker-archive:PATH'
refused oci-as-docker docker-archive:layout 'not a docker save archive (./layout/manifest.json: No such file or directory); it is an OCI image layout: use oci:PATH'
refused missing-tar tar:nowhere.tar.gz './nowhere.tar.gz: No such file or directory'
refused not-a-tar tar:layout/index.json './layout/index.json is not a tar archive libarchive can read: Unrecognized archive format'

cp -a layout tampered-config
config_digest=$(jq -r .config.digest "tampered-config/blobs/sha256/${digest#sha256:}")
config_blob=tampered-config/blobs/sha256/${config_digest#sha256:}
chmod u+w "$config_blob" && sed -i 's/from-image/from-IMAGE/' "$config_blob"
refused tampered-config oci:tampered-config:app \
  "blobs/sha256/${config_digest#sha256:}: digest mismatch: its content hashes to sha256:$(sha256sum <"$config_blob" | cut -d' ' -f1); refusing it (modified or corrupt)"

printf 'name: bad\nservices:\n  - name: app\n    image: tar:rootfs.tar\n' | build no-command
check "a tar: image still needs a command" grep -qxF 'no-command.yml:3:5: container "app" has no command; add command: ["/bin/echo", "hi"]' no-command.err

# ---- refused at build time, naming the container and the blob ----
# broken NAME IMAGE MESSAGE: building IMAGE fails with "container app: image "IMAGE": MESSAGE".
broken() {
  printf 'name: bad\nservices:\n  - name: app\n    image: "%s"\n    command: ["/bin/busybox", "true"]\n' "$2" |
    build "bad-$1"
  local status=$?
  check "$1: exit 1 and nothing written, not even a staging directory" fails $status "bad-$1"
  check "  ... $3" sh -c "grep -qF 'container app: image \"$2\": ' bad-$1.err && grep -qF -- '$3' bad-$1.err"
  [ "$tap_failed" -eq 0 ] || diag <"bad-$1.err"
}
layer=$(jq -r '.layers[0].digest' "layout/blobs/sha256/${digest#sha256:}")
cp -a layout tampered-layer
blob=tampered-layer/blobs/sha256/${layer#sha256:}
chmod u+w "$blob" && printf 'X' | dd of="$blob" bs=1 seek=5000 conv=notrunc 2>/dev/null
broken tampered-layer oci:tampered-layer:app \
  "layer 1 of 3 ($layer): digest mismatch: its content hashes to sha256:$(sha256sum <"$blob" | cut -d' ' -f1); refusing it (modified or corrupt)"

cp -a layout truncated-layer
blob=truncated-layer/blobs/sha256/${layer#sha256:}
size=$(stat -c %s "$blob")
chmod u+w "$blob" && truncate -s 1000 "$blob"
broken truncated-layer oci:truncated-layer:app "layer 1 of 3 ($layer): 1000 bytes where its descriptor says $size; refusing it"

# A docker archive's layer is checked against the config's diff_id: change
# one byte of busybox inside it, leaving a valid tar.
mkdir docker-tampered && tar -C docker-tampered -xf app.tar
big=$(cd docker-tampered && ls -S ./*.tar | head -n1)
diff_id=sha256:$(basename "$big" .tar)
chmod u+w "docker-tampered/$big" && printf 'X' | dd of="docker-tampered/$big" bs=1 seek=100000 conv=notrunc 2>/dev/null
tar -C docker-tampered -cf docker-tampered.tar .
broken docker-tampered docker-archive:docker-tampered.tar "layer 1 of 3 (diff_id $diff_id): digest mismatch"

head -c 300000 rootfs.tar.gz >cut.tar.gz
broken truncated-tarball tar:cut.tar.gz "cut.tar.gz: "

mkdir -p escape/inner && echo outside >escape/outside
tar -C escape/inner -cPf escape.tar ../outside 2>/dev/null
broken dotdot tar:escape.tar 'entry "../outside" points outside the image (absolute or with "..")'

# A layer's symlink to the builder's own directory: a later layer's files
# and whiteouts below it must not reach through.
mkdir -p victim link-layer/ up-layer/lnk && echo precious >victim/precious
ln -s "$work/victim" link-layer/lnk
touch up-layer/lnk/.wh.precious && echo planted >up-layer/lnk/planted
tar -C link-layer -cf link.tar lnk && tar -C up-layer -cf up.tar lnk
{ umoci init --layout hostile-layout && umoci new --image hostile-layout:x &&
  umoci raw add-layer --image hostile-layout:x link.tar && umoci raw add-layer --image hostile-layout:x up.tar; } >/dev/null 2>&1
printf 'name: hostile\nservices:\n  - name: app\n    image: oci:hostile-layout\n    command: ["/x"]\n' | build hostile
check "a layer writing below a lower layer's symlink builds" test $? -eq 0
check "  ... and its whiteout did not delete the builder's file the symlink points at" grep -qx precious victim/precious
check "  ... nor did it plant a file there" test ! -e victim/planted
unpacked hostile
check "  ... the directory replaced the symlink inside the image" listed hostile "^d.* containers/services/app/rootfs/lnk\$"

# user: names looked up in an unpacked image's /etc/passwd and /etc/group,
# including a second read-only container that shares the first's rootfs.
build names <<'YAML'
name: names
services:
  - name: first
    image: tar:rootfs.tar.gz
    userns: {base: 200000} # one range: one copy of one image
    command: ["/bin/busybox", "true"]
  - name: app
    image: tar:rootfs.tar.gz
    userns: {base: 200000}
    user: app
    command: ["/bin/busybox", "true"]
  - name: grouped
    image: tar:rootfs.tar.gz
    user: "app:extra"
    command: ["/bin/busybox", "true"]
  - name: named
    image: oci:named-layout:named
YAML
check "user: names in tar: and oci: images build (exit $?)" test $? -eq 0
unpacked names
check "  ... user: app is the tarball's 1234:2345 with its extra group 3000" \
  config names app '.process.user | .uid == 1234 and .gid == 2345 and .additionalGids == [3000]'
check "  ... in the rootfs it shares with the first container" grep -q '^ *app .*image tar:rootfs.tar.gz shared with first' names.out
check "  ... user: app:extra takes group 3000" config names grouped '.process.user | .uid == 1234 and .gid == 3000'
check "  ... the OCI image config's User daemon is 41:42 from the image's passwd" \
  config names named '.process.user | .uid == 41 and .gid == 42'
check "  ... and no unpacked image is left in the output" test -z "$(find names -name 'unpack-*')"
build ghost <<'YAML'
name: ghost
services:
  - name: app
    image: tar:rootfs.tar.gz
    user: ghost
    command: ["/bin/busybox", "true"]
YAML
check "a user missing from the image fails the build with exit 1 and leaves nothing behind" fails $? ghost
check "a user missing from a tarball's /etc/passwd fails the build, pointing at the key" \
  grep -qx "ghost.yml:5:11: container app: user \"ghost\": no such user in the image's /etc/passwd; give a number or add the user" ghost.err

# An image whose /etc is a symlink: resolved inside the image (etc ->
# /real-etc finds the image's file), never on the builder (etc -> /etc must
# not find the host's daemon user).
mkdir -p linked-root/real-etc linked-root/bin && cp /bin/busybox linked-root/bin/ && ln -s /real-etc linked-root/etc
printf 'app:x:4321:4321::/:/bin/sh\n' >linked-root/real-etc/passwd && : >linked-root/real-etc/group
tar -C linked-root -cf linked.tar . && mkdir -p hostlink-root/bin && ln -s /etc hostlink-root/etc && tar -C hostlink-root -cf hostlink.tar .
printf 'name: linked\nservices:\n  - name: app\n    image: tar:linked.tar\n    user: app\n    command: ["/bin/busybox", "true"]\n' |
  build linked
check "an image's etc -> /real-etc symlink is followed inside the image (exit $?)" test $? -eq 0
unpacked linked
check "  ... user app is its 4321" config linked app '.process.user.uid == 4321'
printf 'name: hostlink\nservices:\n  - name: app\n    image: tar:hostlink.tar\n    user: daemon\n    command: ["/bin/true"]\n' |
  build hostlink
check "an image's etc -> /etc symlink never reaches the builder's /etc/passwd" \
  grep -q 'user "daemon": no such user in the image' hostlink.err

done_testing
