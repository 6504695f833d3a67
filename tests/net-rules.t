#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The containers' firewall on this host: the batch the builder encodes
# (image/net-rules.c) for tests/helpers/nft-tool's sample manifest, loaded
# by the init's code (init/nft.c) in network namespaces this test makes.
# Read back with nft(8), the independent reader: every chain holds exactly
# the rules docs/networks.md describes, and every named counter is listed
# by the init's dump. A second load is refused and changes nothing; a
# truncated or corrupted batch is refused with a message saying why and
# leaves no table behind. Then the rules at work: namespaces for the
# sample's containers on isolated bridge ports, and one for the outside
# world beyond the appliance's eth0. Allowed connections, published ports
# and egress get through and count; refused ones do not, and count.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to create network namespaces"
TOOL=$BUILD/tests/helpers/nft-tool
[ -x "$TOOL" ] || skip_all "no $TOOL (make build/tests/helpers/nft-tool)"
command -v nft >/dev/null || skip_all "no nft (nftables)"
command -v ip >/dev/null || skip_all "no ip (iproute2)"
command -v bridge >/dev/null || skip_all "no bridge (iproute2)"
work=$(mktemp -d)
router=bh-rt-$$ empty=bh-empty-$$ outside=bh-out-$$
containers=(web db cache)
namespaces=("$router" "$empty" "$outside")
for c in "${containers[@]}"; do namespaces+=("bh-$c-$$"); done
pids=()
cleanup() {
  local p ns
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
for ns in "${namespaces[@]}"; do ip netns add "$ns" || skip_all "cannot create network namespaces"; done
inside() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ns_of() { echo "bh-$1-$$"; }
inside "$empty" nft list ruleset >/dev/null 2>&1 || skip_all "nft cannot list a namespace's rule set (no nf_tables?)"

rules=$work/net.rules
"$TOOL" encode-sample "$rules" || skip_all "nft-tool cannot encode the sample"
"$TOOL" encode-sample "$work/again.rules"
check "one manifest always gives the same bytes" cmp -s "$rules" "$work/again.rules"

# --- loading, read back with nft
check "the sample batch loads" inside "$router" "$TOOL" load "$rules"
inside "$router" nft list ruleset >"$work/ruleset"

# chain_rules FAMILY CHAIN: the chain's header and rules as nft lists them,
# one a line, without indentation.
chain_rules() {
  awk -v table="table $1 bulkhead {" -v chain="chain $2 {" '
    $0 == table { in_table = 1; next }
    in_table && /^}/ { in_table = 0 }
    { sub(/^\t+/, "") }
    in_table && $0 == chain { in_chain = 1; next }
    in_chain && $0 == "}" { in_chain = 0 }
    in_chain && $0 != "" { print }' "$work/ruleset"
}
# same_chain FAMILY CHAIN: the chain is exactly what stdin says.
same_chain() {
  chain_rules "$1" "$2" >"$work/got"
  cat >"$work/want"
  diff -u "$work/want" "$work/got" >"$work/diff" && return 0
  diag <"$work/diff"
  return 1
}

check "ip prerouting: nat at dstnat; per published port on eth0, counted, dnat to the container's first address" \
  same_chain ip prerouting <<'EOF'
type nat hook prerouting priority dstnat; policy accept;
iifname "eth0" tcp dport 8080 counter name "publish tcp/8080 -> web:80 accepted" dnat to 10.89.0.2:80
iifname "eth0" udp dport 53 counter name "publish udp/53 -> web:53 accepted" dnat to 10.89.0.2:53
EOF
check "ip postrouting: nat at srcnat; containers with egress masquerade, except towards a bridge" \
  same_chain ip postrouting <<'EOF'
type nat hook postrouting priority srcnat; policy accept;
ip saddr 10.89.0.2 oifname != "bh-*" masquerade
ip saddr 10.89.1.2 oifname != "bh-*" masquerade
ip saddr 10.89.1.3 oifname != "bh-*" masquerade
EOF
check "ip forward: policy drop; established, allow per shared network and port, published ports, egress, each container's refusal, the outside's refusal" \
  same_chain ip forward <<'EOF'
