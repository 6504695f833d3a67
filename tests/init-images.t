#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shared images: read-only containers in user namespaces that use the same
# image share one erofs copy of it, each seeing it through its own range.
# The builder: the initrd holds one erofs file and no second copy, each
# sharing container's rootfs is an empty mount point, appliance.json names
# the image, and two builds are byte-identical. The init's mounts (through
# tests/helpers/images-driver, which runs init/images.c on this host with
# user namespaces of the test's making, since the init makes its own only
# as PID 1): inside each range the files are root's, from the host they
# are the range's base, one file system backs both, a 0600 root file is
# read by each container's root and refused to the other range's root,
# and writes fail with EROFS. Then bulkhead-runtime starts a container as
# the init does, joining a range's user namespace by path, on such a clone:
# from inside, 0:0, the root-only file, EROFS and its uid_map; from the
# host, its process's uid is the range's base. And the init itself, as PID
# 1 here: an image it cannot mount keeps that container, and only it, from
# starting.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to mount and to make user namespaces"
command -v mkfs.erofs >/dev/null || skip_all "mkfs.erofs is not installed (make deps installs erofs-utils)"
command -v nsenter >/dev/null || skip_all "nsenter is not installed"
[ -e /dev/loop-control ] || skip_all "no /dev/loop-control: this host has no loop devices"
grep -qw erofs /proc/filesystems || modprobe erofs 2>/dev/null || skip_all "this host's kernel has no erofs"
DRIVER=$BUILD/tests/helpers/images-driver
RUNTIME=$BUILD/bin/bulkhead-runtime
[ -x "$DRIVER" ] || skip_all "no $DRIVER (make $DRIVER)"
work=$(mktemp -d)
# Each range's root walks in here: not only the host's root.
chmod 755 "$work"
holders=()
trap 'kill -KILL "${holders[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# The image: a static busybox and a file only root may read (and the
# mount points the runtime needs, which the builder adds to any image).
mkdir -p "$work/tree/bin" "$work/tree/etc" "$work/tree/proc" "$work/tree/dev" "$work/tree/sys" "$work/tree/tmp"
cp "$(command -v busybox)" "$work/tree/bin/busybox"
echo "root only" >"$work/tree/etc/secret"
chmod 600 "$work/tree/etc/secret"
cat >"$work/shared.yml" <<'YAML'
name: shared
services:
  - name: a
    image: dir:tree
    command: [/bin/busybox, sleep, "1000"]
  - name: b
    image: dir:tree
    command: [/bin/busybox, sleep, "1000"]
YAML

# ---- the builder ----
build() { SOURCE_DATE_EPOCH=1700000000 "$BULKHEAD" build -q "$work/shared.yml" -o "$work/$1" 2>&1; }
check "the appliance builds" quietly build one
listing=$(zcat "$work/one/initrd.img" | cpio -t --quiet 2>/dev/null)
erofs_files=$(grep -c '^containers/images/[0-9]*\.erofs$' <<<"$listing")
if [ "$erofs_files" -eq 0 ] && ! jq -e '.services[0].userns_size' <(zcat "$work/one/initrd.img" |
  cpio -i --to-stdout --quiet etc/bulkhead/appliance.json 2>/dev/null) >/dev/null; then
  echo "# the builder gives these containers no user namespace yet: plain sharing, no erofs image"
  ok "# SKIP one erofs copy: containers have no user namespace ranges in this build"
else
  check "the initrd holds one erofs image" [ "$erofs_files" -eq 1 ]
  check "and no copy of the image in either bundle" \
    bash -c '! grep -E "^containers/services/(a|b)/rootfs/." <<<"$1"' _ "$listing"
  check "each bundle has its own rootfs mount point" \
    bash -c 'grep -qx containers/services/a/rootfs <<<"$1" && grep -qx containers/services/b/rootfs <<<"$1"' _ "$listing"
  shared=$(zcat "$work/one/initrd.img" | cpio -i --to-stdout --quiet etc/bulkhead/appliance.json 2>/dev/null |
    jq -c '[.services[].shared_image]')
  check "appliance.json: both mount shared image 0 ($shared)" [ "$shared" = "[0,0]" ]
  check "a second build makes a byte-identical initrd.img" \
    bash -c 'build() { SOURCE_DATE_EPOCH=1700000000 "$1" build -q "$2" -o "$3"; }; build "$@" >/dev/null 2>&1 &&
      cmp -s "$3/initrd.img" "$4/initrd.img"' _ "$BULKHEAD" "$work/shared.yml" "$work/two" "$work/one"
  (cd "$work" && zcat one/initrd.img | cpio -id --quiet containers/images/0.erofs 2>/dev/null)
  cp "$work/containers/images/0.erofs" "$work/image.erofs"
