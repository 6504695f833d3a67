#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make deps: install what is missing from Debian's packages. Idempotent and
# quick when everything is present: apt is only asked when a package is absent.
# Extra package names on the command line are added (make bench uses that).
set -euo pipefail

packages=(
  # compilers and the musl toolchain for the static PID 1 and runtime
  build-essential musl-tools pkg-config
  # building libseccomp, libcap and jansson from their Debian source packages
  dpkg-dev gperf cmake
  # the host builder: manifest (libyaml), archives (libarchive), JSON (jansson),
  # sha256 of OCI blobs (nettle: libarchive itself links it already)
  libyaml-dev libarchive-dev libjansson-dev libcap-dev nettle-dev
  # image signatures: ECDSA P-256 through nettle's hogweed, which needs GMP's
  # header; OpenPGP signatures checked by gpgv
  libgmp-dev gpgv
  # the sanitizer build of the runtime and its tests (make asan)
  libseccomp-dev
  # make fuzz and make clang: clang (14 on bookworm) and its runtime
  # libraries, libFuzzer's among them (libclang_rt.fuzzer)
  clang libclang-rt-14-dev
  # what goes into or boots an appliance
  busybox-static qemu-system-x86
  # make python-image and tests/sbom.t: a Debian root file system with
  # python3-minimal, from the package mirror (examples/python.yml)
  mmdebstrap
  # tests; umoci and skopeo make the OCI layouts and docker archives that
  # tests/images.t imports, offline
  perl file cpio jq umoci skopeo zstd xz-utils bzip2
  # tests/runtime-cgroups.t reads how the runtime cloned a container
  strace
  # tests/signatures.t makes keys and signatures with openssl and gpg
  openssl gnupg
  # tests/podman.t: podman drives bulkhead-runtime as a user would (it pulls
  # in conmon, crun and the CNI plugins); catatonit for --init, iptables for
  # the CNI bridge's published ports, runc as the reference runtime. Root
  # needs no uidmap; the image is imported offline.
  podman conmon catatonit iptables runc
  # nft lists the rule set the builder encodes (tests/net-rules.t)
  nftables
  # depmod: modules.dep for the unpacked kernel, so that the builder can
  # resolve the modules an appliance needs
  kmod
  # make kernel: kernel: minimal from Debian's kernel source, with what its
  # build needs (the lexer and parser of kconfig, objtool's libelf, bc)
  linux-source flex bison libelf-dev bc
  # disks: bulkhead build makes ext4 images
  e2fsprogs
  # shared images: bulkhead build packs an image that read-only containers
  # with user namespaces share as one erofs file (mkfs.erofs)
  erofs-utils
  # bulkhead build --format raw-efi|qcow2: the UEFI stub of a unified kernel
  # image (objcopy from binutils joins it to the kernel), a FAT file system
  # made and filled without mounting (mtools), the GPT (sfdisk, in fdisk),
  # the qcow2 conversion (qemu-img); bulkhead run boots the disk under OVMF
  systemd-boot-efi binutils mtools fdisk qemu-utils ovmf
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
