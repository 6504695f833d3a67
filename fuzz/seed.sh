#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# usage: fuzz/seed.sh: regenerates the seed corpora under fuzz/corpus/ from
# the tests and examples (run from the top of the tree after make all; it
# builds examples/*.yml to take their config.json and appliance.json). The
# corpora are checked in; make check replays them (tests/fuzz-replay.t).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
corpus=fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p $corpus/{manifest,config,appliance,oci,unpack}

# manifest: every bad case of the tests, and the examples
for f in tests/manifests/bad/*.yml examples/*.yml; do
  cp "$f" "$corpus/manifest/$(basename "$(dirname "$f")")-$(basename "$f")"
done

# config and appliance: what the builder writes for the examples, and the
# runtime's default spec
(cd "$work" && "$OLDPWD/$BUILD/bin/bulkhead-runtime" spec >/dev/null 2>&1 || true)
[ -f "$work/config.json" ] && cp "$work/config.json" $corpus/config/spec.json
for example in examples/*.yml; do
  name=$(basename "$example" .yml)
  "$BUILD/bin/bulkhead" build -q "$example" -o "$work/$name" >/dev/null 2>&1 || continue
  mkdir -p "$work/$name.root"
  (cd "$work/$name.root" && zcat "../$name/initrd.img" | cpio -id --quiet 'containers/*/config.json' 'etc/bulkhead/appliance.json' 2>/dev/null) || true
  cp "$work/$name.root/etc/bulkhead/appliance.json" "$corpus/appliance/$name.json"
  find "$work/$name.root/containers" -name config.json | while read -r c; do
    # the harness's bundle has its rootfs beside config.json
    jq '.root.path = "rootfs"' "$c" >"$corpus/config/$name-$(basename "$(dirname "$c")").json"
  done
done

# config: resources, and quantities out of range (refused, never wrapped)
spec=$corpus/config/spec.json
jq '.linux.cgroupsPath = "/fuzz" | .linux.resources = {"cpu": {"shares": 1024, "quota": 50000, "period": 100000}, "memory": {"limit": -1}, "pids": {"limit": 64}, "blockIO": {"weight": 500, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]}}' $spec >$corpus/config/resources.json
jq '.linux.cgroupsPath = "/fuzz" | .linux.resources = {"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": -1}]}}' $spec >$corpus/config/negative-rate.json
jq '.linux.cgroupsPath = "/fuzz" | .linux.resources = {"memory": {"limit": -2}}' $spec >$corpus/config/memory-below-minus-one.json
jq '.linux.seccomp.syscalls += [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 65537}]' $spec >$corpus/config/errno-wraps.json

