#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Unpack Debian's kernel (linux-image-amd64's current flavour) under BUILD_DIR/kernel.
# The package is downloaded and unpacked, never installed on the host.
#
# usage: mk/kernel.sh BUILD_DIR
set -euo pipefail

out=$(realpath -m "${1:?usage: kernel.sh BUILD_DIR}")/kernel
if [ -f "$out/vmlinuz" ] && [ -f "$out/modules/modules.dep" ]; then
  echo "kernel: up to date ($(readlink "$out/vmlinuz"))"
  exit 0
fi

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
if [ -z "$pkg" ]; then
  apt-get update -q >/dev/null
  pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
fi
[ -n "$pkg" ] || { echo "kernel: cannot resolve linux-image-amd64 to a versioned package" >&2; exit 1; }

mkdir -p "$out/deb"
echo "kernel: downloading $pkg"
(cd "$out/deb" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
rm -rf "$out/root"
dpkg-deb -x "$out"/deb/"$pkg"_*.deb "$out/root"
release=${pkg#linux-image-}
ln -sfn "root/boot/vmlinuz-$release" "$out/vmlinuz"
ln -sfn "root/boot/config-$release" "$out/config"
ln -sfn "root/lib/modules/$release" "$out/modules"
# The package leaves modules.dep to the install; the builder reads it.
depmod -b "$out/root" "$release"
echo "kernel: $release ($(du -h "$out/vmlinuz" -L | cut -f1) bzImage)"
