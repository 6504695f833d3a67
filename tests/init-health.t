#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Health checks, with the init run as PID 1 of fresh namespaces on this
# host (no QEMU): a command check that starts failing restarts its service
# (ctl ps counts it), depends_on's service_healthy holds a dependent until
# the check passes, a probe that hangs is killed at its timeout, a probe
# that writes on and on leaves PID 1's memory as it was (its output is a
# sealed 4 KiB file: the write past its end fails, and yes dies of it);
# TCP and HTTP probes in a container's network; on_failure stop, none and
# poweroff; a result that comes after its container died decides nothing;
# a health restart backs off and counts against max_restarts; a healthy
# said of an instance that ended holds nothing; each dependency waited for
# is named.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create namespaces"
command -v unshare >/dev/null || skip_all "unshare is not installed"
[ -x /bin/busybox ] || skip_all "no static /bin/busybox to unmount the host's root with (make deps installs busybox-static)"
unshare --net true 2>/dev/null || skip_all "cannot create a network namespace here"
work=$(mktemp -d)
trap 'kill -KILL $boot_pid 2>/dev/null; rm -rf "$work"' EXIT

sock() { echo "/proc/$(init_pid)/root/run/bulkhead/ctl.sock"; }
CTL() { "$BULKHEAD" ctl --socket "$(sock)" "$@"; }
ps_line() { CTL ps 2>/dev/null | awk -v n="$1" '$1 == n'; }
# health NAME: its HEALTH column (the 8th).
health() { ps_line "$1" | awk '{ print $8 }'; }
health_is() { [ "$(health "$1")" = "$2" ]; }
vmrss() { awk '/^VmRSS:/ { print $2 }' "/proc/$(init_pid)/status"; }

# --- command checks: a service that breaks, a dependent held until healthy,
# a probe that hangs, a probe that floods its output
cat >"$work/cmd.yml" <<'YAML'
name: cmd
stop_grace: 200ms
services:
  - name: hc-app
    image: busybox
    depends_on:
      hc-web: {condition: service_healthy}
      hc-idle: {condition: service_started}
    command: "echo hc-app up; exec sleep 1000"
  - name: hc-web
    image: busybox
    # Serves until its check passed once, then breaks: the file the check
    # reads goes away.
    command: "rm -f /tmp/probed; touch /tmp/ok; echo serving; until [ -e /tmp/probed ]; do sleep 0.1; done; rm /tmp/ok; echo broken; exec sleep 1000"
    healthcheck:
      test: ["CMD-SHELL", "cat /tmp/ok && touch /tmp/probed"]
      interval: 200ms
      timeout: 5s
      retries: 2
  - name: hc-idle
    image: busybox
    command: ["/bin/sleep", "1000"]
  - name: hc-hang
    image: busybox
    command: ["/bin/sleep", "1000"]
    healthcheck:
      test: ["CMD", "sleep", "1000"]
      interval: 100ms
      timeout: 300ms
      retries: 2
      on_failure: none
  - name: hc-flood
    image: busybox
    command: ["/bin/sleep", "1000"]
    healthcheck:
      test: "yes 'a probe that prints and prints'"
      interval: 100ms
      timeout: 500ms
      retries: 1000
      on_failure: none
YAML
BOOT_NET=1 BOOT_BACKGROUND=1 boot_host cmd "$work/cmd.yml"
check "the dependent says on the console what it waits for" until_logged 'hc-app: waiting for hc-web to be healthy' 60
check "hc-web gets healthy" until_logged 'hc-web: healthy' 60
check "hc-app starts once hc-web is healthy" until_logged 'hc-app: started' 60
check "  ... and not before: the console has hc-web healthy, then hc-app started" \
  test "$(line_of 'hc-web: healthy')" -lt "$(line_of 'hc-app: started')"
check "the check sees the container's own files: it failed only after the service removed /tmp/ok" \
  test "$(line_of '\[hc-web\] serving')" -lt "$(line_of 'hc-web: healthy')"
