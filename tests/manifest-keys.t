#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The manifest's process keys, seen from inside the running containers: the
# init runs as PID 1 of a fresh pid namespace on this host (as in
# init-supervision.t), so the host kernel enforces each setting. Each
# forbidden thing fails with the right error and its allowed neighbour works.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v unshare >/dev/null || skip_all "unshare is not installed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A Docker-format profile: mkdir answers EACCES; chmod's entry is for arm64
# only and chown's is excluded when CAP_CHOWN is held, so both stay allowed.
cat >"$work/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
 "syscalls": [
  {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "no new directories"},
  {"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["arm64"]}},
  {"names": ["chown", "fchownat", "lchown"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_CHOWN"]}}
 ]}
JSON
printf 'from the host\n' >"$work/greeting.txt"
cat >"$work/keys.yml" <<'YAML'
name: keys
onboot:
  - name: who
    image: busybox
    user: nobody
    command: "echo ids $(id -u):$(id -g); touch /tmp/mine && stat -c 'owner %u' /tmp/mine"
  - name: group
    image: busybox
    user: "1000:nogroup"
    command: "echo ids $(id -u):$(id -g)"
  - name: caps
    image: busybox
    capabilities: {drop: [CAP_SYS_ADMIN], add: [CAP_CHOWN, CAP_KILL, CAP_SYS_ADMIN]}
    command: "grep CapEff /proc/self/status"
  - name: profile
    image: busybox
    readonly: false
    capabilities: [CAP_CHOWN]
    seccomp: profile.json
    command: "mkdir /tmp/d 2>&1 | sed 's/.*: //'; touch /tmp/f; chmod 600 /tmp/f && chown 1:1 /tmp/f && echo chmod chown ok"
  - name: unconfined
    image: busybox
    seccomp: unconfined
    command: "grep Seccomp: /proc/self/status"
  - name: paths
    image: busybox
    paths: {read: [/etc], exec: [/bin], write: [/tmp], deny: [/etc/group]}
    command: "cat /etc/passwd | head -1; ls /usr 2>&1 | sed 's/.*: //'; echo x > /tmp/w && echo tmp writable; echo [$(cat /etc/group)]"
  - name: limits
    image: busybox
    sysctl: {net.ipv4.ip_unprivileged_port_start: "80"}
    rlimits: {nofile: [512, 1024], core: 0}
    command: "echo port $(cat /proc/sys/net/ipv4/ip_unprivileged_port_start) nofile $(ulimit -n) $(ulimit -Hn) core $(ulimit -c)"
  - name: unlimited
    image: busybox
    rlimits: {core: unlimited}
    command: "echo core $(ulimit -c) $(ulimit -Hc)"
  - name: files
    image: busybox
    files:
      - {path: /etc/motd, contents: "welcome\n", mode: "0640", owner: "65534:0"}
      - {path: /srv/greeting, source: greeting.txt}
    command: "cat /etc/motd /srv/greeting; stat -c '%a %u:%g' /etc/motd"
services:
  - name: done
    image: busybox
    command: "true"
YAML
boot_host keys "$work/keys.yml"
check "the appliance ends with status 0 (got $boot_status)" test "$boot_status" -eq 0
check "user: nobody runs as 65534:65534" grep -qx '\[who\] ids 65534:65534' "$boot_log"
check "  ... and its files are its own" grep -qx '\[who\] owner 65534' "$boot_log"
check "user: 1000:nogroup: a number not in passwd, a group by name" grep -qx '\[group\] ids 1000:65534' "$boot_log"
check "capabilities add CHOWN, KILL, SYS_ADMIN and drop SYS_ADMIN: CapEff 0x21" \
  grep -qx '\[caps\] CapEff:	0000000000000021' "$boot_log"
check "a Docker seccomp profile refuses mkdir with its errnoRet (EACCES)" grep -qx '\[profile\] Permission denied' "$boot_log"
check "  ... and keeps what its arch and caps conditions leave out allowed" grep -qx '\[profile\] chmod chown ok' "$boot_log"
check "seccomp: unconfined loads no filter" grep -qx '\[unconfined\] Seccomp:	0' "$boot_log"
check "paths.read lets /etc be read" grep -qx '\[paths\] root:x:0:0:root:/root:/bin/sh' "$boot_log"
check "  ... a tree in no list is refused by Landlock" grep -qx '\[paths\] Permission denied' "$boot_log"
check "  ... paths.write lets /tmp be written" grep -qx '\[paths\] tmp writable' "$boot_log"
check "  ... paths.deny masks a file inside a readable tree" grep -qx '\[paths\] \[\]' "$boot_log"
check "sysctl and rlimits reach the container" grep -qx '\[limits\] port 80 nofile 512 1024 core 0' "$boot_log"
check "  ... and unlimited (the spec's uint64 18446744073709551615 in config.json, which the builder reads back)" \
  grep -qx '\[unlimited\] core unlimited unlimited' "$boot_log"
check "files: contents and source are in the rootfs" \
  sh -c "grep -qx '\[files\] welcome' '$boot_log' && grep -qx '\[files\] from the host' '$boot_log'"
check "  ... with their mode and owner" grep -qx '\[files\] 640 65534:0' "$boot_log"
console_on_failure

# interfaces: what the builder hands the init (the init configures them
# only on a machine, so this is read from the image's appliance.json).
cat >"$work/net.yml" <<'YAML'
name: net
interfaces:
  - {}
  - address: 10.0.2.20/24
    gateway: 10.0.2.2
    dns: [10.0.2.3, 1.1.1.1]
  - name: wan
    address: dhcp
    dns: [9.9.9.9]
  - address: 192.168.7.1/32
services:
  - name: done
    image: busybox
    command: "true"
YAML
if "$BULKHEAD" build -q "$work/net.yml" -o "$work/net" >"$work/net.log" 2>&1; then
  zcat "$work/net/initrd.img" | (cd "$work" && cpio -i --quiet --to-stdout etc/bulkhead/appliance.json) >"$work/net.json"
else
  diag <"$work/net.log"
fi
interface() { jq -c ".interfaces[$1]" "$work/net.json" 2>/dev/null; }
check "interfaces: {} is eth0 by DHCP" test "$(interface 0)" = '{"dhcp":true,"name":"eth0"}'
check "  ... a static address with its gateway and DNS servers, eth1 by position" \
  test "$(interface 1)" = '{"address":"10.0.2.20","dns":["10.0.2.3","1.1.1.1"],"gateway":"10.0.2.2","name":"eth1","prefix":24}'
check "  ... a named DHCP interface with its own DNS server" test "$(interface 2)" = '{"dhcp":true,"dns":["9.9.9.9"],"name":"wan"}'
check "  ... a /32 without a gateway" test "$(interface 3)" = '{"address":"192.168.7.1","name":"eth3","prefix":32}'
check "  ... and no more" test "$(jq '.interfaces | length' "$work/net.json" 2>/dev/null)" = 4
check "an appliance without interfaces: writes none" test "$(cd "$work/keys.root" && jq -c .interfaces etc/bulkhead/appliance.json)" = null

# networks: a manifest with every network key is accepted by the build (what
# the builder decides from it is tests/manifest-networks.c's to check).
cat >"$work/networks.yml" <<'YAML'
name: networks
interfaces: [{}]
networks:
  - name: front
  - name: back
    subnet: 10.89.7.0/24
services:
  - name: web
    image: busybox
    command: "true"
    networks: [front, back]
    ports: ["80", "8443:443", "53/udp", 8080]
    allow:
      - to: db
        ports: [5432, "53/udp"]
    egress:
      - to: 10.0.2.2/32
        ports: [8000]
      - to: 0.0.0.0/0
  - name: db
    image: busybox
    command: "true"
    networks: [back]
YAML
"$BULKHEAD" build -q "$work/networks.yml" -o "$work/networks" >"$work/networks.log" 2>&1
status=$?
check "a manifest with networks, ports, allow and egress builds (exit $status)" test "$status" -eq 0
[ "$status" -eq 0 ] || diag <"$work/networks.log"
done_testing
