#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mk/python-image.sh OUT.tar: the root file system of examples/python.yml,
# made by mmdebstrap from Debian's packages alone (no registry):
# python3-minimal and what it depends on, with dpkg's own status database,
# which the build's SBOM reads. It fetches the packages from the machine's
# apt sources at that moment, so it needs the mirror, and a later run may
# get newer versions; it takes some 20 s here. Documentation is left out
# (copyright files stay) to keep the initrd small.
set -euo pipefail
out=${1:?usage: mk/python-image.sh OUT.tar}
suite=${SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}

command -v mmdebstrap >/dev/null || { echo "python-image: mmdebstrap is missing; run make deps" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
# --variant=essential: dpkg and the Essential: yes set, no apt; the
# python3-minimal interpreter on top. Written beside OUT, moved in whole.
mmdebstrap --quiet --variant=essential --include=python3-minimal \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  "$suite" "$out.partial.tar"
mv "$out.partial.tar" "$out"