check "hc-web's check starts failing, with the probe's output" \
  until_logged "hc-web: health check failed (1 of 2): status 1: cat: can't open '/tmp/ok'" 60
check "after 2 failures in a row hc-web is unhealthy and restarted" \
  until_logged 'hc-web: unhealthy after 2 failed checks (on_failure: restart)' 60
check "  ... it starts again and gets healthy again" \
  wait_for "hc-web started twice and healthy twice" 60 sh -c "grep -c 'hc-web: started' '$boot_log' | grep -qv '^[01]$' && grep -c 'hc-web: healthy' '$boot_log' | grep -qv '^[01]$'"
ps_line hc-web >"$work/ps.web"
check "ctl ps counts hc-web's restarts ($(cat "$work/ps.web"))" grep -qE '^hc-web +services +[a-z]+ +[0-9]+ +[1-9][0-9]* ' "$work/ps.web"
check "  ... and shows its health" grep -qE ' (starting|healthy|unhealthy) ' "$work/ps.web"
check "a service without a check shows - for its health" health_is hc-idle -
check "a probe that hangs is killed at its timeout, and counts as a failure" \
  until_logged 'hc-hang: health check failed (1 of 2): timed out after 300 ms' 60
check "  ... hc-hang gets unhealthy (on_failure: none)" until_logged 'hc-hang: unhealthy after 2 failed checks (on_failure: none)' 60
check "  ... and keeps running: ps says running, unhealthy" \
  wait_for "hc-hang running and unhealthy in ps" 30 sh -c "$(declare -f ps_line CTL sock init_pid); BULKHEAD='$BULKHEAD' boot_pid=$boot_pid; ps_line hc-hang | grep -qE '^hc-hang +services +running .* unhealthy '"
check "  ... and no second action: one unhealthy line" test "$(grep -c 'hc-hang: unhealthy' "$boot_log")" -eq 1
check "a flooding probe ran" until_logged 'hc-flood: health check failed (1 of 1000)' 60
rss_before=$(vmrss)
wait_for "10 more flooding probes" 60 logged 'hc-flood: health check failed (11 of 1000)'
rss_after=$(vmrss)
check "  ... 10 more floods leave PID 1's VmRSS within 1 MiB (${rss_before} kB, then ${rss_after} kB)" \
  test "$rss_after" -le $((rss_before + 1024))
ps_line hc-flood >"$work/ps.flood"
check "ps shows the hc-flood's output cut short, with ... ($(cut -c1-60 "$work/ps.flood" | tr -s ' ')...)" \
  grep -qE "unhealthy|starting" "$work/ps.flood"
check "  ... its last column ends in ... and the line stays under 256 bytes" \
  sh -c "grep -qE '(status [0-9]+|timed out after 500 ms): a probe that prints and prints a probe.*\.\.\.\$' '$work/ps.flood' && test \$(wc -c <'$work/ps.flood') -lt 256"
CTL poweroff >/dev/null 2>&1
wait_boot
check "the appliance powered off when asked, health failures none of its own (status $boot_status)" test "$boot_status" -eq 0
console_on_failure

# --- TCP and HTTP probes in the containers' network; on_failure stop and none
cat >"$work/net.yml" <<'YAML'
name: net
stop_grace: 200ms
networks:
  - name: front
services:
  - name: hc-tcpsvc
    image: busybox
    networks: [front]
    # Answers three connections, then nothing listens on the port.
    command: "i=0; while [ $i -lt 3 ]; do nc -l -p 8080 </dev/null; i=$((i+1)); done; echo listener gone; exec sleep 1000"
    healthcheck:
      tcp: 8080
      interval: 200ms
      timeout: 2s
      retries: 2
      on_failure: none
  - name: hc-web
    image: busybox
    networks: [front]
    files: [{path: /www/index.html, contents: "a page\n"}]
    command: exec httpd -f -p 8081 -h /www
    healthcheck:
      http: 8081/index.html
      interval: 200ms
  - name: hc-missing
    image: busybox
    networks: [front]
    files: [{path: /www/index.html, contents: "a page\n"}]
    command: exec httpd -f -p 8082 -h /www
    healthcheck:
      http: 8082/not-here
      interval: 200ms
      retries: 1
      on_failure: stop
