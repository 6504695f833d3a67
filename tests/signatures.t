#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Image signatures, verified offline by bulkhead build: cosign-style (ECDSA
# P-256 over a simple-signing payload) and OpenPGP (gpgv), with keys and
# signatures made here by openssl and gpg over images made by
# tests/images.sh and a rootfs tarball. A good signature builds; a payload
# for another digest, a wrong key, a changed signature, a changed layer and
# an OpenPGP signature over SHA-1 each fail with MANIFEST:LINE:COL and
# nothing written; --require-signatures refuses an unsigned oci:,
# docker-archive: or tar: image and any dir: image (no digest to sign), and
# leaves busybox (the builder's own) alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/images.sh"
require_image_tools
for t in openssl gpg gpgv base64; do
  command -v $t >/dev/null || skip_all "$t is not installed (make deps installs it)"
done
[ -f "$BUILD/kernel/vmlinuz" ] || skip_all "no kernel at $BUILD/kernel/vmlinuz (make deps unpacks it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

make_images "$work"
check "umoci and skopeo made the test images" test -f app.tar -a -d layout
[ "$tap_failed" -eq 0 ] || { diag <make-images.log; done_testing; exit 1; }
digest=$(image_digest layout app)
# A docker archive holds no registry manifest: its image ID (the config's
# digest) is what the payload names.
config=$(tar -xOf app.tar manifest.json | jq -r '.[0].Config')
image_id=sha256:$(tar -xOf app.tar "$config" | sha256sum | cut -d' ' -f1)
zeros=sha256:$(printf '0%.0s' $(seq 64))
# A rootfs tarball, plain and gzipped: a tar: image's digest is its file's.
# The .gz replaces make_images' own, so that the tar inside it is this
# rootfs.tar, whose digest tgz-decompressed below must not match.
mkdir -p rootdir/bin && cp /bin/busybox rootdir/bin/busybox
tar -C rootdir -cf rootfs.tar . && gzip -knf rootfs.tar
tar_digest=sha256:$(sha256sum <rootfs.tar | cut -d' ' -f1)
tgz_digest=sha256:$(sha256sum <rootfs.tar.gz | cut -d' ' -f1)

# payload DIGEST FILE: a simple-signing payload naming DIGEST, as cosign writes it.
payload() {
  printf '{"critical":{"identity":{"docker-reference":"bulkhead.test/app"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
    "$1" >"$2"
}
# sign KEY PAYLOAD SIG: a cosign-style signature, base64 of openssl's DER ECDSA.
sign() { openssl dgst -sha256 -sign "$1" "$2" | base64 -w0 >"$3"; }

mkdir -m 700 keys gnupg
{
  for k in cosign other; do
    openssl ecparam -name prime256v1 -genkey -noout -out keys/$k.key &&
      openssl ec -in keys/$k.key -pubout -out keys/$k.pub
  done
  export GNUPGHOME=$work/gnupg
  for who in signer stranger; do
    gpg --batch --passphrase '' --quick-gen-key "$who <$who@bulkhead.invalid>" ed25519 sign never
  done
  gpg --batch --export signer@bulkhead.invalid >keys/signer.gpg
  gpg --batch --armor --export signer@bulkhead.invalid >keys/signer.asc
  gpg --batch --export stranger@bulkhead.invalid >keys/stranger.gpg
  # RSA, which gpg signs with any digest asked for (an ed25519 key needs 256 bits).
  gpg --batch --passphrase '' --quick-gen-key "rsa <rsa@bulkhead.invalid>" rsa2048 sign never
  gpg --batch --export rsa@bulkhead.invalid >keys/rsa.gpg
  payload "$digest" app.payload.json
  payload "$image_id" docker.payload.json
  payload "$zeros" elsewhere.payload.json
  sign keys/cosign.key app.payload.json app.sig
  sign keys/cosign.key docker.payload.json docker.sig
  sign keys/cosign.key elsewhere.payload.json elsewhere.sig
  gpg --batch -u signer@bulkhead.invalid --detach-sign -o app.pgp app.payload.json
  gpg --batch -u stranger@bulkhead.invalid --detach-sign -o app.stranger.pgp app.payload.json
  for h in SHA1 SHA224 SHA256 SHA512; do
    gpg --batch -u rsa@bulkhead.invalid --digest-algo $h --detach-sign -o app.$h.pgp app.payload.json
  done
  payload "$tar_digest" tar.payload.json
  payload "$tgz_digest" tgz.payload.json
  sign keys/cosign.key tgz.payload.json tgz.sig
  sign keys/cosign.key tar.payload.json tar.sig
  gpg --batch -u signer@bulkhead.invalid --detach-sign -o tar.pgp tar.payload.json
} >keys.log 2>&1
check "openssl and gpg made the keys and signatures" test -s keys/cosign.pub -a -s app.sig -a -s keys/signer.asc -a -s app.pgp \
  -a -s app.SHA1.pgp -a -s app.SHA512.pgp -a -s tar.pgp
