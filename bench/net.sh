#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The network's cost: one busybox httpd, in three appliances booted with
# bulkhead run (--accel auto: KVM when it can run the guest, TCG otherwise),
# one QEMU at a time, interleaved so that a load on the machine falls on all:
#   walls      the container on a network of its own with ports: ["80"]
#              (veth, bridge, the nftables rule set, a DNAT), -p HOST:80
#   namespace  the same container with network: host, in the appliance's
#              own namespace, no walls, the same -p HOST:80
#   none       no interfaces:, no network: the boot without a network
# From the host, through QEMU's user network:
#   to first line  bulkhead run's start to the server's first console line
#   to first GET   bulkhead run's start to the first page the host got
#   GET median/p90 REQUESTS sequential GETs of a 1 KiB page, each on a
#                  connection of its own (busybox httpd does not keep alive)
#   download       one MIB MiB file, made with dd in the container's /tmp
#                  (a tmpfs) once httpd serves, read whole
# Latencies are pooled over the boots, the rest are medians of them. Prints
# a Markdown table and the ratios walls/namespace; never part of make check.
#
# usage: bench/net.sh [BOOTS] [REQUESTS] [MIB]   (default 5 200 32)
. "$(dirname "$0")/lib.sh"
boots=${1:-5}
requests=${2:-200}
mib=${3:-32}
command -v perl >/dev/null || { echo "bench/net.sh: perl is the host's HTTP client (make deps)" >&2; exit 1; }

# QEMU runs as bulkhead run's child with $work in its command line (the
# appliance's kernel and initrd): the scratch directory is this run's own,
# so the pattern reaches no other QEMU on the machine.
cleanup() {
  pkill -KILL -f "$work/" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# The host's side: one perl program, three modes.
#   first PORT SECONDS LOG    polls until a GET succeeds; prints when (epoch
#                             s); gives up when LOG says bulkhead run ended
#   latency PORT N            N sequential GETs of /; prints each one's ms
#   download PORT PATH BYTES  one GET of PATH; prints its seconds
cat >"$work/client.pl" <<'PERL'
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time sleep);

# One GET on a connection of its own: the body's length, or -1.
sub get {
  my ($port, $path, $timeout) = @_;
  my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port, Proto => "tcp",
    Timeout => $timeout) or return -1;
  $s->timeout($timeout);
  print $s "GET $path HTTP/1.0\r\nHost: bench\r\n\r\n" or return -1;
  my ($head, $buf, $n) = ("", "", 0);
  # A slirp connection the guest refused ends with nothing read.
  local $SIG{ALRM} = sub { die "timeout\n" };
  my $got = eval {
    alarm $timeout;
    while (1) {
      my $r = sysread($s, $buf, 1 << 20);
      last unless $r;
      if (length($head) < 4 || $head !~ /\r\n\r\n/) {
        $head .= $buf;
        if ($head =~ /\r\n\r\n/) { $n = length($head) - $+[0]; }
      } else {
        $n += $r;
      }
    }
    alarm 0;
    1;
  };
  alarm 0;
  close $s;
  return -1 unless $got && $head =~ m{^HTTP/1\.[01] 200 };
  return $n;
}