YAML
BOOT_NET=1 BOOT_BACKGROUND=1 boot_host net "$work/net.yml"
check "tcp: a port that answers is healthy" until_logged 'hc-tcpsvc: healthy' 60
check "tcp: once nothing listens, connection refused counts" \
  until_logged 'hc-tcpsvc: health check failed (1 of 2): status 1: connect to port 8080: Connection refused' 60
check "  ... and it is unhealthy (on_failure: none)" until_logged 'hc-tcpsvc: unhealthy after 2 failed checks (on_failure: none)' 60
check "  ... ps: still running, unhealthy, with the probe's output" \
  sh -c "$(declare -f ps_line CTL sock init_pid); BULKHEAD='$BULKHEAD' boot_pid=$boot_pid; ps_line hc-tcpsvc | grep -qE '^hc-tcpsvc +services +running .* unhealthy .*connect to port 8080: Connection refused$'"
check "http: a 200 answer is healthy" until_logged 'hc-web: healthy' 60
check "  ... ps shows healthy and the status line" \
  wait_for "hc-web healthy in ps" 30 sh -c "$(declare -f ps_line CTL sock init_pid); BULKHEAD='$BULKHEAD' boot_pid=$boot_pid; ps_line hc-web | grep -qE ' healthy .*GET /index.html: HTTP/1.[01] 200 OK$'"
check "http: a 404 answer is a failure" \
  until_logged 'hc-missing: unhealthy after 1 failed checks (on_failure: stop): status 1: GET /not-here: HTTP/1.[01] 404' 60
check "  ... on_failure: stop stops it for good" \
  wait_for "hc-missing exited in ps" 30 sh -c "$(declare -f ps_line CTL sock init_pid); BULKHEAD='$BULKHEAD' boot_pid=$boot_pid; ps_line hc-missing | grep -qE '^hc-missing +services +exited +0 +0 '"
check "  ... and is not started again" sh -c "test \$(grep -c 'hc-missing: started' '$boot_log') -eq 1"
CTL poweroff >/dev/null 2>&1
wait_boot
check "the stopped unhealthy service is not the appliance's failure: status $boot_status" test "$boot_status" -eq 0
console_on_failure

# --- on_failure: poweroff
cat >"$work/off.yml" <<'YAML'
name: off
stop_grace: 200ms
services:
  - name: hc-doomed
    image: busybox
    command: ["/bin/sleep", "1000"]
    healthcheck:
      test: ["CMD", "test", "-e", "/never"]
      interval: 100ms
      retries: 2
      on_failure: poweroff
  - name: hc-bystander
    image: busybox
    command: ["/bin/sleep", "1000"]
YAML
BOOT_NET=1 boot_host off "$work/off.yml"
check "on_failure: poweroff shuts the appliance down, saying why" grep -q 'hc-doomed unhealthy (on_failure: poweroff): shutting down' "$boot_log"
check "  ... cleanly: the hc-bystander is stopped too" grep -q 'hc-bystander: killed by signal' "$boot_log"
check "  ... with the status of an unhealthy appliance, 122 (got $boot_status)" test "$boot_status" -eq 122
console_on_failure

# --- a dependency that ends without ever being healthy fails its dependents
cat >"$work/gone.yml" <<'YAML'
name: gone
stop_grace: 200ms
services:
  - name: hc-flaky
    image: busybox
    command: ["/bin/sleep", "1000"]
    healthcheck:
      test: ["CMD", "test", "-e", "/never"]
      interval: 100ms
      retries: 1
      on_failure: stop
  - name: hc-needsflaky
    image: busybox
    depends_on: {hc-flaky: {condition: service_healthy}}
    command: "echo never"
