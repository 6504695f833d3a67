#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The SBOM every build writes (sbom.spdx.json), observed on disk and through
# bulkhead sbom: an SPDX 2.3 document, byte-identical from one build to the
# next; digests equal to sha256sum of what was packed; an image's packages
# exactly as its dpkg status or apk database lists them as installed, or
# busybox's own version; hostile package databases neither crash the build
# nor bring in anything from outside the image. Last, the Python example's
# SBOM against dpkg -l in its image (needs the package mirror).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
[ -f "$BUILD/kernel/vmlinuz" ] || skip_all "no kernel at $BUILD/kernel/vmlinuz (make deps unpacks it)"
[ -x /bin/busybox ] || skip_all "no /bin/busybox (make deps installs busybox-static)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A Debian-like image: installed packages, one held, one removed (deinstall),
# one with only its config files left, one record without a Version.
mkdir -p deb/var/lib/dpkg deb/bin
cp /bin/busybox deb/bin/sh
cat >deb/var/lib/dpkg/status <<'EOF'
Package: zlib1g
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime
 zlib is a library implementing the deflate compression method.

Package: libc6
Status: hold ok installed
Architecture: amd64
Version: 2.36-9+deb12u9

Package: removed-tool
Status: deinstall ok not-installed
Architecture: amd64
Version: 1.0-1

Package: configs-left
Status: deinstall ok config-files
Architecture: all
Version: 2.0-1

Package: no-version
Status: install ok installed
Architecture: amd64

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2025b-0+deb12u1
EOF

# An Alpine-like image: apk's installed database.
mkdir -p apk/lib/apk/db apk/bin
cp /bin/busybox apk/bin/sh
cat >apk/lib/apk/db/installed <<'EOF'
C:Q1abc=
P:musl
V:1.2.5-r0
A:x86_64
S:402410
T:the musl c library (libc) implementation

C:Q1def=
P:busybox
V:1.36.1-r29
A:x86_64
T:Size optimized toolbox of many common UNIX utilities
EOF

# An Ubuntu-like image: its os-release (usr/lib, with etc's a symlink to
# it, as Debian and Ubuntu have it) names the distribution of its purls.
mkdir -p ubu/var/lib/dpkg ubu/usr/lib ubu/etc ubu/bin
cp /bin/busybox ubu/bin/sh
printf 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n' >ubu/usr/lib/os-release
ln -s ../usr/lib/os-release ubu/etc/os-release
printf 'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.35-0ubuntu3.8\n' >ubu/var/lib/dpkg/status

# A busybox image with no package database: busybox's version string says.
mkdir -p bb/bin
cp /bin/busybox bb/bin/busybox

# Hostile images. A status file with a 1 MiB line and a record cut short;
# one that is a symlink out of the image (to the host's /etc/shadow, and
# to a file beside the image with a record of its own); one whose
# var/lib/dpkg is an absolute symlink to that place outside; one that is a
# FIFO; one larger than the bound (sparse).
mkdir -p outside long/var/lib/dpkg long/bin shadow/var/lib/dpkg shadow/bin beside/var/lib/dpkg beside/bin \
  dirlink/var/lib dirlink/bin fifo/var/lib/dpkg fifo/bin huge/var/lib/dpkg huge/bin
printf 'Package: leaked\nStatus: install ok installed\nArchitecture: amd64\nVersion: 6.6.6\n' >outside/status
for d in long shadow beside dirlink fifo huge; do cp /bin/busybox $d/bin/sh; done
{
  printf 'Package: before-the-long-line\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n\n'
  printf 'Package: '; head -c 1048576 /dev/zero | tr '\0' 'x'; printf '\nStatus: install ok installed\nVersion: 2\n\n'
  printf 'Description: '; head -c 1048576 /dev/zero | tr '\0' 'y'; printf '\n\n'
  printf 'Package: after-the-long-line\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3\n\n'
  printf 'Package: carriage-return\nStatus: install ok\rinstalled\nVersion: 4\n\n'
  printf 'Package: cut-short\nStatus: install ok'
} >long/var/lib/dpkg/status
ln -s /etc/shadow shadow/var/lib/dpkg/status
ln -s "$work/outside/status" beside/var/lib/dpkg/status
ln -s "$work/outside" dirlink/var/lib/dpkg
mkfifo fifo/var/lib/dpkg/status
truncate -s 65M huge/var/lib/dpkg/status