fi
# Without the builder's image, one packed the way it packs them.
[ -f "$work/image.erofs" ] || mkfs.erofs --quiet -x-1 -T0 "$work/image.erofs" "$work/tree" >/dev/null

# ---- the init's mounts ----
# Two user namespaces, as the init makes them: ids 0..65535 at 100000 and 165536.
for base in 100000 165536; do
  unshare -U sleep 1000 &
  holders+=($!)
done
unshared() { [ "$(readlink "/proc/$1/ns/user")" != "$(readlink /proc/self/ns/user)" ]; }
for i in 0 1; do
  wait_for "the holder's user namespace" 60 unshared "${holders[$i]}"
  base=$((100000 + 65536 * i))
  echo "0 $base 65536" >"/proc/${holders[$i]}/uid_map"
  echo "0 $base 65536" >"/proc/${holders[$i]}/gid_map"
done
A=${holders[0]} B=${holders[1]}

# All in one private mount namespace: the image once, a clone for each.
mkdir -p "$work/image" "$work/a" "$work/b"
cat >"$work/mounts.sh" <<EOF
cd "$work"
"$DRIVER" mount image.erofs image || exit 1
"$DRIVER" attach image /proc/$A/ns/user a || exit 1
"$DRIVER" attach image /proc/$B/ns/user b || exit 1
as_root_of() { local pid=\$1; shift; nsenter -U -t "\$pid" -S 0 -G 0 "\$@"; }
echo "inside a: \$(as_root_of $A stat -c %u:%g a/bin/busybox)"
echo "inside b: \$(as_root_of $B stat -c %u:%g b/bin/busybox)"
echo "host a: \$(stat -c %u:%g a/bin/busybox)"
echo "host b: \$(stat -c %u:%g b/bin/busybox)"
echo "devices: \$(stat -c %d a/bin/busybox b/bin/busybox | sort -u | wc -l)"
as_root_of $A a/bin/busybox sleep 1000 & sleeper=\$!
as_root_of $B b/bin/busybox sleep 1000 & other=\$!
up() { pgrep -P "\$1" -x busybox >/dev/null || pgrep -P "\$1" -x sleep >/dev/null; }
for t in \$(seq 300); do up \$sleeper && up \$other && break; sleep 0.2; done
uid_of() { awk '/^Uid:/ { print \$2 }' "/proc/\$(pgrep -P "\$1" | head -n1)/status"; }
echo "process a: \$(uid_of \$sleeper)"
echo "process b: \$(uid_of \$other)"
kill \$(pgrep -P \$sleeper) \$(pgrep -P \$other) 2>/dev/null
echo "a reads its secret: \$(as_root_of $A cat a/etc/secret 2>&1)"
echo "b reads its secret: \$(as_root_of $B cat b/etc/secret 2>&1)"
echo "b reads a's: \$(as_root_of $B cat a/etc/secret 2>&1)"
echo "a writes: \$(as_root_of $A a/bin/busybox touch a/new 2>&1)"
echo "host writes: \$(touch a/new 2>&1)"
# The runtime, as the init starts a container: joins a's user namespace by
# path and pivots into a third clone, read-only.
# cgroup2 there (the host may be hybrid), unless it is already.
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || [ "\$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || exit 1
mkdir -p bundle/rootfs state
"$DRIVER" attach image /proc/$A/ns/user bundle/rootfs || exit 1
(cd bundle && "$RUNTIME" spec) || exit 1
jq --arg ns /proc/$A/ns/user --arg script "\$(cat report.sh)" '.root.readonly = true | .process.terminal = false |
  .linux.namespaces += [{"type": "user", "path": \$ns}] | .process.args = ["/bin/busybox", "sh", "-c", \$script]' \
  bundle/config.json >bundle/edited.json && mv bundle/edited.json bundle/config.json
"$RUNTIME" --root state run -d -b bundle shared >runtime.out 2>&1 || { cat runtime.out; exit 1; }
for t in \$(seq 300); do grep -q '^map' runtime.out && break; sleep 0.2; done
pid=\$("$RUNTIME" --root state state shared | jq .pid)
echo "runtime process: \$(awk '/^Uid:/ { print \$2 }' /proc/\$pid/status)"
"$RUNTIME" --root state delete --force shared
sed 's/^/runtime /' runtime.out
EOF
# What the runtime's container says of itself, from inside.
cat >"$work/report.sh" <<'EOF'
echo "owner: $(stat -c %u:%g /bin/busybox)"
echo "secret: $(cat /etc/secret)"
echo "write: $(touch /new 2>&1)"
echo "map: $(tr -s ' ' </proc/self/uid_map | sed 's/^ //')"
exec sleep 1000
EOF
unshare -m --propagation private bash "$work/mounts.sh" >"$work/facts" 2>&1
status=$?
check "the image mounts once and into each range" [ "$status" -eq 0 ]
[ "$status" -eq 0 ] || diag <"$work/facts"
fact() { sed -n "s/^$1: //p" "$work/facts"; }
check "inside a's range /bin/busybox is 0:0 ($(fact 'inside a'))" [ "$(fact 'inside a')" = 0:0 ]
check "inside b's range /bin/busybox is 0:0 ($(fact 'inside b'))" [ "$(fact 'inside b')" = 0:0 ]
check "from the host a's copy is 100000:100000 ($(fact 'host a'))" [ "$(fact 'host a')" = 100000:100000 ]
check "from the host b's copy is 165536:165536 ($(fact 'host b'))" [ "$(fact 'host b')" = 165536:165536 ]
check "one file system backs both" [ "$(fact devices)" = 1 ]
check "a's root runs as host uid 100000 ($(fact 'process a'))" [ "$(fact 'process a')" = 100000 ]
check "b's root runs as host uid 165536 ($(fact 'process b'))" [ "$(fact 'process b')" = 165536 ]
check "a's root reads the image's 0600 root file" [ "$(fact 'a reads its secret')" = "root only" ]
check "b's root reads it too, in its own mount" [ "$(fact 'b reads its secret')" = "root only" ]
check "b's root cannot read it through a's mount ($(fact "b reads a's"))" \
  bash -c 'grep -q "Permission denied" <<<"$1"' _ "$(fact "b reads a's")"
check "a write from inside fails with EROFS ($(fact 'a writes'))" \
  bash -c 'grep -q "Read-only file system" <<<"$1"' _ "$(fact 'a writes')"
check "a write from the host fails with EROFS too" \
  bash -c 'grep -q "Read-only file system" <<<"$1"' _ "$(fact 'host writes')"
check "the runtime's container, in a's range, sees /bin/busybox as 0:0 ($(fact 'runtime owner'))" \
  [ "$(fact 'runtime owner')" = 0:0 ]
check "  ... reads the root-only file" [ "$(fact 'runtime secret')" = "root only" ]
check "  ... cannot write its root ($(fact 'runtime write'))" \
  bash -c 'grep -q "Read-only file system" <<<"$1"' _ "$(fact 'runtime write')"
check "  ... shows its range in /proc/self/uid_map ($(fact 'runtime map'))" [ "$(fact 'runtime map')" = "0 100000 65536" ]
check "  ... and runs as host uid 100000 ($(fact 'runtime process'))" [ "$(fact 'runtime process')" = 100000 ]
check "a missing user namespace is refused with a message" \
  bash -c 'unshare -m --propagation private bash -c "\"\$1\" mount \"\$2\" \"\$3\" && \"\$1\" attach \"\$3\" /proc/self/ns/user \"\$4\"" _ "$@" 2>&1 |
    grep -q "mapping .* into the user namespace"' _ "$DRIVER" "$work/image.erofs" "$work/image" "$work/a"

# ---- the init: an image it cannot mount stops that container only ----
# A built appliance whose first service is told (by an edited
# appliance.json) to mount a shared image the initrd lacks.
cat >"$work/missing.yml" <<'YAML'
name: missing
services:
  - name: broken
    image: busybox
    command: "echo never"
  - name: survivor
    image: busybox
    readonly: false # its own rootfs, never the shared image
    command: "echo still here"
YAML
"$BULKHEAD" build -q "$work/missing.yml" -o "$work/missing"
root=$work/missing.root
mkdir -p "$root" && (cd "$root" && zcat "$work/missing/initrd.img" | cpio -id --quiet 2>/dev/null)
json=$root/etc/bulkhead/appliance.json
jq -c '.services[0] += {"userns_base": 100000, "userns_size": 65536, "shared_image": 0}' "$json" >"$json.new" &&
  mv "$json.new" "$json"
rm -rf "$root/containers/images"
boot_log=$work/missing.console
boot_start=$(date +%s.%N)
mkdir -p "$root/.old"
# As boot_host runs it: the unpacked initrd as the root by pivot_root.
timeout -s KILL 120 unshare --pid --fork --mount --propagation private \
  sh -c 'mount --bind "$1" "$1" && cd "$1" && pivot_root . .old && /.old/bin/busybox umount -l /.old && exec /init' \
  sh "$root" >"$boot_log" 2>&1 &
boot_pid=$!
wait_boot
check "the appliance ends by itself (status $boot_status, in $boot_seconds s)" test "$boot_status" -ne 137
check "the boot says why the image is not there" grep -q 'broken: will not start: ' "$boot_log"
check "its start fails with a message" \
  grep -q 'broken: cannot start: its shared image is not mounted' "$boot_log"
check "  ... and it never ran" bash -c '! grep -q "^\[broken\] never" "$1"' _ "$boot_log"
check "the other container ran to its end" grep -q '^\[survivor\] still here$' "$boot_log"
console_on_failure
done_testing