YAML
BOOT_NET=1 boot_host gone "$work/gone.yml"
check "the dependent says what it waits for" grep -q 'hc-needsflaky: waiting for hc-flaky to be healthy (now starting)' "$boot_log"
check "  ... then that it ended and will not be healthy" grep -q 'hc-needsflaky: hc-flaky ended and will not be healthy' "$boot_log"
check "  ... and it is not started, saying why" sh -c "grep -q 'hc-needsflaky: not started: a service it depends on ended and will not be healthy (hc-flaky)' '$boot_log' && ! grep -q '^\[hc-needsflaky\]' '$boot_log'"
check "  ... the appliance ends by itself, failed (status $boot_status)" test "$boot_status" -eq 120
console_on_failure

# --- a probe whose result comes after its container died: the container's
# own exit decides (on_exit: poweroff with its status), not the probe killed
# with it (137), which with retries: 1 would otherwise restart it
cat >"$work/dies.yml" <<'YAML'
name: dies
stop_grace: 200ms
services:
  - name: hc-dies
    image: busybox
    on_exit: poweroff
    command: "sleep 1; exit 3"
    healthcheck:
      test: ["CMD", "sleep", "100"]
      interval: 10ms
      retries: 1
      on_failure: restart
YAML
BOOT_NET=1 boot_host dies "$work/dies.yml"
check "a service that exits 3 under a probe in flight powers the appliance off with 3 (got $boot_status)" test "$boot_status" -eq 3
check "  ... it started once: the dead probe did not restart it ($(grep -c 'hc-dies: started' "$boot_log") starts)" \
  test "$(grep -c 'hc-dies: started' "$boot_log")" -eq 1
check "  ... and no unhealthy verdict was drawn from the dead probe" sh -c "! grep -q 'hc-dies: unhealthy' '$boot_log'"
console_on_failure

