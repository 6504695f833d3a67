#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build libseccomp, libcap and jansson against musl into a static sysroot.
#
# Sources come from Debian's source packages. The machine lists only binary
# packages, so the matching deb-src entries are derived from its own apt
# sources into a private apt directory: no mirror is named in this tree.
#
# usage: mk/sysroot.sh BUILD_DIR
set -euo pipefail

build=$(realpath -m "${1:?usage: sysroot.sh BUILD_DIR}")
sysroot=$build/sysroot
src=$build/src
apt=$build/apt
stamp=$sysroot/.complete
[ -f "$stamp" ] && { echo "sysroot: up to date ($sysroot)"; exit 0; }

mkdir -p "$sysroot/include" "$sysroot/lib" "$src" \
         "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d"

# musl ships no kernel headers; the runtime needs linux/, asm/ and asm-generic/
# from linux-libc-dev. Link them in rather than copy, so they follow the host.
multiarch=$(gcc -print-multiarch)
ln -sfn /usr/include/linux "$sysroot/include/linux"
ln -sfn "/usr/include/$multiarch/asm" "$sysroot/include/asm"
ln -sfn /usr/include/asm-generic "$sysroot/include/asm-generic"

derive_deb_src() {
  # deb822 stanzas (*.sources) and one-line entries (*.list) whose archive path
  # is Debian's own (…/debian or …/debian-security); third-party repositories
  # have no source packages for us and would only fail the update.
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -nE 's#^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([a-z]+://[^[:space:]]+/debian(-security)?/?[[:space:]].*)$#deb-src \1\2#p' "$f"
  done >"$apt/sources.list.d/derived.list"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v RS= -v ORS='\n\n' '
      /\nURIs:[[:space:]]*[a-z]+:\/\/[^[:space:]]+\/debian(-security)?\/?(\n|$)/ ||
      /^URIs:[[:space:]]*[a-z]+:\/\/[^[:space:]]+\/debian(-security)?\/?(\n|$)/ {
        sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f"
  done >"$apt/sources.list.d/derived.sources"
  if [ ! -s "$apt/sources.list.d/derived.list" ] && [ ! -s "$apt/sources.list.d/derived.sources" ]; then
    echo "sysroot: no Debian archive found in /etc/apt sources; cannot fetch source packages" >&2
    exit 1
  fi
}

apt_dirs=()
aptq() { apt-get -q "${apt_dirs[@]}" "$@"; }
aptq_cache() { apt-cache "${apt_dirs[@]}" "$@"; }
apt_dirs=(\
    -o Dir::Etc::SourceList=/dev/null \
    -o Dir::Etc::SourceParts="$apt/sources.list.d" \
    -o Dir::State::Lists="$apt/lists" \
    -o Dir::Cache="$apt/cache" \
    -o APT::Sandbox::User=root)

fetch_source() {   # fetch_source PACKAGE -> prints the unpacked directory
  local pkg=$1 dir
  dir=$(find "$src" -maxdepth 1 -type d -name "$pkg-[0-9]*" | head -n1)
  if [ -z "$dir" ]; then
    # apt-get source prefers the version matching the installed binary, which
    # the archive may no longer carry: try every listed version, newest first.
    local v
    for v in $(aptq_cache showsrc "$pkg" | sed -n 's/^Version: //p' | sort -rV); do
      (cd "$src" && aptq source "$pkg=$v" >"$apt/source-$pkg.log" 2>&1) && break
      echo "sysroot: $pkg $v not fetched, trying an older version" >&2
    done
    dir=$(find "$src" -maxdepth 1 -type d -name "$pkg-[0-9]*" | head -n1)
  fi
  [ -n "$dir" ] || { echo "sysroot: apt-get source $pkg gave no directory" >&2; exit 1; }
  echo "$dir"
}

derive_deb_src
echo "sysroot: updating private source lists"
aptq update >"$apt/update.log" 2>&1 || { cat "$apt/update.log" >&2; exit 1; }

export CC="musl-gcc"
cflags="-O2 -fPIE -isystem $sysroot/include"
jobs=$(nproc)

echo "sysroot: jansson"
dir=$(fetch_source jansson)
cmake -S "$dir" -B "$dir/musl" -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$cflags" \
  -DCMAKE_INSTALL_PREFIX="$sysroot" -DJANSSON_BUILD_SHARED_LIBS=OFF \
  -DJANSSON_BUILD_DOCS=OFF -DJANSSON_WITHOUT_TESTS=ON -DJANSSON_EXAMPLES=OFF >/dev/null
cmake --build "$dir/musl" -j"$jobs" >/dev/null
cmake --install "$dir/musl" >/dev/null

echo "sysroot: libseccomp"
dir=$(fetch_source libseccomp)
(cd "$dir" && ./configure -q --host="$multiarch" --prefix="$sysroot" \
    --disable-shared --enable-static --disable-python CC="$CC" CFLAGS="$cflags" >/dev/null \
  && make -s -j"$jobs" -C src >/dev/null && make -s -C src install >/dev/null \
  && make -s -C include install >/dev/null)

echo "sysroot: libcap"
dir=$(fetch_source libcap2)
(cd "$dir/libcap" && make -s CC="$CC" BUILD_CC=gcc COPTS="$cflags" SHARED=no PAM_CAP=no GOLANG=no \
    libcap.a >/dev/null)
install -m 644 "$dir/libcap/libcap.a" "$sysroot/lib/"
install -d "$sysroot/include/sys"
install -m 644 "$dir/libcap/include/sys/capability.h" "$sysroot/include/sys/"

touch "$stamp"
echo "sysroot: ready ($sysroot)"
