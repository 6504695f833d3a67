#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Mount options as podman writes them: tmpcopyup (--read-only, --tmpfs)
# starts a tmpfs with what the image has at its mount point, links copied
# as links, modes and owners kept; an option the runtime does not know is
# refused by name at create, never handed to the kernel.
. "$(dirname "$0")/lib.sh"
needs_root_and_jq
grep -qw cgroup2 /proc/filesystems || skip_all "the kernel has no cgroup v2"

work=$(mktemp -d)
runtime_bundle bulkhead-probe
R spec --bundle "$bundle"
default=$(cat "$bundle/config.json")
# What the image has in /tmp, where the default mounts a tmpfs.
image=$bundle/rootfs/tmp
mkdir -p "$image/dir"
# The default's root has no CAP_DAC_OVERRIDE: what it reads and writes
# is its own or open to all.
echo hello >"$image/file"
echo secret >"$image/owned" && chown 1234:5678 "$image/owned" && chmod 640 "$image/owned"
echo inner >"$image/dir/inner" && chown 42:43 "$image/dir" && chmod 751 "$image/dir"
ln -s /etc/passwd "$image/absolute" && chown -h 7:8 "$image/absolute"
ln -s dir/inner "$image/relative"
mkfifo -m 600 "$image/fifo"
n=0 container_prefix=m
# in_container JQ PROBE-ARGS...: runs the probe under the default changed by JQ.
in_container() { run_program "$1" bulkhead-probe "${@:2}"; }
tmp_options() { printf '(.mounts[] | select(.destination == "/tmp") | .options) |= %s' "$1"; }
copyup=$(tmp_options '. + ["tmpcopyup"]')

out=$(in_container "$copyup" cat /tmp/file)
check "tmpcopyup: the image's file is in the tmpfs ($out)" test "$out" = hello
out=$(in_container "$copyup" lstat /tmp/owned)
check "  ... another with its mode and owner ($out)" test "$out" = "f 0640 1234:5678"
out=$(in_container "$copyup" cat /tmp/owned)
check "  ... which the container's root, without CAP_DAC_OVERRIDE, may not read ($out)" test "$out" = EACCES
out=$(in_container "$copyup" lstat /tmp/dir)
check "  ... a directory with its mode and owner ($out)" test "$out" = "d 0751 42:43"
out=$(in_container "$copyup" cat /tmp/dir/inner)
check "  ... and what it holds ($out)" test "$out" = inner
out=$(in_container "$copyup" lstat /tmp/absolute)
check "  ... an absolute symlink copied as a link, not followed, with its owner ($out)" test "$out" = "l 0777 7:8 -> /etc/passwd"
out=$(in_container "$copyup" cat /tmp/relative)
check "  ... a relative one that still leads to its file ($out)" test "$out" = inner
out=$(in_container "$copyup" lstat /tmp/fifo)
check "  ... a fifo ($out)" test "$out" = "p 0600 0:0"
out=$(in_container "$copyup" write /tmp/file)
check "  ... writable in the container ($out)" test "$out" = ok
check "  ... without reaching the image" test "$(cat "$image/file")" = hello
out=$(in_container "$copyup" write /tmp/new)
check "  ... nor does a new file ($out)" test ! -e "$image/new"
out=$(in_container . lstat /tmp/file)
check "without tmpcopyup the tmpfs starts empty ($out)" test "$out" = ENOENT

in_container "$(tmp_options '. + ["bogus"]')" lstat /tmp >/dev/null
status=$?
index=$(jq '[.mounts[].destination] | index("/tmp")' <<<"$default")
options=$(jq '.mounts[] | select(.destination == "/tmp") | .options | length' <<<"$default")
check "an unknown option is refused at create (exit $status)" test "$status" -eq 125
check "  ... by name and place" \
  grep -qF "config.json: mounts[$index].options[$options]: \"bogus\" is not a mount option the runtime knows" "$work/err"
