#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kernel: minimal. Build a small kernel from Debian's linux-source: tinyconfig,
# then kernel-config/minimal/*.config in sorted order, then olddefconfig.
# A fragment's symbol that does not come out of olddefconfig as written (a
# missing dependency, a typo, a symbol this kernel does not have) fails the
# build: a kernel that quietly lacks a feature is worse than no kernel.
#
# usage: mk/kernel-minimal.sh BUILD_DIR [--config-only]
# Leaves BUILD_DIR/kernel-minimal/vmlinuz (the bzImage) and config.
# --config-only stops after the check. FRAGMENTS (a directory) and
# KERNEL_OBJ (the object directory) let tests check other fragments against
# the same unpacked source without touching the real build.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:?usage: kernel-minimal.sh BUILD_DIR [--config-only]}")/kernel-minimal
obj=$(realpath -m "${KERNEL_OBJ:-$out/obj}")
fragments=("${FRAGMENTS:-$here/kernel-config/minimal}"/*.config)
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$tarball" ] || { echo "kernel-minimal: no /usr/src/linux-source-*.tar.xz; run make deps" >&2; exit 1; }

# The source, unpacked once per tarball.
if [ "$(cat "$out/src.from" 2>/dev/null)" != "$tarball" ]; then
  echo "kernel-minimal: unpacking $(basename "$tarball")"
  rm -rf "$out/src" "$obj" "$out/src.from"
  mkdir -p "$out/src"
  tar -xJf "$tarball" -C "$out/src" --strip-components=1
  echo "$tarball" >"$out/src.from"
fi

kmake() { make -s -C "$out/src" O="$obj" ARCH=x86_64 "$@"; }

echo "kernel-minimal: configuring (tinyconfig + ${#fragments[@]} fragments)"
mkdir -p "$obj"
# tinyconfig warns that its own tiny.config overrides a choice: noise.
kmake tinyconfig >"$obj/tinyconfig.log" 2>&1 || { cat "$obj/tinyconfig.log" >&2; exit 1; }
# merge_config.sh -m only merges; olddefconfig then settles dependencies.
(cd "$obj" && "$out/src/scripts/kconfig/merge_config.sh" -m -O . .config "${fragments[@]}" >/dev/null)
kmake olddefconfig >/dev/null

# Every symbol as its fragment wrote it, or the build stops here.
lost=0
for f in "${fragments[@]}"; do
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      CONFIG_*=*)
        grep -qxF -- "$line" "$obj/.config" && continue
        have=$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo "absent")
        ;;
      "# CONFIG_"*" is not set")
        sym=${line#"# "}; sym=${sym%% *}
        grep -qE "^$sym=" "$obj/.config" || continue
        have=$(grep -E "^$sym=" "$obj/.config")
        ;;
      *) continue ;;
    esac
    echo "kernel-minimal: $(basename "$f"): wants $line, olddefconfig made it: $have" >&2
    lost=1
  done <"$f"
done
[ "$lost" -eq 0 ] || { echo "kernel-minimal: fix the fragment (a dependency is missing or the symbol is misspelt)" >&2; exit 1; }
echo "kernel-minimal: every symbol of the fragments survived olddefconfig"
[ "${2:-}" != "--config-only" ] || exit 0

echo "kernel-minimal: compiling bzImage with $(nproc) jobs (several minutes on 2 cores)"
kmake -j"$(nproc)" bzImage
cp "$obj/arch/x86/boot/bzImage" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
cp "$obj/.config" "$out/config"
echo "kernel-minimal: $(basename "$tarball" .tar.xz) $(stat -c %s "$out/vmlinuz") bytes bzImage (vmlinuz)"
