#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead-runtime as podman's runtime (podman --runtime PATH), tried as a
# user would with Debian's podman 4.3: the lifecycle, the sandbox options,
# devices, pause, update, exec and health checks, terminals and hooks, each
# observed from outside (the container's output, files on the host, exit
# statuses). PODMAN_TEST_RUNTIME=/usr/sbin/runc runs the same against a
# reference runtime. Everything podman keeps (storage, locks, events,
# runtime state, cgroups, networks) is this run's own: private mount,
# network and pid namespaces with cgroup2 on /sys/fs/cgroup (the host may
# be hybrid), tmpfs on /dev/shm and /run, and the storage and a
# containers.conf under $work.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root: podman runs root containers here"
for tool in podman conmon jq; do
  command -v $tool >/dev/null || skip_all "$tool is not installed (make deps installs it)"
done
[ -x /bin/busybox ] || skip_all "no /bin/busybox for the image (make deps installs busybox-static)"
[ -x "$BUILD/tests/helpers/seccomp-probe" ] || skip_all "no $BUILD/tests/helpers/seccomp-probe (make check builds it)"
grep -qw cgroup2 /proc/filesystems || skip_all "the kernel has no cgroup v2"
# Namespaces of its own: mounts (cgroup2, /dev/shm), the network (nothing
# podman does can touch the host's) and pids, where this shell is PID 1:
# it reaps conmon at once, and whatever is left dies with it.
if [ -z "${BULKHEAD_CGROUP_NS:-}" ]; then
  BULKHEAD_CGROUP_NS=1 exec unshare --mount --propagation private --net --pid --fork --mount-proc "$BASH" "$0" "$@"
fi
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || skip_all "cannot mount cgroup2 on /sys/fs/cgroup here"
# podman's locks (/dev/shm) and the runtimes' default state directories
# (/run/runc, /run/bulkhead: the cleanup podman runs on exit is given no
# runtime flags) are this run's alone
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || skip_all "cannot mount a tmpfs on /dev/shm for podman's locks"
mount -t tmpfs -o mode=0755 tmpfs /run || skip_all "cannot mount a tmpfs on /run"
# and so is what the CNI plugins keep (/var/lib/cni: addresses handed out)
mount -t tmpfs -o mode=0755 tmpfs /var/lib || skip_all "cannot mount a tmpfs on /var/lib"
ip link set lo up
runtime=${PODMAN_TEST_RUNTIME:-${BULKHEAD_RUNTIME:-$BUILD/bin/bulkhead-runtime}}

