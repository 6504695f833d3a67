#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Inputs the first fuzzing run broke the builder with, seen from outside:
# the exit status, the message, what lands in the image, and that the build
# ends at all (a FIFO or a device where a file is expected used to block it
# forever: each build here runs under a timeout that tells a hang apart).
# The numeric range errors and depends_on cycles are bad-manifest cases in
# tests/manifests/bad (manifest-errors.t).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip_all "jq is not installed (make deps installs it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# build NAME: builds $work/NAME.yml into $work/NAME within 60 s; sets
# status (124: it hung) and message (its stderr).
build() { # NAME [BUILD OPTION...]
  local name=$1
  shift
  timeout -s KILL 60 "$BULKHEAD" build -q "$work/$name.yml" -o "$work/$name" "$@" >/dev/null 2>"$work/$name.err"
  status=$?
  message=$(cat "$work/$name.err")
}

manifest() { # NAME IMAGE [EXTRA YAML LINE]
  printf 'name: %s\nservices:\n  - name: app\n    image: %s\n    command: ["/bin/true"]\n%s' "$1" "$2" "${3:-}" >"$work/$1.yml"
}

# --- paths: with one key (was a SEGV: the unseen keys' slots were read)
manifest paths busybox '    paths: {read: [/etc]}
'
build paths
check "paths: {read: [/etc]} builds (status $status)" test "$status" -eq 0
mkdir -p "$work/paths.root"
(cd "$work/paths.root" && zcat ../paths/initrd.img | cpio -id --quiet 'containers/services/app/config.json' 2>/dev/null)
rule=$(jq -r '.process.landlock.rules.pathBeneath[] | select(.paths == ["/etc"]) | .allowedAccess | join(",")' \
  "$work/paths.root/containers/services/app/config.json" 2>/dev/null)
check "  ... with /etc readable, as paths.read says (got \"$rule\")" test "$rule" = "read_file,read_dir"

# --- user ids beyond 32 bits wrapped to 0 (root); they are out of range
for user in 4294967296 4294967296:0 0:4294967296 18446744073709551616; do
  manifest uid busybox "    user: \"$user\"
"
  build uid
  check "user: $user is refused (status $status), never root" \
    sh -c "[ $status -eq 1 ] && grep -q 'user \"$user\": ids above 65534 do not map' '$work/uid.err'"
done
manifest uid busybox '    user: "65534"
'
build uid
check "  ... and user: 65534 builds (status $status)" test "$status" -eq 0

# --- FIFOs and devices where an image, a blob or a profile is expected
mkfifo "$work/image.fifo" "$work/profile.fifo"
for kind in oci docker-archive; do
  manifest "fifo-$kind" "$kind:image.fifo"
  build "fifo-$kind"
  check "$kind: on a FIFO ends (status $status, not a hang)" test "$status" -eq 1
  check "  ... saying what is wrong" grep -q 'image.fifo is neither a directory nor a regular file' "$work/fifo-$kind.err"
done
manifest char-device oci:/dev/zero
# With the context widened to all: the file's type is what must refuse it.
build char-device --context /
check "oci:/dev/zero is refused (status $status): $message" \
  sh -c "[ $status -eq 1 ] && grep -q '/dev/zero is neither a directory nor a regular file' '$work/char-device.err'"
manifest fifo-seccomp busybox '    seccomp: profile.fifo
'
build fifo-seccomp
check "seccomp: a FIFO is refused (status $status): $message" \
  sh -c "[ $status -eq 1 ] && grep -q 'seccomp \"profile.fifo\" is not a regular file' '$work/fifo-seccomp.err'"

if command -v umoci >/dev/null && [ "$(id -u)" -eq 0 ]; then
  # An OCI layout whose config blob is a FIFO: opened without blocking, refused.
  umoci init --layout "$work/fifolayout" && umoci new --image "$work/fifolayout:app" >/dev/null 2>&1
  config=$(jq -r '.manifests[0].digest' "$work/fifolayout/index.json" | sed 's/sha256://')
  config=$(jq -r '.config.digest' "$work/fifolayout/blobs/sha256/$config" | sed 's/sha256://')
  rm -f "$work/fifolayout/blobs/sha256/$config" && mkfifo "$work/fifolayout/blobs/sha256/$config"
  manifest fifo-blob oci:fifolayout:app
  build fifo-blob
  check "a FIFO as a blob of an OCI layout is refused (status $status): $message" \
    sh -c "[ $status -eq 1 ] && grep -q 'blobs/sha256/$config is not a file' '$work/fifo-blob.err'"

  # --- whiteouts that name no entry: .wh... (the parent), .wh.. (the directory itself)
  for evil in '.wh...' '.wh..' 'etc/.wh...'; do
    name=wh$(echo "$evil" | tr -c 'a-z\n' 'x')
    rm -rf "$work/$name.layer" && mkdir -p "$work/$name.layer/etc"
    echo kept >"$work/$name.layer/etc/kept"
    touch "$work/$name.layer/$evil"
    tar -C "$work/$name.layer" -cf "$work/$name.tar" etc "$evil"
    umoci init --layout "$work/$name.layout" && umoci new --image "$work/$name.layout:app" >/dev/null 2>&1
    umoci raw add-layer --image "$work/$name.layout:app" "$work/$name.tar" >/dev/null 2>&1
    manifest "$name" "oci:$name.layout:app"
    build "$name"
    check "a layer with whiteout $evil is refused (status $status)" test "$status" -eq 1
    check "  ... naming the layer and the entry: $message" \
      grep -q "layer 1 of 1 (sha256:[0-9a-f]*): whiteout entry \"$evil\" names no file" "$work/$name.err"
    check "  ... and nothing is written" test ! -e "$work/$name"
  done
  # The allowed neighbour: a whiteout of a file of the layer below.
  rm -rf "$work/ok.layer" && mkdir -p "$work/ok.layer/etc" && echo gone >"$work/ok.layer/etc/gone"
  tar -C "$work/ok.layer" -cf "$work/ok1.tar" etc
  rm "$work/ok.layer/etc/gone" && touch "$work/ok.layer/etc/.wh.gone" && echo kept >"$work/ok.layer/etc/kept"
  tar -C "$work/ok.layer" -cf "$work/ok2.tar" etc
  umoci init --layout "$work/ok.layout" && umoci new --image "$work/ok.layout:app" >/dev/null 2>&1
  umoci raw add-layer --image "$work/ok.layout:app" "$work/ok1.tar" >/dev/null 2>&1
  umoci raw add-layer --image "$work/ok.layout:app" "$work/ok2.tar" >/dev/null 2>&1
  manifest whiteout-ok oci:ok.layout:app '    readonly: false
'
  build whiteout-ok
  check "a whiteout of a lower layer's file builds (status $status): $message" test "$status" -eq 0
  listing=$(zcat "$work/whiteout-ok/initrd.img" | cpio -t --quiet 2>/dev/null | grep 'containers/services/app/rootfs/etc/')
  check "  ... the file is gone and its neighbour kept" \
    sh -c "echo '$listing' | grep -q 'etc/kept\$' && ! echo '$listing' | grep -q 'etc/gone'"
else
  ok "# SKIP the OCI layout cases need umoci and root"
fi
done_testing