cat >app.yml <<'EOF'
name: sbom
onboot:
  - name: first
    image: busybox
    command: ["/bin/true"]
services:
  - name: debian
    image: dir:deb
    command: ["/bin/sh"]
  - name: alpine
    image: dir:apk
    command: ["/bin/sh"]
  - name: ubuntu
    image: dir:ubu
    command: ["/bin/sh"]
  - name: plain
    image: dir:bb
    command: ["/bin/busybox", "true"]
  - name: again
    image: busybox
    command: ["/bin/true"]
  - name: long
    image: dir:long
    command: ["/bin/sh"]
  - name: shadow
    image: dir:shadow
    command: ["/bin/sh"]
  - name: beside
    image: dir:beside
    command: ["/bin/sh"]
  - name: dirlink
    image: dir:dirlink
    command: ["/bin/sh"]
  - name: fifo
    image: dir:fifo
    command: ["/bin/sh"]
  - name: huge
    image: dir:huge
    command: ["/bin/sh"]
EOF

timeout 120 "$BULKHEAD" build -q app.yml -o a >a.log 2>&1
check "a build with hostile package databases succeeds (exit $?)" test $? -eq 0
diag <a.log
sbom=a/sbom.spdx.json
check "the build writes sbom.spdx.json beside its outputs" test -s "$sbom"
timeout 120 "$BULKHEAD" build -q app.yml -o b >b.log 2>&1
check "two builds of one manifest give byte-identical SBOMs" cmp "$sbom" b/sbom.spdx.json
SOURCE_DATE_EPOCH=1700000000 timeout 120 "$BULKHEAD" build -q app.yml -o c >c.log 2>&1
check "created is SOURCE_DATE_EPOCH ($(jq -r .creationInfo.created c/sbom.spdx.json))" \
  test "$(jq -r .creationInfo.created c/sbom.spdx.json)" = 2023-11-14T22:13:20Z
check "  ... and 0 without it" test "$(jq -r .creationInfo.created "$sbom")" = 1970-01-01T00:00:00Z
check "the namespace follows the content: another time stamp, another namespace" \
  test "$(jq -r .documentNamespace "$sbom")" != "$(jq -r .documentNamespace c/sbom.spdx.json)"
check "no host path of the build is written into it" sh -c "! grep -q '$work' '$sbom'"

check "it is JSON with spdxVersion SPDX-2.3, dataLicense CC0-1.0 and SPDXRef-DOCUMENT" \
  quietly jq -e '.spdxVersion == "SPDX-2.3" and .dataLicense == "CC0-1.0" and .SPDXID == "SPDXRef-DOCUMENT"' "$sbom"
check "  ... with a name, a namespace URI, created and a creator" \
  quietly jq -e '(.name == "sbom") and (.documentNamespace | test("^https://[^#]+$")) and
    (.creationInfo.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")) and
    (.creationInfo.creators | length > 0 and all(test("^(Tool|Organization|Person): ")))' "$sbom"
check "every package has an SPDXID, a name and a downloadLocation" \
  quietly jq -e '[.packages[] | (.SPDXID | test("^SPDXRef-[A-Za-z0-9.-]+$")) and (.name | length > 0) and has("downloadLocation")] | all' "$sbom"
check "SPDXIDs are unique" quietly jq -e '[.packages[].SPDXID] | length == (unique | length)' "$sbom"
check "every relationship names elements of the document" \
  quietly jq -e '([.packages[].SPDXID] + ["SPDXRef-DOCUMENT"]) as $ids |
    [.relationships[] | (.spdxElementId | IN($ids[])) and (.relatedSpdxElement | IN($ids[]))] | all' "$sbom"
check "the document DESCRIBES the appliance" \
  quietly jq -e '[.relationships[] | select(.spdxElementId == "SPDXRef-DOCUMENT" and .relationshipType == "DESCRIBES")
    | .relatedSpdxElement] == ["SPDXRef-Appliance"]' "$sbom"