type filter hook forward priority filter; policy drop;
ct state established,related accept
iifname "bh-back" oifname "bh-back" ip saddr 10.89.1.2 ip daddr 10.89.1.3 tcp dport 5432 ct state new counter name "web -> db tcp/5432 accepted" accept
iifname "bh-back" oifname "bh-back" ip saddr 10.89.1.2 ip daddr 10.89.1.3 udp dport 53 ct state new counter name "web -> db udp/53 accepted" accept
ct status dnat ip daddr 10.89.0.2 tcp dport 80 accept
ct status dnat ip daddr 10.89.0.2 udp dport 53 accept
ip saddr 10.89.0.2 oifname != "bh-*" ip daddr 10.0.2.2 tcp dport 8000 ct state new counter name "web egress 10.0.2.2/32 tcp/8000 accepted" accept
ip saddr 10.89.1.2 oifname != "bh-*" ip daddr 10.0.2.2 tcp dport 8000 ct state new counter name "web egress 10.0.2.2/32 tcp/8000 accepted" accept
ip saddr 10.89.0.2 oifname != "bh-*" meta l4proto tcp ct state new counter name "web egress 0.0.0.0/0 accepted" accept
ip saddr 10.89.0.2 oifname != "bh-*" meta l4proto udp ct state new counter name "web egress 0.0.0.0/0 accepted" accept
ip saddr 10.89.1.2 oifname != "bh-*" meta l4proto tcp ct state new counter name "web egress 0.0.0.0/0 accepted" accept
ip saddr 10.89.1.2 oifname != "bh-*" meta l4proto udp ct state new counter name "web egress 0.0.0.0/0 accepted" accept
ip saddr 10.89.1.3 oifname != "bh-*" ip daddr 10.0.16.0/20 tcp dport 443 ct state new counter name "db egress 10.0.16.0/20 tcp/443 accepted" accept
ip saddr 10.89.0.2 counter name "web refused" drop
ip saddr 10.89.1.2 counter name "web refused" drop
ip saddr 10.89.1.3 counter name "db refused" drop
ip saddr 10.89.0.3 counter name "cache refused" drop
counter name "outside: refused" drop
EOF
check "ip input: what comes from a bridge is dropped unless it answers the appliance, and counted per container" \
  same_chain ip input <<'EOF'
type filter hook input priority filter; policy accept;
iifname "bh-*" ct state established,related accept
iifname "bh-*" ip saddr 10.89.0.2 counter name "web refused" drop
iifname "bh-*" ip saddr 10.89.1.2 counter name "web refused" drop
iifname "bh-*" ip saddr 10.89.1.3 counter name "db refused" drop
iifname "bh-*" ip saddr 10.89.0.3 counter name "cache refused" drop
iifname "bh-*" drop
EOF
check "ip spoofing: before NAT, anything received on a container's veth itself, and a container network's source from outside" \
  same_chain ip spoofing <<'EOF'
type filter hook prerouting priority mangle; policy accept;
iifname "bhc*" counter name "bridge ports: refused" drop
iifname != "bh-*" iifname != "lo" ip saddr 10.89.0.0/24 counter name "outside: spoofed" drop
iifname != "bh-*" iifname != "lo" ip saddr 10.89.1.0/24 counter name "outside: spoofed" drop
EOF
check "ip output: the appliance's own namespace answers containers but opens nothing to them" \
  same_chain ip output <<'EOF'
type filter hook output priority filter; policy accept;
oifname "bh-*" ct state established,related accept
oifname "bh-*" counter name "appliance: refused" drop
EOF
check "bridge prerouting: per container veth, a foreign MAC, ARP sender or IPv4 source is spoofed; other ethertypes refused" \
  same_chain bridge prerouting <<'EOF'
type filter hook prerouting priority filter; policy accept;
iifname "bhc0n0" ether saddr != 02:b4:0a:59:00:02 counter name "web spoofed" drop
iifname "bhc0n0" arp saddr ip != 10.89.0.2 counter name "web spoofed" drop
iifname "bhc0n0" arp saddr ether != 02:b4:0a:59:00:02 counter name "web spoofed" drop
iifname "bhc0n0" ip saddr != 10.89.0.2 counter name "web spoofed" drop
iifname "bhc0n0" ether type != ip ether type != arp counter name "web non-ipv4 refused" drop
iifname "bhc0n1" ether saddr != 02:b4:0a:59:01:02 counter name "web spoofed" drop
iifname "bhc0n1" arp saddr ip != 10.89.1.2 counter name "web spoofed" drop
iifname "bhc0n1" arp saddr ether != 02:b4:0a:59:01:02 counter name "web spoofed" drop
iifname "bhc0n1" ip saddr != 10.89.1.2 counter name "web spoofed" drop
iifname "bhc0n1" ether type != ip ether type != arp counter name "web non-ipv4 refused" drop
iifname "bhc1n0" ether saddr != 02:b4:0a:59:01:03 counter name "db spoofed" drop
iifname "bhc1n0" arp saddr ip != 10.89.1.3 counter name "db spoofed" drop
iifname "bhc1n0" arp saddr ether != 02:b4:0a:59:01:03 counter name "db spoofed" drop
iifname "bhc1n0" ip saddr != 10.89.1.3 counter name "db spoofed" drop
iifname "bhc1n0" ether type != ip ether type != arp counter name "db non-ipv4 refused" drop
iifname "bhc2n0" ether saddr != 02:b4:0a:59:00:03 counter name "cache spoofed" drop
iifname "bhc2n0" arp saddr ip != 10.89.0.3 counter name "cache spoofed" drop
iifname "bhc2n0" arp saddr ether != 02:b4:0a:59:00:03 counter name "cache spoofed" drop
iifname "bhc2n0" ip saddr != 10.89.0.3 counter name "cache spoofed" drop
iifname "bhc2n0" ether type != ip ether type != arp counter name "cache non-ipv4 refused" drop
EOF
check "bridge forward: policy drop; port-to-port frames counted as bridge ports: forward refused" \
  same_chain bridge forward <<'EOF'