[ "$tap_failed" -eq 0 ] || { diag <keys.log; done_testing; exit 1; }

# build NAME IMAGE KEY PAYLOAD SIG [FLAGS...]: builds a manifest whose one
# service runs IMAGE signed as given (KEY "-": no signature:; PAYLOAD "-":
# only the key, the layout holds the rest), into out-NAME/;
# its status in $status, its stderr in NAME.err. The signature's key
# stands at 6:12, its payload at 7:16, its signature at 8:18.
build() {
  local name=$1 image=$2 key=$3 payload=$4 sig=$5
  shift 5
  {
    printf 'name: %s\nservices:\n  - name: app\n    image: "%s"\n' "$name" "$image"
    [ "$key" = - ] || printf '    signature:\n      key: %s\n' "$key"
    [ "$payload" = - ] || printf '      payload: %s\n      signature: %s\n' "$payload" "$sig"
    printf '    command: ["/bin/busybox", "true"]\n'
  } >"$name.yml"
  "$BULKHEAD" build -q "$@" "$name.yml" -o "out-$name" >"$name.out" 2>"$name.err"
  status=$?
}
# built NAME WHAT: the build succeeded and wrote the appliance.
built() {
  if [ "$status" -eq 0 ] && [ -f "out-$1/initrd.img" ]; then ok "$2"; else
    not_ok "$2 (exit $status)"
    diag <"$1.err"
  fi
}
# refused NAME WHAT MESSAGE: exit 1, exactly MESSAGE, and nothing written.
refused() {
  local got leftovers
  got=$(cat "$1.err")
  leftovers=$(find . -maxdepth 1 -name "out-$1*")
  if [ "$status" -eq 1 ] && [ "$got" = "$3" ] && [ -z "$leftovers" ]; then ok "$2"; else
    not_ok "$2 (exit $status)"
    { echo "expected: $3"; echo "got:      $got"; echo "left:     $leftovers"; } | diag
  fi
}

# ---- cosign-style ----
build cosign oci:layout:app keys/cosign.pub app.payload.json app.sig
built cosign "a cosign-style signature over the layout's manifest digest verifies and the build succeeds"

build docker docker-archive:app.tar keys/cosign.pub docker.payload.json docker.sig
built docker "a docker archive signed over its image ID (the config's digest) builds"

build docker-by-manifest docker-archive:app.tar keys/cosign.pub app.payload.json app.sig
refused docker-by-manifest "a docker archive is not matched by the OCI manifest's digest: its image ID is what is signed" \
  "docker-by-manifest.yml:7:16: container app: payload \"app.payload.json\" signs the image $digest (critical.image.docker-manifest-digest), but image \"docker-archive:app.tar\" is $image_id; the signature is for another image"

build elsewhere oci:layout:app keys/cosign.pub elsewhere.payload.json elsewhere.sig
refused elsewhere "a good signature over a payload for another digest fails, naming both digests" \
  "elsewhere.yml:7:16: container app: payload \"elsewhere.payload.json\" signs the image $zeros (critical.image.docker-manifest-digest), but image \"oci:layout:app\" is $digest; the signature is for another image"

