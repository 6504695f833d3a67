#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bulkhead-runtime start returns only once the container's command has
# exec'd: a signal sent right after start reaches the command, never the
# runtime's setup code (which, as PID 1 of the pid namespace, would drop
# it); and an exec that fails makes start (and run) fail with the error.
. "$(dirname "$0")/lib.sh"
probe_bundle
set_args() { jq --argjson args "$1" '.process.args = $args' <<<"$default" >"$bundle/config.json"; }
stopped() { [ "$(R state "$1" | jq -r .status)" = stopped ]; }
check "spec's default gives the container its own pid namespace" \
  quietly jq -e '.linux.namespaces | map(.type) | index("pid")' "$bundle/config.json"

# create, start, then at once: has the command exec'd (its own argv in
# /proc, read by a builtin, no fork in between)? That is start's promise,
# idle or under load. Then kill TERM: the container must still be there to
# take it. Whether the command itself got the signal is only reported, not
# asserted: between the exec and the command's own signal() the kernel
# drops SIGTERM to a pid namespace's init whatever the runtime did (a few
# in a hundred here on a busy machine; crun and runc alike).
ROUNDS=${ROUNDS:-50}
set_args '["/bin/bulkhead-probe", "sleep-term", "600"]'
signal_rounds() {
  local label=$1 i pid argv0 execd=0 said=0 failed=0
  for i in $(seq "$ROUNDS"); do
    argv0=
    if R create --bundle "$bundle" --pid-file "$work/$label$i.pid" "$label$i" >"$work/$label$i.out" 2>"$work/$label$i.err" &&
       R start "$label$i" 2>>"$work/$label$i.err"; then
      pid=$(<"$work/$label$i.pid")
      IFS= read -r -d '' argv0 <"/proc/$pid/cmdline"
      R kill "$label$i" TERM 2>>"$work/$label$i.err" || failed=$((failed + 1))
    else
      failed=$((failed + 1))
    fi
    [ "$argv0" = /bin/bulkhead-probe ] && execd=$((execd + 1))
    [ -s "$work/$label$i.err" ] && sed 's/^/# /' "$work/$label$i.err" >&2
  done
  # The command prints SIGTERM and exits from its handler at once; one
  # that lost the signal sleeps on until delete kills it.
  wait_for "every $label container to say SIGTERM" 10 all_said "$label" >/dev/null 2>&1
  for i in $(seq "$ROUNDS"); do
    grep -qx SIGTERM "$work/$label$i.out" && said=$((said + 1))
    R delete --force "$label$i" >/dev/null 2>&1
  done
  check "$label: create, start and kill TERM succeed $ROUNDS times" test "$failed" -eq 0
  check "$label: the command had exec'd when start returned ($execd of $ROUNDS)" test "$execd" -eq "$ROUNDS"
  echo "# $label: the command itself caught SIGTERM in $said of $ROUNDS"
  check "$label: every container is gone after delete --force" test -z "$(ls "$root")"
}
all_said() {
  local i
  for i in $(seq "$ROUNDS"); do grep -qx SIGTERM "$work/$1$i.out" || return 1; done
}
signal_rounds idle
# The load dies with the test, should the test be killed before its kill.
setpriv --pdeathsig KILL yes >/dev/null &
load=$!
signal_rounds loaded
kill "$load"
wait "$load" 2>/dev/null

# An exec that fails once start asked for it: the command was there at
# create and is gone at start, or it names an interpreter that is missing.
cp "$BUILD/tests/helpers/bulkhead-probe" "$bundle/rootfs/bin/vanishing"
set_args '["/bin/vanishing", "sleep", "600"]'
R create --bundle "$bundle" gone >/dev/null 2>&1
check "create of a command that exists succeeds" test $? -eq 0
rm "$bundle/rootfs/bin/vanishing"
R start gone 2>"$work/err"
check "start fails when the command is gone at exec" test $? -eq 125
check "  ... and says what failed" grep -q 'exec /bin/vanishing: No such file or directory' "$work/err"
check "  ... and state says stopped at once" stopped gone
R delete gone

printf '#!/no/such/interpreter\n' >"$bundle/rootfs/bin/script"
chmod 755 "$bundle/rootfs/bin/script"
set_args '["/bin/script"]'
R create --bundle "$bundle" script >/dev/null 2>&1
check "create of a script whose interpreter is missing succeeds (the script is there)" test $? -eq 0
R start script 2>"$work/err"
check "start of that script fails" test $? -eq 125
check "  ... naming the script and the reason" grep -q 'exec /bin/script: No such file or directory' "$work/err"
check "  ... and state says stopped" stopped script
R delete script

R run --bundle "$bundle" runscript 2>"$work/err"
check "run of that script fails with 125" test $? -eq 125
check "  ... naming the script and the reason" grep -q 'exec /bin/script: No such file or directory' "$work/err"
check "  ... and leaves no state behind" test ! -e "$root/runscript"
# A created process that cannot exec (stopped here) holds start no longer
# than the runtime's bound (BH_SETUP_TIMEOUT_MS, 30 s), and is killed.
set_args '["/bin/bulkhead-probe", "sleep", "600"]'
R create --bundle "$bundle" --pid-file "$work/held.pid" held >/dev/null 2>&1
kill -STOP "$(<"$work/held.pid")"
R start held 2>"$work/err"
check "start of a stopped created process fails" test $? -eq 125
check "  ... saying it did not exec in time" grep -q 'did not exec within 30 s' "$work/err"
check "  ... and state says stopped: it was killed" stopped held
R delete held
done_testing