type filter hook forward priority filter; policy drop;
counter name "bridge ports: forward refused" drop
EOF

# Every counter object, in the order nft lists them, as "FAMILY NAME".
nft_counters() {
  awk '/^table / { family = $2 } $1 == "counter" && $NF == "{" { $1 = ""; $NF = ""; sub(/^ /, ""); sub(/ $/, ""); print family " \"" $0 "\"" }' "$work/ruleset"
}
cat >"$work/counters.want" <<'EOF'
ip "publish tcp/8080 -> web:80 accepted"
ip "publish udp/53 -> web:53 accepted"
ip "web -> db tcp/5432 accepted"
ip "web -> db udp/53 accepted"
ip "web egress 10.0.2.2/32 tcp/8000 accepted"
ip "web egress 0.0.0.0/0 accepted"
ip "web refused"
ip "db egress 10.0.16.0/20 tcp/443 accepted"
ip "db refused"
ip "cache refused"
ip "outside: refused"
ip "outside: spoofed"
ip "bridge ports: refused"
ip "appliance: refused"
bridge "web spoofed"
bridge "web non-ipv4 refused"
bridge "db spoofed"
bridge "db non-ipv4 refused"
bridge "cache spoofed"
bridge "cache non-ipv4 refused"
bridge "bridge ports: forward refused"
EOF
check "nft lists the 21 named counters, per container, in order" \
  sh -c "$(declare -f nft_counters); work='$work'; nft_counters | diff -u '$work/counters.want' - >&2"
check "the init's counter dump lists the same counters, in the same order, at zero" \
  sh -c "ip netns exec '$router' '$TOOL' counters >'$work/dump' && sed 's/\$/ 0 0/' '$work/counters.want' | diff -u - '$work/dump' >&2"

# --- a second load, and broken batches
inside "$router" "$TOOL" load "$rules" 2>"$work/again.err"
status=$?
check "a second load fails" test "$status" -ne 0
check "... saying the table exists, and that the rules are loaded already" \
  grep -q 'network rules: the kernel refused message 2 of [0-9]* (table ip bulkhead) (the rules are loaded already): File exists' "$work/again.err"
check "... and changes nothing" sh -c "inside() { ip netns exec \"\$@\"; }; inside '$router' nft list ruleset | cmp -s - '$work/ruleset'"

# refused NAME FILE PATTERN: loading FILE in the empty namespace fails with
# a message matching PATTERN, and leaves no table behind.
refused() {
  local what=$1 file=$2 pattern=$3
  if inside "$empty" "$TOOL" load "$file" 2>"$work/err"; then not_ok "$what is refused"; return; fi
  check "$what is refused: $pattern" grep -q -- "$pattern" "$work/err" || diag <"$work/err"
  check "... and leaves no table behind" test -z "$(inside "$empty" nft list ruleset)"
}
size=$(stat -c %s "$rules")
head -c $((size - 7)) "$rules" >"$work/cut-in-message"
refused "a batch cut inside its last message" "$work/cut-in-message" 'message [0-9]* at byte [0-9]*: cut short (the file is truncated)'
head -c $((size - 20)) "$rules" >"$work/cut-at-message"   # BATCH_END is 20 bytes
refused "a batch cut before its BATCH_END" "$work/cut-at-message" 'the batch ends without BATCH_END (the file is truncated)'
: >"$work/empty"
refused "an empty file" "$work/empty" 'an empty file, not a batch'
perl -0777 -pe 'substr($_, 20, 4) = pack("L", 999999)' "$rules" >"$work/bad-length"
refused "a message whose length runs past the end" "$work/bad-length" 'message 2 at byte 20: length 999999 runs past the end of the [0-9]* bytes'
perl -0777 -pe 'substr($_, 0, 20) = "x" x 20' "$rules" >"$work/not-a-batch"
refused "a file that does not start with BATCH_BEGIN" "$work/not-a-batch" 'the first message is not an nftables BATCH_BEGIN'
# Well framed, but its last rule counts in a counter that does not exist:
# the kernel refuses that rule after accepting every message before it,
# and undoes them all.
perl -0777 -pe 'my $i = rindex($_, "forward refused"); substr($_, $i, 15) = "forward refusex"' "$rules" >"$work/bad-counter"
refused "a rule naming a missing counter" "$work/bad-counter" \
  'the kernel refused message [0-9]* of [0-9]* (rule in bridge bulkhead forward, counter "bridge ports: forward refusex"): No such file or directory'