my ($mode, $port, @arg) = @ARGV;
if ($mode eq "first") {
  # A GET every 0.1 s, each on a connection of its own left open up to 5 s:
  # until the server listens, slirp's connection to the guest may end at
  # once (a refused port) or hang (a packet nobody answers yet), and a hung
  # one must not hold back the next.
  my $end = time + $arg[0];
  my ($next, $look, @open) = (0, 0);
  my $request = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";
  while (time < $end) {
    if (time >= $look) {
      open(my $log, "<", $arg[1]) or die "bench/net.sh: $arg[1]: $!\n";
      exit 1 if grep { / run exited / } <$log>;
      $look = time + 1;
    }
    if (time >= $next) {
      my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port, Proto => "tcp", Blocking => 0);
      push @open, { s => $s, sent => 0, buf => "", t => time } if $s;
      $next = time + 0.1;
    }
    my ($r, $w) = (IO::Select->new, IO::Select->new);
    for my $c (@open) { $c->{sent} ? $r->add($c->{s}) : $w->add($c->{s}); }
    my ($readable, $writable) = IO::Select->select($r, $w, undef, 0.02);
    my %gone;
    for my $s (@{ $writable || [] }) {
      my ($c) = grep { $_->{s} == $s } @open;
      if (defined syswrite($s, $request)) { $c->{sent} = 1; } else { $gone{$s} = 1; }
    }
    for my $s (@{ $readable || [] }) {
      my ($c) = grep { $_->{s} == $s } @open;
      my $n = sysread($s, my $buf, 65536);
      if ($n) { $c->{buf} .= $buf; next; }
      if ($c->{buf} =~ m{^HTTP/1\.[01] 200 .*?\r\n\r\n.}s) { printf "%.6f\n", time; exit 0; }
      $gone{$s} = 1;
    }
    for my $c (@open) { $gone{ $c->{s} } = 1 if time - $c->{t} > 5; }
    @open = grep { !$gone{ $_->{s} } || !close($_->{s}) } @open;
  }
  exit 1;
} elsif ($mode eq "latency") {
  for (1 .. $arg[0]) {
    my $t = time;
    get($port, "/", 30) > 0 or die "bench/net.sh: GET $_ of / failed\n";
    printf "%.3f\n", (time - $t) * 1000;
  }
} elsif ($mode eq "download") {
  my $t = time;
  my $n = get($port, $arg[0], 300);
  $n == $arg[1] or die "bench/net.sh: GET $arg[0] read $n bytes of $arg[1]\n";
  printf "%.6f\n", time - $t;
}
PERL
client() { perl "$work/client.pl" "$@"; }

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport'; }

# The one server, with the lines that place it: its page, then httpd, then
# the large file made while it already serves, so that dd is not in the
# time to the first GET.
appliance() { # KIND -> $work/KIND
  local kind=$1
  {
    echo "name: net-$kind"
    [ "$kind" = none ] || echo "interfaces: [{}]"
    [ "$kind" != walls ] || printf 'networks:\n  - name: front\n'
    echo "services:"
    echo "  - name: www"
    echo "    image: busybox"
    case $kind in
      walls) printf '    networks: [front]\n    ports: ["80"]\n' ;;
      namespace) echo "    network: host" ;;
    esac
    cat <<YAML
    user: nobody
    capabilities: [CAP_NET_BIND_SERVICE]
    resources: {memory: $((mib + 64))M, pids: 32}
    stop_grace: 1s
    command: |
      mkdir /tmp/www
      dd if=/dev/zero of=/tmp/www/index.html bs=1024 count=1 2>/dev/null
      httpd -f -p 80 -h /tmp/www &
      pid=\$!
      trap 'kill \$pid; exit 0' TERM
      echo "serving on port 80"
      dd if=/dev/zero of=/tmp/www/big bs=1M count=$mib 2>/dev/null
      echo "ready: $mib MiB"
      wait
YAML
  } >"$work/$kind.yml"
  "$bulkhead" build -q "$work/$kind.yml" -o "$work/$kind"
}

# wait_for WHAT SECONDS COMMAND...: polls COMMAND until it succeeds, at most
# SECONDS; fails saying what it waited for.
wait_for() {
  local what=$1 end=$((SECONDS + $2))
  shift 2
  until "$@"; do
    [ "$SECONDS" -le "$end" ] || { echo "bench/net.sh: gave up after $2 s waiting for $what" >&2; return 1; }
    sleep 0.2
  done
}
logged() { grep -q -- "$1" "$log" 2>/dev/null; }
run_ended() { logged '^[0-9.]* run exited'; }
# press_stop DIR: presses the power button until bulkhead run has ended
# (the monitor socket may lag the console).
press_stop() {
  run_ended && return 0
  "$bulkhead" stop "$1" >/dev/null 2>&1 || true
  sleep 2
  run_ended
}