# --- a health restart is a restart by policy; a stale healthy holds
# nothing; each dependency waited for is named; a long output is cut with ...
cat >"$work/stale.yml" <<'YAML'
name: stale
stop_grace: 200ms
services:
  - name: hc-sick
    image: busybox
    command: ["/bin/sleep", "1000"]
    max_restarts: 2
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      retries: 1
      on_failure: restart
  # Healthy at its first probe, then ends for good (restart: no).
  - name: hc-once
    image: busybox
    command: "until [ -e /tmp/probed ]; do sleep 0.1; done; sleep 0.5; echo leaving; exit 0"
    healthcheck:
      test: ["CMD-SHELL", "touch /tmp/probed"]
      interval: 100ms
  # Healthy 2 s after hc-once was: by then hc-once has ended.
  - name: hc-gate
    image: busybox
    depends_on: {hc-once: {condition: service_healthy}}
    command: "sleep 2; touch /tmp/go; exec sleep 1000"
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/go"]
      interval: 100ms
      retries: 1000
      on_failure: none
  - name: hc-late
    image: busybox
    depends_on:
      hc-once: {condition: service_healthy}
      hc-gate: {condition: service_healthy}
    command: "echo hc-late ran; exec sleep 1000"
  - name: hc-soon
    image: busybox
    command: "sleep 1; touch /tmp/ready; exec sleep 1000"
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/ready"]
      interval: 100ms
      retries: 1000
      on_failure: none
  - name: hc-never
    image: busybox
    command: ["/bin/sleep", "1000"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 100ms
      retries: 1000
      on_failure: none
  - name: hc-two
    image: busybox
    depends_on:
      hc-soon: {condition: service_healthy}
      hc-never: {condition: service_healthy}
    command: "echo hc-two ran; exec sleep 1000"
  # 90 characters: they fit what ps shows, "status 1: " before them does not.
  - name: hc-wordy
    image: busybox
    command: ["/bin/sleep", "1000"]
    healthcheck:
      test: ["CMD-SHELL", "printf '%090d' 0; exit 1"]
      interval: 100ms
      retries: 1000
      on_failure: none
YAML
BOOT_NET=1 BOOT_BACKGROUND=1 boot_host stale "$work/stale.yml"
check "a health restart backs off as its policy's would" until_logged 'hc-sick: restarting in [0-9]* ms (restart 1)' 60
check "  ... and counts against max_restarts: given up after 2" until_logged 'hc-sick: gave up after 2 restarts' 60
check "  ... started 3 times in all" test "$(grep -c 'hc-sick: started' "$boot_log")" -eq 3
check "  ... ps says failed" \
  wait_for "hc-sick failed in ps" 30 sh -c "$(declare -f ps_line CTL sock init_pid); BULKHEAD='$BULKHEAD' boot_pid=$boot_pid; ps_line hc-sick | grep -qE '^hc-sick +services +failed '"
check "hc-once was healthy, then ended" until_logged '\[hc-once\] leaving' 60
check "  ... ps no longer says it is healthy" \
  wait_for "hc-once exited with health - in ps" 30 sh -c "$(declare -f ps_line CTL sock init_pid); BULKHEAD='$BULKHEAD' boot_pid=$boot_pid; ps_line hc-once | grep -qE '^hc-once +services +exited .* - +'"
check "hc-gate got healthy after that" until_logged 'hc-gate: healthy' 60
check "  ... and hc-late, which waits for both, is not started on hc-once's old healthy" \
  until_logged 'hc-late: not started: a service it depends on ended and will not be healthy (hc-once)' 60
check "  ... it never ran" sh -c "! grep -q 'hc-late ran' '$boot_log'"
check "hc-two names the first dependency it waits for" until_logged 'hc-two: waiting for hc-soon to be healthy' 60
check "  ... and, once that one is healthy, the next" until_logged 'hc-two: waiting for hc-never to be healthy (now [a-z]*)' 60
check "  ... once each" sh -c "test \$(grep -c 'hc-two: waiting for' '$boot_log') -eq 2"
wait_for "hc-wordy probed" 60 logged 'hc-wordy: health check failed (2 of 1000)'
ps_line hc-wordy >"$work/ps.wordy"
check "an output that fits, after a prefix that makes it too long, ends in ... ($(tr -s ' ' <"$work/ps.wordy"))" \
  grep -qE 'status 1: 0{70,}\.\.\.$' "$work/ps.wordy"
CTL poweroff >/dev/null 2>&1
wait_boot
console_on_failure

# --- more checked services than ctl exec's 16 sessions: each probe has
# room of its own, none is refused (probes of 1 s, so all are in flight
# together)
{
  echo "name: many"
  echo "stop_grace: 200ms"
  echo "services:"
  for i in $(seq 1 20); do
    cat <<YAML
  - name: hc-many$i
    image: busybox
    command: ["/bin/sleep", "1000"]
    healthcheck:
      test: ["CMD", "sleep", "1"]
      interval: 10ms
      timeout: 10s
YAML
  done
} >"$work/many.yml"
BOOT_NET=1 BOOT_BACKGROUND=1 boot_host many "$work/many.yml"
check "20 services with checks in flight together all get healthy" wait_for "20 healthy lines" 60 logged 'hc-many[0-9]*: healthy' 20
check "  ... no probe was refused a session" sh -c "! grep -q 'health probe:' '$boot_log'"
CTL poweroff >/dev/null 2>&1
wait_boot
console_on_failure

# --- an OCI image's Healthcheck is the default; healthcheck: none turns it off
# A one-layer OCI layout made here: the host's static busybox, and a
# config whose Healthcheck tests a file of the image.
mkdir -p "$work/img/rootfs/bin" "$work/img/rootfs/srv" "$work/img/layout/blobs/sha256"
cp /bin/busybox "$work/img/rootfs/bin/"
for applet in sh sleep test; do ln -s busybox "$work/img/rootfs/bin/$applet"; done
touch "$work/img/rootfs/srv/ok"
tar -C "$work/img/rootfs" -cf "$work/img/layer.tar" .
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$work/img/layout/blobs/sha256/$d"; echo "$d $(stat -c %s "$1")"; }
read -r layer layer_size < <(blob "$work/img/layer.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sleep","1000"],"Healthcheck":{"Test":["CMD-SHELL","test -e /srv/ok && echo image check"],"Interval":100000000,"Timeout":5000000000,"Retries":1}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$layer" >"$work/img/config.json"
read -r config config_size < <(blob "$work/img/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config" "$config_size" "$layer" "$layer_size" >"$work/img/manifest.json"
read -r manifest manifest_size < <(blob "$work/img/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/img/layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
  "$manifest" "$manifest_size" >"$work/img/layout/index.json"
cat >"$work/img/img.yml" <<'YAML'
name: img
stop_grace: 200ms
services:
  - name: hc-imgcheck
    image: oci:layout:v1
  - name: hc-nocheck
    image: oci:layout:v1
    healthcheck: none
  - name: hc-after
    image: oci:layout:v1
    healthcheck: none
    depends_on: {hc-imgcheck: {condition: service_healthy}}
YAML
BOOT_NET=1 BOOT_BACKGROUND=1 boot_host oci "$work/img/img.yml"
check "the image's Healthcheck runs when the manifest gives none" until_logged 'hc-imgcheck: healthy' 60
check "  ... and holds a dependent until it passes" until_logged 'hc-after: started' 60
check "  ... ps shows its output" \
  wait_for "hc-imgcheck healthy in ps" 30 sh -c "$(declare -f ps_line CTL sock init_pid); BULKHEAD='$BULKHEAD' boot_pid=$boot_pid; ps_line hc-imgcheck | grep -qE ' healthy +- status 0: image check$'"
check "healthcheck: none turns the image's off: - in ps" \
  sh -c "$(declare -f ps_line CTL sock init_pid); BULKHEAD='$BULKHEAD' boot_pid=$boot_pid; ps_line hc-nocheck | grep -qE '^hc-nocheck +services +running .* - +-$'"
CTL poweroff >/dev/null 2>&1
wait_boot
console_on_failure

# --- an image's Healthcheck out of bounds (Interval 1 us) fails the build
# only when adopted: not when the manifest turns it off, nor for onboot
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sleep","1000"],"Healthcheck":{"Test":["CMD","true"],"Interval":1000}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$layer" >"$work/img/config2.json"
read -r config2 config2_size < <(blob "$work/img/config2.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config2" "$config2_size" "$layer" "$layer_size" >"$work/img/manifest2.json"
read -r manifest2 manifest2_size < <(blob "$work/img/manifest2.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v2"}}]}' \
  "$manifest" "$manifest_size" "$manifest2" "$manifest2_size" >"$work/img/layout/index.json"
cat >"$work/img/unused.yml" <<'YAML'
name: unused
onboot:
  - name: hc-first
    image: oci:layout:v2
    command: ["/bin/sh", "-c", "true"]
services:
  - name: hc-off
    image: oci:layout:v2
    healthcheck: none
YAML
check "an image's out-of-bounds Healthcheck the manifest turns off, and an onboot one, build" \
  "$BULKHEAD" build -q "$work/img/unused.yml" -o "$work/unused"
cat >"$work/img/adopted.yml" <<'YAML'
name: adopted
services:
  - name: hc-adopt
    image: oci:layout:v2
YAML
"$BULKHEAD" build -q "$work/img/adopted.yml" -o "$work/adopted" >"$work/adopted.out" 2>&1
check "  ... one a service adopts fails the build, saying where and what ($(head -c 300 "$work/adopted.out"))" \
  grep -q "adopted.yml:[0-9]*:[0-9]*: service \"hc-adopt\": its image's Healthcheck.Interval (0 ms) is not from 10 ms to an hour; give healthcheck: in the manifest instead, or healthcheck: none" "$work/adopted.out"

done_testing