build wrong-key oci:layout:app keys/other.pub app.payload.json app.sig
refused wrong-key "a signature checked with another P-256 key fails" \
  "wrong-key.yml:8:18: container app: bad signature: \"app.sig\" does not verify payload \"app.payload.json\" with key \"keys/other.pub\" (another key made it, or the payload or the signature was changed)"

# One bit of s changed: still a well-formed DER signature, no longer a valid one.
base64 -d app.sig | perl -0777 -pe 'substr($_, -5, 1) ^= "\x01"' | base64 -w0 >tampered.sig
build tampered-sig oci:layout:app keys/cosign.pub app.payload.json tampered.sig
refused tampered-sig "a signature with one bit changed fails" \
  "tampered-sig.yml:8:18: container app: bad signature: \"tampered.sig\" does not verify payload \"app.payload.json\" with key \"keys/cosign.pub\" (another key made it, or the payload or the signature was changed)"

sed 's/"optional":null/"optional":{"by":"someone else"}/' app.payload.json >changed.payload.json
build tampered-payload oci:layout:app keys/cosign.pub changed.payload.json app.sig
refused tampered-payload "a payload changed after signing fails" \
  "tampered-payload.yml:8:18: container app: bad signature: \"app.sig\" does not verify payload \"changed.payload.json\" with key \"keys/cosign.pub\" (another key made it, or the payload or the signature was changed)"

printf 'not base64 at all!' >garbage.sig
build garbage-sig oci:layout:app keys/cosign.pub app.payload.json garbage.sig
refused garbage-sig "a signature that is not base64 is refused as such" \
  "garbage-sig.yml:8:18: container app: signature \"garbage.sig\" is not base64; a cosign-style signature is the DER ECDSA signature in base64 (openssl dgst -sha256 -sign KEY PAYLOAD | base64 -w0)"

printf 'hello' | base64 >not-der.sig
build not-der oci:layout:app keys/cosign.pub app.payload.json not-der.sig
refused not-der "base64 that is not a DER ECDSA signature is refused as such" \
  "not-der.yml:8:18: container app: signature \"not-der.sig\" is not a DER ECDSA P-256 signature (a SEQUENCE of two INTEGERs), in base64"

openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout -out keys/ed25519.pub 2>/dev/null
build ed25519-key oci:layout:app keys/ed25519.pub app.payload.json app.sig
refused ed25519-key "a PEM key that is not EC is refused, saying what cosign-style needs" \
  "ed25519-key.yml:6:12: container app: key \"keys/ed25519.pub\" is not an EC key; cosign-style signatures are ECDSA P-256 (openssl ecparam -name prime256v1)"

openssl ecparam -name secp384r1 -genkey -noout 2>/dev/null | openssl ec -pubout -out keys/p384.pub 2>/dev/null
build p384-key oci:layout:app keys/p384.pub app.payload.json app.sig
refused p384-key "an EC key on another curve is refused" \
  "p384-key.yml:6:12: container app: key \"keys/p384.pub\" is an EC key on another curve; cosign-style signatures are ECDSA P-256 (prime256v1)"

build private-key oci:layout:app keys/cosign.key app.payload.json app.sig
refused private-key "a private key given as the key is refused, pointing at its public half" \
  "private-key.yml:6:12: container app: key \"keys/cosign.key\" is a private key; give its public half (openssl ec -in KEY -pubout, or gpg --export)"

build payload-as-key oci:layout:app app.payload.json app.payload.json app.sig
refused payload-as-key "a key file that is no key is refused" \
  "payload-as-key.yml:6:12: container app: key \"app.payload.json\" is neither a PEM public key (BEGIN PUBLIC KEY: EC P-256, for cosign-style signatures) nor an OpenPGP public key (binary or ASCII-armoured)"

printf '{"critical":{"type":"atomic container signature","image":{"docker-manifest-digest":"%s"}}}' "$digest" >atomic.payload.json
sign keys/cosign.key atomic.payload.json atomic.sig
build atomic oci:layout:app keys/cosign.pub atomic.payload.json atomic.sig
refused atomic "a signed payload of another type is refused" \
  "atomic.yml:7:16: container app: payload \"atomic.payload.json\" is not a simple-signing payload: critical.type is \"atomic container signature\", not \"cosign container image signature\""