# One boot of KIND, number I: appends to $work/KIND.boot "FIRST_LINE_MS
# FIRST_GET_MS" (ms since bulkhead run started; - where there is no GET),
# to KIND.latency each GET's ms and to KIND.download the seconds.
measure() { # KIND I
  local kind=$1 i=$2 port="" start first_line first_get=- pid
  log=$work/$kind.$i.log
  [ "$kind" = none ] || port=$(free_port)
  : >"$log"
  start=$EPOCHREALTIME
  # Each console line stamped as it comes (EPOCHREALTIME: no process per line).
  ( "$bulkhead" run --timeout 900 ${port:+-p "$port:80"} "$work/$kind" </dev/null 2>&1; echo "run exited $?" ) |
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"; done >"$log" &
  pid=$!
  if [ -n "$port" ]; then
    first_get=$(client first "$port" 300 "$log") || { echo "bench/net.sh: no page from $kind within 300 s" >&2; exit 1; }
  fi
  wait_for "$kind's server" 300 logged '^[0-9.]* \[www\] ready:'
  first_line=$(awk '$2 == "[www]" { print $1; exit }' "$log")
  if [ -n "$port" ]; then
    client latency "$port" "$requests" >>"$work/$kind.latency"
    client download "$port" /big $((mib << 20)) >>"$work/$kind.download"
  fi
  wait_for "bulkhead run of $kind to end" 240 press_stop "$work/$kind"
  wait "$pid"
  logged '^[0-9.]* run exited 0$' || { echo "bench/net.sh: $kind did not power off with status 0" >&2; exit 1; }
  awk -v s="$start" -v l="$first_line" -v g="$first_get" \
    'BEGIN { printf "%.0f %s\n", (l - s) * 1000, g == "-" ? "-" : sprintf("%.0f", (g - s) * 1000) }' \
    >>"$work/$kind.boot"
}

kinds=(walls namespace none)
for kind in "${kinds[@]}"; do appliance "$kind"; done
for i in $(seq "$boots"); do
  for kind in "${kinds[@]}"; do
    echo "bench/net.sh: boot $i of $boots: $kind" >&2
    measure "$kind" "$i"
  done
done
accel=$("$bulkhead" accel 2>/dev/null || echo "?")

percentile() { # P: of the numbers on stdin
  sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] }'
}
declare -A fig
for kind in "${kinds[@]}"; do
  fig[$kind-line]=$(cut -d' ' -f1 "$work/$kind.boot" | median)
  fig[$kind-get]=-
  [ "$kind" = none ] && continue
  fig[$kind-get]=$(cut -d' ' -f2 "$work/$kind.boot" | median)
  fig[$kind-p50]=$(percentile 50 <"$work/$kind.latency")
  fig[$kind-p90]=$(percentile 90 <"$work/$kind.latency")
  fig[$kind-mbs]=$(median <"$work/$kind.download" | awk -v b=$((mib << 20)) '{ printf "%.2f", b / $1 / 1e6 }')
done

echo
echo "accelerator: $accel; $boots boots each; $requests GETs of a 1 KiB page per boot; one $mib MiB download per boot"
echo
echo "| appliance | to first line | to first GET | GET median | GET p90 | download |"
echo "|---|---|---|---|---|---|"
row() { # KIND LABEL
  if [ "$1" = none ]; then
    printf '| %s | %s ms | – | – | – | – |\n' "$2" "${fig[$1-line]}"
  else
    printf '| %s | %s ms | %s ms | %.2f ms | %.2f ms | %s MB/s |\n' "$2" "${fig[$1-line]}" "${fig[$1-get]}" \
      "${fig[$1-p50]}" "${fig[$1-p90]}" "${fig[$1-mbs]}"
  fi
}
row walls "walls: a network, ports: [\"80\"]"
row namespace "appliance namespace: network: host"
row none "no network"
awk -v al="${fig[walls-line]}" -v bl="${fig[namespace-line]}" -v ag="${fig[walls-get]}" -v bg="${fig[namespace-get]}" \
  -v a50="${fig[walls-p50]}" -v b50="${fig[namespace-p50]}" -v a90="${fig[walls-p90]}" -v b90="${fig[namespace-p90]}" \
  -v am="${fig[walls-mbs]}" -v bm="${fig[namespace-mbs]}" \
  'BEGIN { printf "| walls ÷ namespace | %.2f | %.2f | %.2f | %.2f | %.2f |\n", al / bl, ag / bg, a50 / b50, a90 / b90, am / bm }'
echo
echo "boot: walls - namespace: to first line $((fig[walls-line] - fig[namespace-line])) ms," \
  "to first GET $((fig[walls-get] - fig[namespace-get])) ms;" \
  "namespace - none: to first line $((fig[namespace-line] - fig[none-line])) ms"