perl -0777 -pe 'my $i = rindex($_, "masq"); substr($_, $i, 4) = "masx"' "$rules" >"$work/bad-expression"
refused "a rule with an unknown expression" "$work/bad-expression" \
  'the kernel refused message [0-9]* of [0-9]* (rule in ip bulkhead postrouting): No such file or directory'

# Thousands of messages in one batch: every acknowledgement fits the
# receive buffer the loader sizes for them. 400 containers: per container
# 2 bridge counters and a refusal, 8 allow counters for all but the first,
# plus the five appliance-wide counters.
"$TOOL" encode-many 400 "$work/many.rules"
check "a batch of $(($(stat -c %s "$work/many.rules") / 1024)) KiB for 400 containers loads in one sendmsg" \
  inside "$empty" "$TOOL" load "$work/many.rules"
check "... and its 4397 counters dump" test "$(inside "$empty" "$TOOL" counters | wc -l)" -eq 4397

# --- the rules at work
command -v perl >/dev/null || { echo "# no perl: the behavioural checks are skipped"; done_testing; exit; }
inside "$router" sysctl -qw net.ipv4.ip_forward=1
# Containers on one network talk through the gateway, in and out of one
# bridge: the appliance must not redirect them to each other.
inside "$router" sysctl -qw net.ipv4.conf.all.send_redirects=0
inside "$router" sysctl -qw net.ipv4.conf.default.send_redirects=0
inside "$router" ip link set lo up
declare -A first_link
while read -r _ c host name address prefix mac bridge_name gateway subnet; do
  cns=$(ns_of "$c")
  if ! inside "$router" ip link show "$bridge_name" >/dev/null 2>&1; then
    inside "$router" ip link add "$bridge_name" type bridge
    inside "$router" ip addr add "$gateway/$prefix" dev "$bridge_name"
    inside "$router" ip link set "$bridge_name" up
  fi
  inside "$router" ip link add "$host" type veth peer name "$name" netns "$cns"
  inside "$router" ip link set "$host" master "$bridge_name"
  inside "$router" bridge link set dev "$host" isolated on
  inside "$router" ip link set "$host" up
  inside "$cns" ip link set lo up
  inside "$cns" ip link set "$name" address "$mac"
  inside "$cns" ip addr add "$address/32" dev "$name"
  inside "$cns" ip link set "$name" up
  inside "$cns" ip route add "$gateway/32" dev "$name" scope link
  inside "$cns" ip route add "$subnet/$prefix" via "$gateway" dev "$name"
  if [ -z "${first_link[$c]:-}" ]; then
    first_link[$c]=$address
    inside "$cns" ip route add default via "$gateway" dev "$name"
  fi
done < <("$TOOL" describe-sample)
# The outside world: QEMU's user network as the appliance sees it.
inside "$router" ip link add eth0 type veth peer name ext netns "$outside"
inside "$router" ip addr add 10.0.2.15/24 dev eth0
inside "$router" ip link set eth0 up
inside "$outside" ip link set lo up
inside "$outside" ip addr add 10.0.2.2/24 dev ext
inside "$outside" ip link set ext up
inside "$outside" ip route add 10.89.0.0/16 via 10.0.2.15