work=$(mktemp -d)
# The cgroups podman makes (cgroupfs: PARENT/libpod-ID, PARENT/conmon) go
# under a parent of this run alone: the cgroup2 tree is the host's, shared.
cgparent=/bulkhead-podman-test.${work##*/}
cleanup() {
  P rm -a -f -t 0 >/dev/null 2>&1
  [ -d "/sys/fs/cgroup$cgparent" ] && find "/sys/fs/cgroup$cgparent" -depth -type d -exec rmdir {} + 2>/dev/null
  [ -n "${slice:-}" ] && rmdir "/sys/fs/cgroup/$slice" 2>/dev/null
  awk -v w="$work" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r umount -l
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/hooks" "$work/data"
cat >"$work/containers.conf" <<EOF
[containers]
netns = "none"
# podman's own defaults are the host's: a pids limit needs the pids
# controller in cgroup2, and as root it asks for 1048576 open files, more
# than the hard limit a runtime without CAP_SYS_RESOURCE can raise to
pids_limit = 0
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$work/tmp"
volume_path = "$work/volumes"
[network]
network_config_dir = "$work/net"
EOF
cat >"$work/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$work/run"
graphroot = "$work/root"
EOF
export CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf
P() { podman --runtime "$runtime" --hooks-dir "$work/hooks" "$@"; }
# run and create, in this run's cgroup parent
prun() { P run --cgroup-parent "$cgparent" "$@"; }
inspect() { P inspect -f "{{$2}}" "$1" 2>/dev/null; }
status_is() { [ "$(inspect "$1" .State.Status)" = "$2" ]; }

# The image: static busybox with every applet, seccomp-probe, a user and
# a file in /tmp for --read-only's copy of the image's /tmp.
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
chmod 1777 "$rootfs/tmp"
cp /bin/busybox "$BUILD/tests/helpers/seccomp-probe" "$rootfs/bin/"
for applet in $(/bin/busybox --list); do [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0::/:/bin/sh\napp:x:1000:1000::/tmp:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' >"$rootfs/etc/group"
echo from-image >"$rootfs/tmp/from-image"
tar -C "$rootfs" -c . | P import - localhost/bb >"$work/import.log" 2>&1 ||
  { diag <"$work/import.log"; skip_all "podman cannot import an image here"; }
P info >"$work/info" 2>&1 || { diag <"$work/info"; skip_all "podman info fails here"; }
echo "podman $(podman --version | awk '{ print $3 }'), runtime $runtime" | diag

version=$(P info --format '{{.Host.OCIRuntime.Version}}' 2>&1)
check "podman info shows the runtime's version ($(head -n1 <<<"$version"))" grep -q '^[a-z-]* version [0-9]' <<<"$version"

# run --rm: output and exit status
out=$(prun --rm localhost/bb sh -c 'echo hello; exit 3' 2>"$work/err")
st=$?
check "run --rm prints the command's output ($out)" test "$out" = hello
check "  ... and exits with its status ($st; $(head -c 300 "$work/err"))" test "$st" -eq 3
check "  ... and removes the container" test -z "$(P ps -a -q)"
if [ "$out" != hello ]; then
  echo "no container runs at all: the checks below would each wait for one in vain" | diag
  done_testing
  exit
fi

# run -d, logs, kill, stop, start, restart, top, ps, rm -f. The command
# records signals in a bind-mounted host directory and ends on TERM.
prun -d --name d1 -v "$work/data:/data" localhost/bb sh -c \
  'trap "echo usr1 >>/data/usr1" USR1; trap "echo bye; exit 7" TERM; echo started; while :; do sleep 1 & wait; done' \
  >/dev/null 2>"$work/err"
check "run -d starts it ($(head -c 300 "$work/err"))" wait_for "d1 running" 60 status_is d1 running
logs_count() { [ "$(P logs d1 2>/dev/null | grep -c "$1")" -ge "$2" ]; }
check "logs has its output" wait_for "started in the logs" 60 logs_count started 1
pid=$(inspect d1 .State.Pid)
check "ps lists it as Up" grep -q 'Up' <<<"$(P ps --filter name=d1 --format '{{.Status}}')"
P top d1 >"$work/top" 2>&1
check "top shows its processes ($(grep -c . "$work/top") lines)" grep -q 'sh -c' "$work/top"
P kill -s USR1 d1 >/dev/null 2>&1
check "kill -s USR1: the signal reaches the command (its trap writes a host file)" \
  wait_for "/data/usr1" 60 test -s "$work/data/usr1"
start=$SECONDS
P stop -t 30 d1 >/dev/null 2>"$work/err"
check "stop ends it by TERM, well within its timeout ($((SECONDS - start)) s of 30; $(head -c 300 "$work/err"))" \
  test $((SECONDS - start)) -lt 25
check "  ... it is exited with the trap's status 7 ($(inspect d1 .State.ExitCode))" test "$(inspect d1 .State.ExitCode)" = 7
check "  ... its logs have what the trap printed" logs_count bye 1
check "  ... and its process is gone" gone "$pid"
P start d1 >/dev/null 2>"$work/err"
check "start runs it again ($(head -c 300 "$work/err"))" wait_for "d1 running" 60 status_is d1 running
check "  ... its logs show the second start" wait_for "two starts in the logs" 60 logs_count started 2
pid=$(inspect d1 .State.Pid)
P restart -t 30 d1 >/dev/null 2>"$work/err"
check "restart runs it again ($(head -c 300 "$work/err"))" wait_for "d1 running" 60 status_is d1 running
check "  ... as a new process" test "$(inspect d1 .State.Pid)" != "$pid"
check "  ... which started once more" wait_for "three starts in the logs" 60 logs_count started 3
pid=$(inspect d1 .State.Pid)
P rm -f -t 0 d1 >/dev/null 2>"$work/err"
check "rm -f removes the running container ($(head -c 300 "$work/err"))" test -z "$(P ps -a -q --filter name=d1)"
check "  ... and ends its process" wait_for "d1's process to end" 60 gone "$pid"

# stop of a command that ignores TERM (PID 1 without a handler): KILL
# after the timeout
prun -d --name d2 localhost/bb sleep 1000 >/dev/null 2>&1
wait_for "d2 running" 60 status_is d2 running
start=$SECONDS
P stop -t 1 d2 >/dev/null 2>&1
check "stop of a command ignoring TERM ends it by KILL after the timeout ($((SECONDS - start)) s)" \
  test "$(inspect d2 .State.ExitCode)" = 137
P rm -f -t 0 d2 >/dev/null 2>&1

# identity and privileges
out=$(prun --rm --user 1000:1000 localhost/bb sh -c 'echo $(id -u):$(id -g)' 2>&1)
check "--user 1000:1000 runs as 1000:1000 ($out)" test "$out" = 1000:1000
out=$(prun --rm localhost/bb sh -c 'touch /tmp/f && chown 1000 /tmp/f && echo chowned' 2>&1)
check "the default capabilities allow chown ($out)" test "$out" = chowned
out=$(prun --rm --cap-drop ALL localhost/bb sh -c 'touch /tmp/f && chown 1000 /tmp/f && echo chowned' 2>&1)
check "--cap-drop ALL: chown fails with EPERM ($out)" grep -q 'Operation not permitted' <<<"$out"
out=$(prun --rm --cap-drop ALL --cap-add CHOWN localhost/bb sh -c 'touch /tmp/f && chown 1000 /tmp/f && echo chowned' 2>&1)
check "  ... --cap-add CHOWN gives it back ($out)" test "$out" = chowned

# --init: podman's catatonit is PID 1 and hands on the command's status
if [ -x /usr/libexec/podman/catatonit ]; then
  out=$(prun --rm --init localhost/bb sh -c 'tr "\0" " " </proc/1/cmdline; exit 4' 2>&1)
  st=$?
  check "--init: PID 1 is podman's init ($out)" grep -q '^/run/podman-init ' <<<"$out"
  check "  ... and the command's exit status comes through ($st)" test "$st" -eq 4
else
  echo "--init not checked: catatonit is not installed (make deps installs it)" | diag
fi
out=$(prun --rm --sysctl kernel.shm_rmid_forced=1 localhost/bb cat /proc/sys/kernel/shm_rmid_forced 2>&1)
check "--sysctl sets a namespaced sysctl ($out)" test "$out" = 1
out=$(prun --rm --uidmap 0:200000:65536 --gidmap 0:200000:65536 localhost/bb sh -c 'cat /proc/self/uid_map; id -u' 2>&1)
check "--uidmap runs it in a user namespace mapping 0 to 200000 ($(echo $out))" test "$(echo $out)" = "0 200000 65536 0"

# file systems: --read-only, --tmpfs, a bind
out=$(prun --rm --read-only localhost/bb sh -c 'touch /x' 2>&1)
check "--read-only: writing to / fails with EROFS ($out)" grep -q 'Read-only file system' <<<"$out"
out=$(prun --rm --read-only localhost/bb sh -c 'touch /tmp/y && cat /tmp/from-image' 2>&1)
check "  ... /tmp is writable and holds the image's /tmp (tmpcopyup) ($out)" test "$out" = from-image
out=$(prun --rm --tmpfs /x:mode=0700 localhost/bb sh -c 'stat -c %a /x; grep " /x " /proc/mounts | cut -d" " -f3' 2>&1)
check "--tmpfs /x:mode=0700 mounts a tmpfs of mode 0700 ($(echo $out))" test "$(echo $out)" = "700 tmpfs"
echo from-host >"$work/data/in"
out=$(prun --rm -v "$work/data:/data" localhost/bb sh -c 'cat /data/in; echo from-container >/data/out' 2>&1)
check "-v HOSTDIR:/data: the container reads the host's file ($out)" test "$out" = from-host
check "  ... and the host reads the container's" grep -qx from-container "$work/data/out"

# networks: none (the default here), bridge with a published port that a
# client on this namespace's loopback reaches, host
out=$(prun --rm localhost/bb ls /sys/class/net 2>&1)
check "--network none: only lo ($(echo $out))" test "$out" = lo
out=$(prun --rm --network bridge localhost/bb ip -4 -o addr show eth0 2>&1)
check "--network bridge: an address on eth0 ($(awk '{ print $4 }' <<<"$out"))" grep -q ' inet ' <<<"$out"
port=$(free_port)
prun -d --name web --network bridge -p "127.0.0.1:$port:8080" -v "$work/data:/data" localhost/bb \
  httpd -f -p 8080 -h /data >/dev/null 2>"$work/err"
echo served >"$work/data/page"
page_served() { [ "$(http_get "http://127.0.0.1:$port/page" 5)" = served ]; }
check "-p 127.0.0.1:$port:8080: a client on loopback gets the container's page ($(head -c 300 "$work/err"))" \
  wait_for "the published port to answer" 60 page_served
P rm -f -t 0 web >/dev/null 2>&1
out=$(prun --rm --network host localhost/bb readlink /proc/self/ns/net 2>&1)
check "--network host: the caller's network namespace ($out)" test "$out" = "$(readlink /proc/self/ns/net)"

# seccomp: the default profile refuses vmsplice, which needs no
# privilege; unconfined, the kernel answers (EBADF: no such descriptor)
out=$(prun --rm localhost/bb seccomp-probe 2>&1)
check "the default seccomp profile refuses vmsplice with EPERM ($out)" test "$out" = EPERM
out=$(prun --rm --security-opt seccomp=unconfined localhost/bb seccomp-probe 2>&1)
check "  ... seccomp=unconfined lets the kernel answer ($out)" test "$out" = EBADF

# devices. podman sends a device list that only denies (deny rwm, plus
# what --device adds): the runtime must allow its default nodes itself,
# as runc and crun do
out=$(prun --rm localhost/bb sh -c 'for d in null zero full random urandom; do head -c1 /dev/$d >/dev/null && echo ok; done
  echo x >/dev/null && echo ok' 2>&1)
check "the default devices (null, zero, full, random, urandom) open, and /dev/null takes writes ($(grep -v '^ok$' <<<"$out" | head -n 2 | tr '\n' ' '))" \
  test "$(grep -cx ok <<<"$out")" -eq 6
host_dev=$(for d in /dev/kmsg /dev/mem /dev/loop-control /dev/tty0; do [ -c "$d" ] && echo "$d" && break; done)
out=$(prun --rm --privileged localhost/bb sh -c "ls $host_dev && echo x >/dev/null && echo done" 2>&1)
check "--privileged starts, with the host's devices ($host_dev) ($(echo $out))" test "$(echo $out)" = "$host_dev done"
out=$(prun --rm --device /dev/null:/dev/mynull localhost/bb sh -c 'echo x >/dev/mynull && echo written' 2>&1)
check "--device /dev/null:/dev/mynull is there and usable ($out)" test "$out" = written
# mknod: podman lets every c and b node be made (runc and crun allow it
# with CAP_MKNOD, in podman's default set); the device cgroup decides what
# opens. /dev/null's numbers do; a disk (b 8:0) and /dev/mem (c 1:1),
# which podman did not allow, are refused with EPERM, whether at mknod or
# at open.
out=$(prun --rm localhost/bb sh -c 'mknod /dev/nul2 c 1 3 && echo x >/dev/nul2 && echo null-ok' 2>&1)
check "a node made for /dev/null's numbers can be written, as under runc ($out)" test "$out" = null-ok
out=$(prun --rm localhost/bb sh -c 'mknod /dev/sdz b 8 0; head -c1 /dev/sdz >/dev/null && echo opened-sdz
  mknod /dev/mem2 c 1 1; head -c1 /dev/mem2 >/dev/null && echo opened-mem' 2>&1)
check "a disk's node (b 8:0), which podman did not allow, is refused with EPERM ($(echo $out))" \
  grep -q 'sdz: Operation not permitted' <<<"$out"
check "  ... and so is /dev/mem's (c 1:1)" grep -q 'mem2: Operation not permitted' <<<"$out"
check "  ... neither opened" test "$(grep -c '^opened' <<<"$out")" -eq 0

# --pid host: stop must end it though it is not PID 1 of a namespace of
# its own (podman stops such a container with kill --all)
prun -d --name ph --pid host localhost/bb sleep 1000 >/dev/null 2>"$work/err"
check "--pid host runs ($(head -c 300 "$work/err"))" wait_for "ph running" 60 status_is ph running
pid=$(inspect ph .State.Pid)
check "  ... in the host's pid namespace" test "$(readlink "/proc/$pid/ns/pid")" = "$(readlink /proc/self/ns/pid)"
P stop -t 5 ph >/dev/null 2>"$work/err"
check "  ... and stop ends it ($(head -c 300 "$work/err"))" wait_for "ph's process to end" 60 gone "$pid"
check "  ... and says exited" status_is ph exited
P rm -f -t 0 ph >/dev/null 2>&1

# pause and unpause: the counter the command writes stops, then goes on
prun -d --name pz -v "$work/data:/data" localhost/bb sh -c \
  'i=0; while :; do i=$((i + 1)); echo $i >/data/count.tmp; mv /data/count.tmp /data/count; usleep 20000; done' \
  >/dev/null 2>&1
count() { cat "$work/data/count" 2>/dev/null || echo 0; }
advanced() { [ "$(count)" -gt "$1" ]; }
wait_for "pz counting" 60 advanced 0
cgdir=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$(inspect pz .State.Pid)/cgroup")
P pause pz >/dev/null 2>"$work/err"
check "pause: state paused ($(head -c 300 "$work/err"))" status_is pz paused
check "  ... the kernel says its cgroup is frozen" wait_for "cgroup.events frozen 1" 60 grep -qx 'frozen 1' "$cgdir/cgroup.events"
frozen_at=$(count)
# a second's chance to count on: at 50 per second it would
! wait_for "the counter to move while paused" 1 advanced "$frozen_at" 2>/dev/null
st=$?
check "  ... and the counter stopped at $frozen_at ($(count) a second later)" test "$st" -eq 0
P unpause pz >/dev/null 2>"$work/err"
check "unpause: state running ($(head -c 300 "$work/err"))" status_is pz running
check "  ... and the counter goes on" wait_for "the counter to move" 60 advanced "$frozen_at"

# update: the memory controller is not always in cgroup2 (a hybrid host
# keeps it in v1); then the runtime's refusal must reach the user
if grep -qw memory "$cgdir/cgroup.controllers"; then
  P update --memory 256m pz >/dev/null 2>"$work/err"
  check "update --memory sets memory.max ($(head -c 300 "$work/err"))" test "$(cat "$cgdir/memory.max")" = 268435456
else
  P update --memory 256m pz >/dev/null 2>"$work/err"
  st=$?
  check "update --memory without cgroup2's memory controller fails (exit $st)" test "$st" -ne 0
  check "  ... with the runtime's reason, naming memory ($(grep -m1 memory "$work/err" | head -c 400))" \
    grep -q 'memory' "$work/err"
fi

# exec: podman runs the runtime's exec with --process FILE
out=$(P exec pz echo hi 2>&1)
check "exec runs a command in the container ($out)" test "$out" = hi
P exec pz sh -c 'exit 5' >/dev/null 2>"$work/err"
st=$?
check "  ... and gives its exit status ($st; $(head -c 300 "$work/err"))" test "$st" -eq 5
out=$(P exec --user 1000:1000 pz id -u 2>&1)
check "exec --user 1000:1000 runs as 1000 ($out)" test "$out" = 1000
out=$(P exec pz sh -c 'readlink /proc/1/ns/mnt; readlink /proc/self/ns/mnt' 2>&1)
check "  ... in the container's mount namespace ($(echo $out))" test "$(sed -n 1p <<<"$out")" = "$(sed -n 2p <<<"$out")"
P rm -f -t 0 pz >/dev/null 2>&1

# health check: podman runs it by hand here (no systemd for its timer).
# The container makes /tmp/ok itself when the host says go.
prun -d --name hc -v "$work/data:/data" --health-cmd 'test -f /tmp/ok' --health-interval disable localhost/bb \
  sh -c 'until [ -e /data/go ]; do usleep 50000; done; touch /tmp/ok; touch /data/ok-made; sleep 1000' >/dev/null 2>&1
wait_for "hc running" 60 status_is hc running
health_log() { P inspect hc | jq -r ".[0].State.Health.Log[-1].$1" | head -c 300; }
P healthcheck run hc >"$work/health" 2>&1
st=$?
check "healthcheck run: unhealthy (exit 1) before /tmp/ok exists ($st; $(head -c 300 "$work/health"))" test "$st" -eq 1
check "  ... as the command's own status 1 ($(health_log ExitCode); its output: $(health_log Output))" \
  test "$(health_log ExitCode)" = 1
touch "$work/data/go"
wait_for "the container to make /tmp/ok" 60 test -e "$work/data/ok-made"
P healthcheck run hc >"$work/health" 2>&1
st=$?
check "  ... healthy (exit 0) once it does, the command run through the runtime's exec ($st; $(head -c 300 "$work/health"); its output: $(health_log Output))" \
  test "$st" -eq 0
check "  ... inspect says healthy" test "$(inspect hc .State.Health.Status)" = healthy
P rm -f -t 0 hc >/dev/null 2>&1

# terminals: podman asks the runtime for a pty (--console-socket)
out=$(prun --rm -t localhost/bb tty </dev/null 2>&1 | tr -d '\r')
check "run -t: the command has a terminal ($out)" test "$out" = /dev/pts/0
# -it from a terminal (script gives podman one): what is typed reaches
# the container's shell through its terminal, and its answers come back
out=$(printf 'tty\nexit 0\n' | script -qec "podman --runtime $runtime --hooks-dir $work/hooks run --cgroup-parent $cgparent --rm -it localhost/bb sh" /dev/null 2>&1 | tr -d '\r')
check "run -it from a terminal: the typed tty answers /dev/pts/0 ($(tail -n 3 <<<"$out" | tr '\n' ' ' | cat -v | head -c 300))" \
  grep -qx /dev/pts/0 <<<"$out"

# hooks from --hooks-dir, chosen by an annotation
cat >"$work/hook" <<EOF
#!/bin/sh
# \$1: fail or record
[ "\$1" = fail ] && exit 1
cat >"$work/data/hook-state"
EOF
chmod +x "$work/hook"
for how in fail record; do
  cat >"$work/hooks/$how.json" <<EOF
{"version": "1.0.0", "hook": {"path": "$work/hook", "args": ["hook", "$how"]},
 "when": {"annotations": {"^bulkhead\\\\.test\\\\.hook\$": "^$how\$"}}, "stages": ["prestart"]}
EOF
done
out=$(prun --rm --annotation bulkhead.test.hook=record localhost/bb echo ran 2>&1)
check "a container with a prestart hook runs ($out)" test "$out" = ran
check "  ... with the container's state on its stdin" \
  quietly jq -e '.pid > 0 and (.id | length) == 64' "$work/data/hook-state"
out=$(prun --rm --annotation bulkhead.test.hook=fail localhost/bb echo ran 2>&1)
st=$?
check "a prestart hook that exits 1 fails the container (exit $st; $(head -c 300 <<<"$out"))" test "$st" -ne 0
check "  ... before its command ran" test "$(grep -c '^ran' <<<"$out")" -eq 0

# podman's systemd cgroup manager: without a systemd here podman only
# warns (conmon stays where it is) and sends --systemd-cgroup with a
# cgroupsPath SLICE:libpod:ID, which the runtime makes itself where systemd
# would put the scope (runc refuses: "systemd not running on this host")
slice=bulkhead_podman_${work##*.}.slice
P --cgroup-manager systemd run -d --name sd --cgroup-parent "$slice" localhost/bb sleep 1000 >/dev/null 2>"$work/err" &&
  wait_for "sd running" 60 status_is sd running
st=$?
check "--cgroup-manager systemd: it runs ($(grep -v 'conmon to systemd' "$work/err" | head -c 300))" test "$st" -eq 0
id=$(inspect sd .Id)
pid=$(inspect sd .State.Pid)
check "  ... in the scope systemd would make ($(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null))" \
  grep -qx "0::/$slice/libpod-$id.scope" "/proc/$pid/cgroup"
P --cgroup-manager systemd rm -f -t 0 sd >/dev/null 2>&1
check "  ... which rm removes" test ! -e "/sys/fs/cgroup/$slice/libpod-$id.scope"
done_testing