sha() { jq -r --arg id "$1" '.packages[] | select(.SPDXID == $id) | .checksums[] | select(.algorithm == "SHA256") | .checksumValue' "$sbom"; }
contains() { jq -r --arg id "$1" '.relationships[] | select(.spdxElementId == $id and .relationshipType == "CONTAINS") | .relatedSpdxElement' "$sbom"; }
check "the appliance CONTAINS the kernel, the init and the runtime" \
  test "$(contains SPDXRef-Appliance | head -n3 | tr '\n' ' ')" = "SPDXRef-Kernel SPDXRef-Init SPDXRef-Runtime "
check "  ... and 11 images: one per distinct image (busybox, run twice, once)" test "$(contains SPDXRef-Appliance | grep -c '^SPDXRef-Image-')" -eq 11
check "the kernel's sha256 is the packed kernel's" test "$(sha SPDXRef-Kernel)" = "$(sha256sum <a/kernel | cut -d' ' -f1)"
check "  ... its version the kernel's release ($(jq -r '.packages[] | select(.SPDXID == "SPDXRef-Kernel") | .versionInfo' "$sbom"))" \
  test "$(jq -r '.packages[] | select(.SPDXID == "SPDXRef-Kernel") | .versionInfo' "$sbom")" = \
  "$(basename "$(readlink -f "$BUILD/kernel/modules")")"
check "  ... GENERATED_FROM its config, whose sha256 is build/kernel/config's" \
  test "$(sha SPDXRef-Kernel-config)" = "$(sha256sum <"$BUILD/kernel/config" | cut -d' ' -f1)"
check "the init's sha256 is the one packed, build/bin/bulkhead-init's" \
  test "$(sha SPDXRef-Init)" = "$(sha256sum <"$BUILD/bin/bulkhead-init" | cut -d' ' -f1)"
mkdir x && (cd x && zcat ../a/initrd.img | cpio -id --quiet init 2>/dev/null)
check "  ... which is the initrd's /init" test "$(sha SPDXRef-Init)" = "$(sha256sum <x/init | cut -d' ' -f1)"
check "the runtime's sha256 is the library the init links, build/lib/libbulkhead-runtime.a" \
  test "$(sha SPDXRef-Runtime)" = "$(sha256sum <"$BUILD/lib/libbulkhead-runtime.a" | cut -d' ' -f1)"

# An image's packages by the container that first runs it: name version arch.
image_id() { jq -r --arg n "$1" '.packages[] | select(.SPDXID | test("^SPDXRef-Image-[0-9]+-" + $n + "$")) | .SPDXID' "$sbom"; }
packages_of() {
  local id; id=$(image_id "$1")
  jq -r --arg id "$id" '(.relationships | map(select(.spdxElementId == $id and .relationshipType == "CONTAINS")
    | .relatedSpdxElement)) as $ids | .packages[] | select(.SPDXID | IN($ids[]))
    | "\(.name) \(.versionInfo) \(.externalRefs[0].referenceLocator)"' "$sbom"
}
check "dpkg: exactly the installed packages (held too), no deinstalled, config-files or versionless one" \
  test "$(packages_of debian | tr '\n' ';')" = \
  'libc6 2.36-9+deb12u9 pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64;tzdata 2025b-0+deb12u1 pkg:deb/debian/tzdata@2025b-0%2Bdeb12u1?arch=all;zlib1g 1:1.2.13.dfsg-1 pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64;'
packages_of debian | diag
check "apk: the installed database's packages" test "$(packages_of alpine | tr '\n' ';')" = \
  'busybox 1.36.1-r29 pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64;musl 1.2.5-r0 pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64;'
check "an image's os-release names its purls' distribution and release" \
  test "$(packages_of ubuntu)" = 'libc6 2.35-0ubuntu3.8 pkg:deb/ubuntu/libc6@2.35-0ubuntu3.8?arch=amd64&distro=ubuntu-22.04'