# json-plain: the same config.json texts, read by the plain parser and by
# jansson (the hand-made seeds beside them stay)
mkdir -p $corpus/json-plain
for c in $corpus/config/*.json; do cp "$c" "$corpus/json-plain/config-$(basename "$c")"; done

# oci: recipes for fuzz/oci.c (byte 0 the mode, then NUL-separated parts)
oci_manifest='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"@CONFIG@","size":@CSIZE@},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"@LAYER@","size":@LSIZE@}]}'
oci_config='{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"],"Env":["PATH=/bin","A=b"],"WorkingDir":"srv","User":"1000:1000"},"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}'
oci_index() { printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"@MANIFEST@","size":@MSIZE@%s}]}' "$1"; }
tag=',"annotations":{"org.opencontainers.image.ref.name":"latest"}'
printf 'a' >"$work/layer"; tar --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$work/layer.tar" layer
recipe() { # FILE MODE PART...
  local out=$1 mode=$2; shift 2
  { printf "\\x$mode"; local first=1; for p in "$@"; do [ $first = 1 ] || printf '\0'; first=0; printf '%s' "$p"; done; } >"$out"
}
recipe $corpus/oci/oci-plain 00 '{"imageLayoutVersion":"1.0.0"}' "$(oci_index '')" "$oci_manifest" "$oci_config" ""
recipe $corpus/oci/oci-tag 04 '{"imageLayoutVersion":"1.0.0"}' "$(oci_index "$tag")" "$oci_manifest" "$oci_config" ""
recipe $corpus/oci/oci-digest 08 '{"imageLayoutVersion":"1.0.0"}' "$(oci_index "$tag")" "$oci_manifest" "$oci_config" ""
recipe $corpus/oci/oci-index-of-index 00 '{"imageLayoutVersion":"1.0.0"}' \
  '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"@MANIFEST@","size":@MSIZE@}]}' "$oci_manifest" "$oci_config" ""
{ printf '\x00'; printf '{"imageLayoutVersion":"1.0.0"}\0%s\0%s\0%s\0' "$(oci_index '')" "$oci_manifest" "$oci_config"; cat "$work/layer.tar"; } >$corpus/oci/oci-layer
docker_manifest='[{"Config":"@CONFIGNAME@","RepoTags":["example:latest","docker.io/library/other"],"Layers":["@LAYERNAME@"]}]'
docker_config='{"config":{"Cmd":["/bin/true"],"Env":["X=1"]},"rootfs":{"type":"layers","diff_ids":["@DIFFID@"]}}'
recipe $corpus/oci/docker-plain 01 "$docker_manifest" "$docker_config" ""
recipe $corpus/oci/docker-tag 0d "$docker_manifest" "$docker_config" ""
{ printf '\x01'; printf '%s\0%s\0' "$docker_manifest" "$docker_config"; cat "$work/layer.tar"; } >$corpus/oci/docker-layer
mkdir -p "$work/tarlayout/blobs/sha256"; printf '{"imageLayoutVersion":"1.0.0"}' >"$work/tarlayout/oci-layout"
printf '{"schemaVersion":2,"manifests":[]}' >"$work/tarlayout/index.json"
{ printf '\x02'; tar --mtime=@0 --owner=0 --group=0 --numeric-owner --sort=name -C "$work/tarlayout" -cf - .; } >$corpus/oci/oci-archive

# unpack: layers with the entries that must stay inside the unpack
# directory (escapes by name, by symlink, by hard link, by whiteout) and
# the ordinary ones beside them
python3 - "$corpus/unpack" <<'PY'
import io, sys, tarfile
out = sys.argv[1]
def layer(name, entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for e in entries:
            kind, path = e[0], e[1]
            i = tarfile.TarInfo(path)
            i.mode = 0o755 if kind == "dir" else 0o644
            data = b""
            if kind == "dir": i.type = tarfile.DIRTYPE
            elif kind == "sym": i.type, i.linkname = tarfile.SYMTYPE, e[2]
            elif kind == "hard": i.type, i.linkname = tarfile.LNKTYPE, e[2]
            elif kind == "fifo": i.type = tarfile.FIFOTYPE
            else: data = e[2] if len(e) > 2 else b"x\n"
            i.size = len(data)
            t.addfile(i, io.BytesIO(data))
    open(f"{out}/{name}", "wb").write(buf.getvalue())
layer("plain", [("dir", "etc"), ("file", "etc/passwd", b"root:x:0:0::/:/bin/sh\n"), ("sym", "bin", "usr/bin"), ("dir", "usr/bin"), ("file", "usr/bin/sh"), ("hard", "usr/bin/ash", "usr/bin/sh"), ("fifo", "run/fifo")])
layer("whiteouts", [("dir", "a"), ("file", "a/x"), ("file", "a/.wh.x"), ("dir", "opq"), ("file", "opq/.wh..wh..opq"), ("file", "opq/new"), ("file", ".wh..wh.plnk")])
layer("whiteout-dotdot", [("dir", "a"), ("file", "a/.wh..."), ("file", ".wh...")])
layer("whiteout-dot", [("dir", "a"), ("file", "a/f"), ("file", "a/.wh.."), ("file", ".wh..")])
layer("whiteout-empty", [("file", "f"), ("file", ".wh.")])
layer("escape-dotdot", [("file", "../sentinel-file", b"escaped\n"), ("file", "a/../../sentinel/etc/passwd")])
layer("escape-absolute", [("file", "/tmp/escaped"), ("sym", "abs", "/")])
layer("escape-symlink", [("sym", "out", "../sentinel"), ("file", "out/etc/passwd", b"escaped\n"), ("dir", "out/new")])
layer("escape-symlink-dir", [("sym", "up", ".."), ("file", "up/sentinel-file", b"escaped\n"), ("file", "up/sentinel/etc/passwd")])
layer("escape-hardlink", [("hard", "pw", "../sentinel/etc/passwd"), ("sym", "s", "../sentinel"), ("hard", "pw2", "s/etc/passwd"), ("file", "pw2", b"escaped\n")])
layer("escape-whiteout-symlink", [("sym", "s", "../sentinel"), ("file", "s/.wh.etc"), ("sym", "l", ".."), ("file", "l/.wh.sentinel-file")])
layer("escape-hardlink-through-symlink", [("sym", "s", "../sentinel"), ("hard", "pw", "s/etc/passwd"), ("file", "pw", b"escaped\n")])
layer("escape-symlink-then-dir", [("sym", "d", "../sentinel/etc"), ("dir", "d"), ("file", "d/passwd", b"escaped\n")])
layer("replace-dir", [("dir", "d/sub"), ("file", "d/sub/x"), ("file", "d"), ("sym", "e", "../sentinel"), ("dir", "e")])
PY
ls $corpus/* | wc -l