# ---- a changed layer: the signature holds, the blob check refuses it ----
layer=$(jq -r '.layers[0].digest' "layout/blobs/sha256/${digest#sha256:}")
cp -a layout tampered-layer
blob=tampered-layer/blobs/sha256/${layer#sha256:}
chmod u+w "$blob" && printf 'X' | dd of="$blob" bs=1 seek=5000 conv=notrunc 2>/dev/null
check "the changed layer leaves the manifest digest the signature names" test "$(image_digest tampered-layer app)" = "$digest"
build tampered-layer oci:tampered-layer:app keys/cosign.pub app.payload.json app.sig
got=$(cat tampered-layer.err)
if [ "$status" -eq 1 ] && [[ $got == *"container app: image \"oci:tampered-layer:app\": "*"layer 1 of 3 ($layer): digest mismatch: its content hashes to sha256:$(sha256sum <"$blob" | cut -d' ' -f1); refusing it (modified or corrupt)" ]] &&
  [ -z "$(find . -maxdepth 1 -name 'out-tampered-layer*')" ]; then
  ok "a signed image with a changed layer fails at the layer's digest, nothing written"
else
  not_ok "a signed image with a changed layer fails at the layer's digest (exit $status)"
  diag <tampered-layer.err
fi

# The same for a docker archive: its layer is checked against the config's
# diff_id, and the config (the image ID the payload names) against its name.
mkdir docker-tampered && tar -C docker-tampered -xf app.tar
big=$(cd docker-tampered && ls -S ./*.tar | head -n1)
chmod u+w "docker-tampered/$big" && printf 'X' | dd of="docker-tampered/$big" bs=1 seek=100000 conv=notrunc 2>/dev/null
tar -C docker-tampered -cf docker-tampered.tar .
build docker-tampered docker-archive:docker-tampered.tar keys/cosign.pub docker.payload.json docker.sig
got=$(cat docker-tampered.err)
if [ "$status" -eq 1 ] && [[ $got == *"container app: image \"docker-archive:docker-tampered.tar\": "*"layer 1 of 3 (diff_id sha256:$(basename "$big" .tar)): digest mismatch"* ]] &&
  [ -z "$(find . -maxdepth 1 -name 'out-docker-tampered*')" ]; then
  ok "a signed docker archive with a changed layer fails at the layer's diff_id, nothing written"
else
  not_ok "a signed docker archive with a changed layer fails at the layer's diff_id (exit $status)"
  diag <docker-tampered.err
fi

# ---- cosign's own layout: the signature beside the image, under sha256-HEX.sig ----
# cosign_sign LAYOUT PAYLOAD SIG: stores PAYLOAD and SIG as cosign keeps them:
# an image tagged sha256-HEX.sig (HEX: the app image's digest) whose one
# layer is the payload, with the signature in its annotation.
cosign_sign() {
  local dir=$1 blobs=$1/blobs/sha256 p c m
  p=$(sha256sum <"$2" | cut -d' ' -f1) && cp "$2" "$blobs/$p"
  printf '{"architecture":"","config":{},"os":"","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$p" >sig-config.json
  c=$(sha256sum <sig-config.json | cut -d' ' -f1) && cp sig-config.json "$blobs/$c"
  jq -cn --arg p "sha256:$p" --argjson ps "$(stat -c %s "$2")" --arg c "sha256:$c" \
    --argjson cs "$(stat -c %s sig-config.json)" --arg sig "$(cat "$3")" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", digest: $p, size: $ps,
                annotations: {"dev.cosignproject.cosign/signature": $sig}}]}' >sig-manifest.json
  m=$(sha256sum <sig-manifest.json | cut -d' ' -f1) && cp sig-manifest.json "$blobs/$m"
  jq --arg d "sha256:$m" --argjson s "$(stat -c %s sig-manifest.json)" --arg tag "sha256-${digest#sha256:}.sig" \
    '.manifests += [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
                     annotations: {"org.opencontainers.image.ref.name": $tag}}]' "$dir/index.json" >index.json.new &&
    mv index.json.new "$dir/index.json"
}
cp -a layout cosigned && cosign_sign cosigned app.payload.json app.sig
tar -C cosigned -cf cosigned.tar .
build in-layout oci:cosigned:app keys/cosign.pub - -
built in-layout "with only key:, the signature cosign keeps in the layout (tag sha256-HEX.sig) verifies and the build succeeds"
build in-layout-tar oci:cosigned.tar:app keys/cosign.pub - -
built in-layout-tar "the same from the layout as a tar archive"

build in-layout-wrong-key oci:cosigned:app keys/other.pub - -
refused in-layout-wrong-key "the layout's signature checked with another key fails, naming the tag" \
  "in-layout-wrong-key.yml:6:7: container app: bad signature: \"layout tag sha256-${digest#sha256:}.sig\" does not verify payload \"layout tag sha256-${digest#sha256:}.sig\" with key \"keys/other.pub\" (another key made it, or the payload or the signature was changed)"

cp -a layout cosigned-elsewhere && cosign_sign cosigned-elsewhere elsewhere.payload.json elsewhere.sig
build in-layout-elsewhere oci:cosigned-elsewhere:app keys/cosign.pub - -
refused in-layout-elsewhere "a layout signature whose payload names another digest fails, naming both" \
  "in-layout-elsewhere.yml:6:7: container app: payload \"layout tag sha256-${digest#sha256:}.sig\" signs the image $zeros (critical.image.docker-manifest-digest), but image \"oci:cosigned-elsewhere:app\" is $digest; the signature is for another image"

build not-in-layout oci:layout:app keys/cosign.pub - -
refused not-in-layout "with only key: and no signature in the layout, the build fails saying where it looked" \
  "not-in-layout.yml:6:7: container app: image \"oci:layout:app\" has no cosign signature beside it in its layout (no image tagged \"sha256-${digest#sha256:}.sig\" (tags: app, v2, other)); give payload: and signature:, or keep the signature under the tag sha256-HEX.sig as cosign does"

build docker-key-only docker-archive:app.tar keys/cosign.pub - -
refused docker-key-only "a docker archive needs payload: and signature: (it has no place for a signature)" \
  "docker-key-only.yml:6:7: container app: a docker-archive: image holds no signature; give payload: (the signed simple-signing JSON) and signature: (its signature)"

build pgp-key-only oci:cosigned:app keys/signer.gpg - -
refused pgp-key-only "an OpenPGP key needs payload: and signature:" \
  "pgp-key-only.yml:6:7: container app: an OpenPGP signature is not kept in the image's layout; give payload: and signature: for key \"keys/signer.gpg\""

# ---- OpenPGP ----
build pgp oci:layout:app keys/signer.gpg app.payload.json app.pgp
built pgp "an OpenPGP detached signature checked by gpgv against a binary key builds"

build pgp-armour oci:layout:app keys/signer.asc app.payload.json app.pgp
built pgp-armour "the same with the key ASCII-armoured builds"

build pgp-wrong-key oci:layout:app keys/signer.gpg app.payload.json app.stranger.pgp
stranger=$(gpg --batch --with-colons --list-keys stranger@bulkhead.invalid 2>/dev/null | awk -F: '$1 == "pub" { print $5; exit }')
refused pgp-wrong-key "an OpenPGP signature by another key fails, naming the key that made it" \
  "pgp-wrong-key.yml:8:18: container app: signature \"app.stranger.pgp\" was made by key $stranger, which key \"keys/signer.gpg\" is not (wrong key)"

build pgp-changed oci:layout:app keys/signer.gpg changed.payload.json app.pgp
refused pgp-changed "an OpenPGP signature over a changed payload fails" \
  "pgp-changed.yml:8:18: container app: bad signature: \"app.pgp\" does not verify payload \"changed.payload.json\" with key \"keys/signer.gpg\" (the payload or the signature was changed)"

gpg --batch -u signer@bulkhead.invalid --detach-sign -o elsewhere.pgp elsewhere.payload.json 2>/dev/null
build pgp-elsewhere oci:layout:app keys/signer.asc elsewhere.payload.json elsewhere.pgp
refused pgp-elsewhere "a good OpenPGP signature over a payload for another digest fails, naming both digests" \
  "pgp-elsewhere.yml:7:16: container app: payload \"elsewhere.payload.json\" signs the image $zeros (critical.image.docker-manifest-digest), but image \"oci:layout:app\" is $digest; the signature is for another image"

build pgp-not-sig oci:layout:app keys/signer.gpg app.payload.json app.payload.json
refused pgp-not-sig "an OpenPGP check of a file that is no signature fails" \
  "pgp-not-sig.yml:8:18: container app: signature \"app.payload.json\" is not an OpenPGP signature (gpg --detach-sign makes one)"

# ---- OpenPGP digests: SHA-256 or stronger ----
for h in SHA256 SHA512; do
  build "pgp-${h,,}" oci:layout:app keys/rsa.gpg app.payload.json app.$h.pgp
  built "pgp-${h,,}" "an OpenPGP signature over $h (RSA) builds"
done

build pgp-sha1 oci:layout:app keys/rsa.gpg app.payload.json app.SHA1.pgp
refused pgp-sha1 "an OpenPGP signature over SHA-1 (gpg --digest-algo SHA1) fails, naming SHA1" \
  "pgp-sha1.yml:8:18: container app: signature \"app.SHA1.pgp\" is made over SHA1, a digest too weak to trust; bulkhead accepts SHA256, SHA384 or SHA512 (sign with gpg --digest-algo SHA256 --detach-sign)"

build pgp-sha224 oci:layout:app keys/rsa.gpg app.payload.json app.SHA224.pgp
refused pgp-sha224 "an OpenPGP signature over SHA-224, which gpgv finds good, fails, naming SHA224" \
  "pgp-sha224.yml:8:18: container app: signature \"app.SHA224.pgp\" is made over SHA224, a digest too weak to trust; bulkhead accepts SHA256, SHA384 or SHA512 (sign with gpg --digest-algo SHA256 --detach-sign)"

# ---- tar: images: the digest is the file's, as given ----
build tgz tar:rootfs.tar.gz keys/cosign.pub tgz.payload.json tgz.sig
built tgz "a gzipped tar: image signed (cosign-style) over the sha256 of its file builds"

build tar-pgp tar:rootfs.tar keys/signer.gpg tar.payload.json tar.pgp
built tar-pgp "a plain tar: image signed (OpenPGP) over the sha256 of its file builds"

build tgz-decompressed tar:rootfs.tar.gz keys/cosign.pub tar.payload.json tar.sig
check "the gzipped tar holds the signed tar itself" \
  test "sha256:$(gzip -dc rootfs.tar.gz | sha256sum | cut -d' ' -f1)" = "$tar_digest"
refused tgz-decompressed "a gzipped tar: image is not matched by the digest of the tar inside it, naming both" \
  "tgz-decompressed.yml:7:16: container app: payload \"tar.payload.json\" signs the image $tar_digest (critical.image.docker-manifest-digest), but image \"tar:rootfs.tar.gz\" is $tgz_digest; the signature is for another image"

build tgz-wrong-key tar:rootfs.tar.gz keys/other.pub tgz.payload.json tgz.sig
refused tgz-wrong-key "a tar: image's signature checked with another key fails" \
  "tgz-wrong-key.yml:8:18: container app: bad signature: \"tgz.sig\" does not verify payload \"tgz.payload.json\" with key \"keys/other.pub\" (another key made it, or the payload or the signature was changed)"

# One byte of the tarball changed: its digest is no longer the signed one.
cp rootfs.tar changed.tar && printf 'X' | dd of=changed.tar bs=1 seek=700 conv=notrunc 2>/dev/null
build tar-changed tar:changed.tar keys/cosign.pub tar.payload.json tar.sig
refused tar-changed "a tarball changed after signing fails, naming its digest" \
  "tar-changed.yml:7:16: container app: payload \"tar.payload.json\" signs the image $tar_digest (critical.image.docker-manifest-digest), but image \"tar:changed.tar\" is sha256:$(sha256sum <changed.tar | cut -d' ' -f1); the signature is for another image"

build tar-key-only tar:rootfs.tar keys/cosign.pub - -
refused tar-key-only "a tar: image needs payload: and signature: (it has no place for a signature)" \
  "tar-key-only.yml:6:7: container app: a tar: image holds no signature; give payload: (the signed simple-signing JSON) and signature: (its signature)"

# ---- --require-signatures ----
build unsigned oci:layout:app - - - --require-signatures
refused unsigned "--require-signatures refuses an unsigned oci: image at its container" \
  "unsigned.yml:3:11: container app: image \"oci:layout:app\" has no signature:, and --require-signatures refuses unsigned oci:, docker-archive: and tar: images; add signature: {key: ..., payload: ..., signature: ...} (docs/manifest.md, \"Signatures\")"

build unsigned-docker docker-archive:app.tar - - - --require-signatures
refused unsigned-docker "--require-signatures refuses an unsigned docker-archive: image" \
  "unsigned-docker.yml:3:11: container app: image \"docker-archive:app.tar\" has no signature:, and --require-signatures refuses unsigned oci:, docker-archive: and tar: images; add signature: {key: ..., payload: ..., signature: ...} (docs/manifest.md, \"Signatures\")"

build unsigned-tar tar:rootfs.tar.gz - - - --require-signatures
refused unsigned-tar "--require-signatures refuses an unsigned tar: image" \
  "unsigned-tar.yml:3:11: container app: image \"tar:rootfs.tar.gz\" has no signature:, and --require-signatures refuses unsigned oci:, docker-archive: and tar: images; add signature: {key: ..., payload: ..., signature: ...} (docs/manifest.md, \"Signatures\")"

build required-tar tar:rootfs.tar.gz keys/cosign.pub tgz.payload.json tgz.sig --require-signatures
built required-tar "--require-signatures accepts a signed tar: image"

build required oci:layout:app keys/cosign.pub app.payload.json app.sig --require-signatures
built required "--require-signatures accepts a signed image"

build unsigned-ok oci:layout:app - - -
built unsigned-ok "without --require-signatures an unsigned image still builds"

build plain busybox - - - --require-signatures
built plain "--require-signatures leaves a busybox image (the builder's own) alone"

build dir-required dir:rootdir - - - --require-signatures
refused dir-required "--require-signatures refuses a dir: image (a directory has no digest to sign), saying how to pack it" \
  "dir-required.yml:3:11: container app: image \"dir:rootdir\" is a directory, which has no digest to sign, and --require-signatures refuses unsigned images; pack it as a tar (tar -C DIR -czf DIR.tar.gz .; image: tar:DIR.tar.gz) or an OCI layout, and sign that (docs/manifest.md, \"Signatures\")"

build plain-dir dir:rootdir - - -
built plain-dir "without --require-signatures a dir: image still builds"

build dir-signed dir:rootdir keys/cosign.pub app.payload.json app.sig
refused dir-signed "a signature: on a dir: image is refused: there is no digest to sign" \
  "dir-signed.yml:6:7: container app: signature: is for oci:, docker-archive: and tar: images, whose digest the payload names; image \"dir:rootdir\" has no digest to sign (pack it as a tar (tar -C DIR -czf DIR.tar.gz .; image: tar:DIR.tar.gz) or an OCI layout, and sign that (docs/manifest.md, \"Signatures\"))"

build busybox-signed busybox keys/cosign.pub app.payload.json app.sig
refused busybox-signed "a signature: on the busybox image is refused" \
  "busybox-signed.yml:6:7: container app: signature: is for oci:, docker-archive: and tar: images, whose digest the payload names; image \"busybox\" has no digest to sign (remove signature:)"

help=$("$BULKHEAD" build --help 2>&1)
for words in "every oci:, docker-archive: and tar: image must" "does a dir: image (a directory has no digest" \
  "busybox is exempt"; do
  if [[ $help == *"$words"* ]]; then ok "bulkhead build --help says of --require-signatures: $words"; else
    not_ok "bulkhead build --help says of --require-signatures: $words"
  fi
done

done_testing