# serve NS NAME ADDRESS:PORT...: a TCP server that answers each connection
# with "NAME PEER" (the address it came from), then closes it.
serve() {
  local ns=$1 name=$2; shift 2
  inside "$ns" perl -MIO::Socket::INET -MIO::Select -e '
    my $name = shift; my $sel = IO::Select->new; $| = 1;
    for (@ARGV) { my ($a, $p) = split /:/; $sel->add(IO::Socket::INET->new(LocalAddr => $a, LocalPort => $p,
      Listen => 16, ReuseAddr => 1) or die "listen $_: $!\n") }
    print "listening\n";
    while (my @ready = $sel->can_read) { for (@ready) { my $c = $_->accept or next; print $c "$name ", $c->peerhost, "\n"; close $c } }
  ' "$name" "$@" >"$work/$name.server" 2>&1 &
  pids+=($!)
  wait_for "the $name server" 30 grep -q '^listening$' "$work/$name.server"
}
# answer NS ADDRESS PORT [FROM]: what a connection from NS gets back; fails
# when it cannot connect. A dropped SYN shows only as time passing: 3 s.
answer() {
  inside "$1" perl -MIO::Socket::INET -e '
    my $c = IO::Socket::INET->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Timeout => 3,
      ($ARGV[2] ? (LocalAddr => $ARGV[2]) : ())) or exit 1;
    my $line = <$c>; defined $line or exit 1; print $line' "${@:2}"
}
answers() { local want=$1; shift; [ "$(answer "$@")" = "$want" ]; }
fails() { ! answer "$@" >/dev/null 2>&1; }
packets() {
  inside "$router" "$TOOL" counters | awk -v want="$1 \"$2\"" 'index($0, want " ") == 1 { print $(NF - 1) }'
}
counted() { [ "$(packets "$1" "$2")" -gt 0 ]; }

web=$(ns_of web) db=$(ns_of db) cache=$(ns_of cache)
serve "$db" db 0.0.0.0:5432 0.0.0.0:5433
serve "$web" web 0.0.0.0:80
serve "$outside" outside 10.0.2.2:8000
serve "$router" appliance 0.0.0.0:7000

check "web reaches db on 5432, which its allow names" answers "db 10.89.1.2" "$web" 10.89.1.3 5432
check "... counted in \"web -> db tcp/5432 accepted\"" counted ip "web -> db tcp/5432 accepted"
check "web cannot reach db on 5433, which no allow names" fails "$web" 10.89.1.3 5433
check "... counted in \"web refused\"" counted ip "web refused"
check "db, with no allow, cannot reach web" fails "$db" 10.89.1.2 80
check "... counted in \"db refused\"" counted ip "db refused"
check "cache cannot reach web on the network they share (ports are isolated, traffic is routed)" \
  fails "$cache" 10.89.0.2 80
check "... counted in \"cache refused\"" counted ip "cache refused"
before=$(packets ip "web refused")
check "web cannot reach the appliance itself through its gateway" fails "$web" 10.89.0.1 7000
check "... counted in \"web refused\" (input)" test "$(packets ip "web refused")" -gt "$before"
check "the outside reaches web through the published port 8080, from its own address" \
  answers "web 10.0.2.2" "$outside" 10.0.2.15 8080
check "... counted in \"publish tcp/8080 -> web:80 accepted\"" counted ip "publish tcp/8080 -> web:80 accepted"
check "the outside cannot reach a container's address directly" fails "$outside" 10.89.0.2 80
check "... counted in \"outside: refused\"" counted ip "outside: refused"
check "web reaches 10.0.2.2:8000 (egress), masqueraded behind the appliance's address" \
  answers "outside 10.0.2.15" "$web" 10.0.2.2 8000
check "... counted in \"web egress 10.0.2.2/32 tcp/8000 accepted\"" counted ip "web egress 10.0.2.2/32 tcp/8000 accepted"
before=$(packets ip "db refused")
check "db cannot reach 10.0.2.2:8000 (its egress is 10.0.16.0/20:443 only)" fails "$db" 10.0.2.2 8000
check "... counted in \"db refused\"" test "$(packets ip "db refused")" -gt "$before"
inside "$web" ip addr add 10.89.1.99/32 dev eth1
check "web cannot send from an address that is not its own" fails "$web" 10.89.1.3 5432 10.89.1.99
check "... counted in the bridge's \"web spoofed\"" counted bridge "web spoofed"

# Layer 2: cache sends to web's address as if on-link, so its frames (ARP
# first) would go from port to port. Isolated ports carry none of them; with
# the isolation taken away, the bridge's forward chain is the second wall.
inside "$cache" ip route add 10.89.0.2/32 dev eth0
check "cache cannot reach web directly over the bridge" fails "$cache" 10.89.0.2 80 10.89.0.3
inside "$router" bridge link set dev bhc0n0 isolated off
inside "$router" bridge link set dev bhc2n0 isolated off
inside "$cache" ip neigh flush dev eth0   # web's entry failed: ask again
check "... nor with its port's isolation off" fails "$cache" 10.89.0.2 80 10.89.0.3
check "... then the bridge's forward chain drops the frames, counted in \"bridge ports: forward refused\"" counted bridge "bridge ports: forward refused"

done_testing
