#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Health checks on a real kernel, one boot: an HTTP check on a network
# holds a dependent (depends_on: service_healthy) until it passes; a
# command check that starts failing restarts its service, counted in
# ctl --vm ps; a TCP check; a command check of a container on no network
# that fetches from its own 127.0.0.1 (Docker's --network none keeps lo up);
# and on_failure: poweroff ends the appliance with status 122 once its
# check fails (after a ctl --vm restart).
. "$(dirname "$0")/../tests/lib.sh"
require_qemu
work=$(mktemp -d)
trap 'kill $run_pid 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/health.yml" <<'YAML'
name: health
stop_grace: 500ms
networks:
  - name: back
services:
  - name: db
    image: busybox
    networks: [back]
    files: [{path: /www/index.html, contents: "db up\n"}]
    command: exec httpd -f -p 8080 -h /www
    healthcheck: {http: 8080/index.html, interval: 1s, timeout: 30s}
  - name: web
    image: busybox
    depends_on: {db: {condition: service_healthy}}
    # Serves until its check passed once, then the file it tests goes away.
    command: "rm -f /tmp/probed; touch /tmp/ok; echo serving; until [ -e /tmp/probed ]; do sleep 0.2; done; rm /tmp/ok; echo broken; exec sleep 1000"
    healthcheck:
      test: "cat /tmp/ok && touch /tmp/probed"
      interval: 1s
      timeout: 30s
      retries: 2
  - name: tcpsvc
    image: busybox
    networks: [back]
    command: "while true; do nc -l -p 9000 </dev/null; done"
    healthcheck: {tcp: 9000, interval: 1s, timeout: 30s}
  - name: local
    image: busybox
    # No network: a loopback of its own, up, which its check reaches.
    files: [{path: /www/index.html, contents: "local up\n"}]
    command: exec httpd -f -p 127.0.0.1:8081 -h /www
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "-", "http://127.0.0.1:8081/index.html"]
      interval: 1s
      timeout: 30s
  - name: judge
    image: busybox
    readonly: false
    files: [{path: /state/.keep, contents: ""}]
    paths: {write: [/state, /tmp]}
    # Healthy in its first run; its second run (ctl restart) breaks its check.
    command: "if [ -e /state/armed ]; then echo second run; rm -f /state/ok; else touch /state/armed /state/ok; echo first run; fi; exec sleep 1000"
    healthcheck:
      test: ["CMD", "test", "-e", "/state/ok"]
      interval: 1s
      timeout: 30s
      retries: 1
      on_failure: poweroff
YAML
"$BULKHEAD" build -q "$work/health.yml" -o "$work/health" || skip_all "the manifest does not build"
boot_log=$work/console
("$BULKHEAD" run --timeout 600 "$work/health" </dev/null; echo "run exited $?") >"$boot_log" 2>&1 &
run_pid=$!
check "the dependent says what it waits for" until_logged 'web: waiting for db to be healthy' 300
check "db's HTTP check passes" until_logged 'db: healthy' 300
check "web starts once db is healthy" until_logged 'web: started' 300
check "  ... not before: db healthy, then web started, on the console" \
  test "$(line_of 'db: healthy')" -lt "$(line_of 'web: started')"
check "web's command check passes, in web's own files" until_logged 'web: healthy' 300
check "then fails once web removed /tmp/ok" until_logged "web: health check failed (1 of 2): status 1: cat: can't open '/tmp/ok'" 300
check "  ... and web is restarted (on_failure: restart)" until_logged 'web: unhealthy after 2 failed checks (on_failure: restart)' 300
check "  ... and starts again" until_logged 'web: started' 300 && wait_for "web's second start" 300 logged 'web: started' 2
check "the TCP check passes" until_logged 'tcpsvc: healthy' 300
check "a container on no network reaches its own 127.0.0.1: its check passes" until_logged 'local: healthy' 300
check "judge is healthy in its first run" until_logged 'judge: healthy' 300
"$BULKHEAD" ctl --vm "$work/health" ps >"$work/ps"
check "ctl --vm ps counts web's restarts" grep -qE '^web +services +[a-z]+ +[0-9]+ +[1-9][0-9]* ' "$work/ps"
check "  ... shows db healthy with its probe's answer" grep -qE '^db +services +running .* healthy +back=[0-9.]+ status 0: GET /index.html: HTTP/1.[01] 200 OK' "$work/ps"
check "  ... and tcpsvc healthy" grep -qE '^tcpsvc +services +running .* healthy .*port 9000: connected' "$work/ps"
check "  ... and local healthy, its check's wget answered over lo" grep -qE '^local +services +running .* healthy .*status 0' "$work/ps"
"$BULKHEAD" ctl --vm "$work/health" restart judge >/dev/null
check "judge's second run fails its check: on_failure: poweroff shuts the appliance down" \
  until_logged 'judge unhealthy (on_failure: poweroff): shutting down' 300
check "  ... and the VM ends" wait_for "bulkhead run to end" 300 run_ended
wait $run_pid
tr -d '\r' <"$boot_log" >"$work/log" && boot_log=$work/log
check "  ... with status 122 ($(grep '^run exited' "$boot_log"))" grep -qx 'run exited 122' "$boot_log"
{ echo "ps:"; cat "$work/ps"; } | diag
console_on_failure
done_testing