bb_version=$(busybox --help 2>&1 | head -n1 | sed -n 's/^BusyBox v\([^ ]*\) .*/\1/p')
check "image: busybox holds busybox $bb_version, as busybox --help says" \
  test "$(packages_of first)" = "busybox $bb_version pkg:generic/busybox@$bb_version"
check "  ... and its digest is the sha256 of /bin/busybox packed" \
  test "$(sha "$(image_id first)")" = "$(sha256sum </bin/busybox | cut -d' ' -f1)"
check "  ... and it is run by first and again, listed once" \
  quietly jq -e --arg id "$(image_id first)" '.packages[] | select(.SPDXID == $id) | .comment | test("run by first, again;")' "$sbom"
check "a dir: image without a package database: busybox from its bin/busybox" \
  test "$(packages_of plain)" = "busybox $bb_version pkg:generic/busybox@$bb_version"
check "a 1 MiB line and a carriage return inside Status: the records around them are read, the long name cut to 256 bytes" \
  test "$(packages_of long | awk '{print $1}' | awk '{ print (length($0) > 40 ? "x" length($0) : $0) }' | tr '\n' ' ')" = \
  "after-the-long-line before-the-long-line carriage-return x256 "
for hostile in shadow beside dirlink fifo huge; do
  check "$hostile: no package, and nothing from outside the image" test -z "$(packages_of $hostile)"
done
check "the record beside the image was never read" sh -c "! grep -q leaked '$sbom'"

"$BULKHEAD" sbom a >show.txt 2>&1
check "bulkhead sbom DIR exits 0 (exit $?)" test $? -eq 0
diag <show.txt
check "  ... with a header and a row for the kernel with its release and digest" \
  grep -qE "^linux +$(basename "$(readlink -f "$BUILD/kernel/modules")") +sha256:$(sha SPDXRef-Kernel)\$" show.txt
check "  ... the init and the runtime" \
  sh -c "grep -qE '^bulkhead-init +[0-9.]+ +sha256:$(sha SPDXRef-Init)\$' show.txt && grep -qE '^bulkhead-runtime +[0-9.]+ +sha256:' show.txt"
check "  ... each image with its package count" \
  sh -c "grep -qE '^image dir:deb ' show.txt && grep -A1 '^image dir:deb ' show.txt | grep -qx '  3 packages'"
"$BULKHEAD" sbom --packages a/sbom.spdx.json >show-all.txt 2>&1
check "bulkhead sbom --packages FILE lists them: name, version, architecture" \
  grep -qE '^    zlib1g +1:1.2.13.dfsg-1 +amd64$' show-all.txt
check "bulkhead sbom --help says what it prints" sh -c "'$BULKHEAD' sbom --help | grep -q 'bulkhead sbom \[--packages\] DIR'"
check "bulkhead --help lists it" sh -c "'$BULKHEAD' --help | grep -q 'bulkhead sbom \[--packages\] DIR'"

echo '{"spdxVersion": "SPDX-2.3", "packages": [' >broken.json
"$BULKHEAD" sbom broken.json >err.txt 2>&1; status=$?
check "a file that is not JSON: exit 1, naming where ($(cat err.txt))" \
  sh -c "[ $status -eq 1 ] && grep -q '^bulkhead sbom: broken.json:[0-9]*:[0-9]*: not JSON' err.txt"
echo '{"spdxVersion": "SPDX-2.2", "packages": [], "relationships": []}' >old.json
"$BULKHEAD" sbom old.json >err.txt 2>&1; status=$?
check "an SPDX 2.2 document: exit 1, saying so ($(cat err.txt))" \
  sh -c "[ $status -eq 1 ] && grep -q 'not an SPDX 2.3 document: its spdxVersion is \"SPDX-2.2\"' err.txt"
"$BULKHEAD" sbom nowhere >err.txt 2>&1; status=$?
check "no such directory: exit 1 ($(cat err.txt))" sh -c "[ $status -eq 1 ] && grep -q 'nowhere: No such file or directory' err.txt"
"$BULKHEAD" sbom a/kernel >err.txt 2>&1; status=$?
check "a binary file: exit 1 ($(head -c 80 err.txt))" sh -c "[ $status -eq 1 ] && grep -q 'not JSON' err.txt"