check "  ... leaving no state" test ! -e "$root/m$n"
in_container "$(tmp_options '. + ["foo=bar"]')" lstat /tmp >/dev/null
check "an unknown option with a value is refused too" grep -qF '"foo=bar" is not a mount option' "$work/err"
in_container '.mounts += [{"destination": "/mnt", "source": "/tmp", "options": ["bind", "tmpcopyup"]}]' lstat /mnt >/dev/null
check "tmpcopyup on a bind mount is refused" grep -qF 'tmpcopyup is for a mount of type tmpfs' "$work/err"
out=$(in_container "$(tmp_options '["nosuid", "nodev", "noexec", "rprivate", "relatime", "mode=700", "size=1m", "uid=5", "gid=6", "tmpcopyup"]')" lstat /tmp)
check "the options podman gives a tmpfs are known and applied: mode=, uid=, gid= ($out)" test "$out" = "d 0700 5:6"
# Masked directories: the first gets an empty read-only tmpfs, the others
# a bind of it. Each is empty and refuses a write, on a root the process
# could write otherwise (writable, no Landlock rules).
mkdir -p "$bundle/rootfs/m1" "$bundle/rootfs/m2" "$bundle/rootfs/m3"
echo x >"$bundle/rootfs/m1/file" && echo x >"$bundle/rootfs/m2/file" && echo x >"$bundle/rootfs/m3/file"
chmod 1777 "$bundle/rootfs/m2" # the default's root has no CAP_DAC_OVERRIDE
writable='.root.readonly = false | del(.process.landlock)'
masks="$writable"' | .linux.maskedPaths = ["/m1", "/nothing-here", "/m2", "/m3/file"]'
for dir in m1 m2; do
  out=$(in_container "$masks" lstat /$dir/file)
  check "masked /$dir is empty ($out)" test "$out" = ENOENT
  out=$(in_container "$masks" write /$dir/new)
  check "  ... and read-only ($out)" test "$out" = EROFS
done
out=$(in_container "$masks" lstat /m3/file)
check "a masked file is /dev/null ($out)" test "${out%% *}" = c
# The first masked directory hidden by a later mask of its parent: the
# others still get the empty directory.
mkdir -p "$bundle/rootfs/a/x"
out=$(in_container "$writable"' | .linux.maskedPaths = ["/a/x", "/a", "/m2"]' lstat /m2/file)
check "a mask whose first directory a later one hides still empties the next ($out)" test "$out" = ENOENT
out=$(in_container "$writable" write /m2/new)
check "  ... while unmasked the same directory takes the write ($out)" test "$out" = ok
check "the image keeps what the masks hid" test -e "$bundle/rootfs/m1/file" -a -e "$bundle/rootfs/m2/file"
# A read-only path is read-only all the way down: a tmpfs mounted below
# it refuses a write too, where the same tmpfs takes it otherwise.
mkdir -p "$bundle/rootfs/ro/below"
below="$writable"' | .mounts += [{"destination": "/ro/below", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]}]'
out=$(in_container "$below"' | .linux.readonlyPaths = ["/ro"]' write /ro/below/new)
check "a tmpfs below a read-only path refuses a write: EROFS ($out)" test "$out" = EROFS
out=$(in_container "$below" write /ro/below/new)
check "  ... and takes it without the read-only path ($out)" test "$out" = ok
out=$(in_container "$below"' | .linux.readonlyPaths = ["/ro"]' write /ro/new)
check "  ... as the read-only path itself refuses one ($out)" test "$out" = EROFS
# nosuid, nodev and noexec reach the read-only path alone: a file masked
# below it (/dev/null bound there) still opens.
out=$(in_container "$writable"' | .linux.readonlyPaths = ["/proc/sys"] | .linux.maskedPaths = ["/proc/sys/kernel/hostname"]' \
  open /proc/sys/kernel/hostname r)
check "a masked file below a read-only path opens ($out $(cat "$work/err"))" test "$out" = ok
if command -v strace >/dev/null; then
  trace_calls=mount_setattr
  out=$(trace_inject=inject=mount_setattr:error=ENOSYS runtime=traced_runtime in_container "$below"' | .linux.readonlyPaths = ["/ro"]' write /ro/new)
  check "without mount_setattr (before Linux 5.12) the read-only path itself still refuses a write: EROFS ($out)" \
    test "$out" = EROFS
else
  not_ok "strace is not installed (make deps installs it)"
fi
check "features lists tmpcopyup among the mount options" quietly jq -e '.mountOptions | index("tmpcopyup")' <(R features)
done_testing