# Archived images: each digest is the one that names the image.
. "$TOP/tests/images.sh"
if ! command -v umoci >/dev/null || ! command -v skopeo >/dev/null || [ "$(id -u)" -ne 0 ]; then
  ok "# SKIP oci:, docker-archive: and tar: digests: needs root, umoci and skopeo (make deps installs them)"
else
  mkdir imgs && make_images "$work/imgs"
  cat >imgs/app.yml <<'EOF'
name: archived
services:
  - name: layout
    image: oci:layout:app
  - name: saved
    image: docker-archive:app.tar:app:v1
  - name: tarball
    image: tar:rootfs.tar.gz
    command: ["/bin/busybox", "true"]
EOF
  timeout 120 "$BULKHEAD" build -q imgs/app.yml -o archived >archived.log 2>&1
  check "oci:, docker-archive: and tar: images build (exit $?)" test $? -eq 0
  diag <archived.log
  sbom=archived/sbom.spdx.json
  check "oci: its digest is the image manifest's digest in index.json" \
    test "sha256:$(sha "$(image_id layout)")" = "$(image_digest imgs/layout app)"
  config=$(tar -xOf imgs/app.tar manifest.json | jq -r '.[0].Config' | grep -oE '[0-9a-f]{64}')
  check "docker-archive: its digest is the image ID, the config's digest ($config)" \
    test "$(sha "$(image_id saved)")" = "$config"
  check "  ... and its version the tag the manifest chose" \
    quietly jq -e --arg id "$(image_id saved)" '.packages[] | select(.SPDXID == $id) | .versionInfo == "app:v1"' "$sbom"
  check "tar: its digest is the archive's sha256" \
    test "$(sha "$(image_id tarball)")" = "$(sha256sum <imgs/rootfs.tar.gz | cut -d' ' -f1)"
  check "  ... and busybox is found in each, as their bin/busybox says" \
    test "$(for c in layout saved tarball; do packages_of $c; done | sort -u)" = "busybox $bb_version pkg:generic/busybox@$bb_version"
fi

# The Python example: its image made from the package mirror by the
# Makefile's own script, then its SBOM against dpkg -l in the image.
if ! command -v mmdebstrap >/dev/null; then
  ok "# SKIP the Python example: mmdebstrap is not installed (make deps installs it)"
elif ! timeout 300 "$TOP/mk/python-image.sh" "$work/images/python.tar" >py-image.log 2>&1; then
  ok "# SKIP the Python example: mk/python-image.sh failed, the package mirror is needed ($(tail -n1 py-image.log))"
else
  mkdir -p py/examples && cp "$TOP/examples/python.yml" py/examples/ && mkdir -p py/build/images &&
    mv images/python.tar py/build/images/
  timeout 300 "$BULKHEAD" build -q py/examples/python.yml --context py -o py/out >py.log 2>&1
  check "examples/python.yml builds (exit $?)" test $? -eq 0
  diag <py.log
  mkdir pyroot && tar -xf py/build/images/python.tar -C pyroot --exclude='./dev/*' 2>/dev/null
  chroot pyroot dpkg -l | awk '/^[hi]i/ {sub(/:.*/, "", $2); print $2, $3, $4}' | sort >dpkg-l.txt
  sbom=py/out/sbom.spdx.json
  packages_of python | awk '{sub(/.*arch=/, "", $3); sub(/&.*/, "", $3); print $1, $2, $3}' | sort >sbom-python.txt
  check "the Python image's SBOM lists what dpkg -l in it lists as installed ($(wc -l <dpkg-l.txt) packages)" \
    sh -c "[ -s dpkg-l.txt ] && diff dpkg-l.txt sbom-python.txt"
  check "  ... python3-minimal among them" grep -q '^python3-minimal ' sbom-python.txt
  check "  ... each purl naming the release the image's os-release names (debian-$(. pyroot/usr/lib/os-release && echo "$VERSION_ID"))" \
    test "$(packages_of python | grep -vc "?arch=[a-z0-9]*&distro=debian-$(. pyroot/usr/lib/os-release && echo "$VERSION_ID")\$")" -eq 0
fi
done_testing
