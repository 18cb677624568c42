#!/usr/bin/env bash
# End-to-end test of RFC 2136 UPDATEs from Kea's DHCP-DDNS (kea-dhcp-ddns, "D2") to lannamed, on
# a throw-away LAN built from network namespaces.
#
#   bash Tests/e2e/kea-ddns.sh
#
# A bridge in the root namespace (198.51.100.1/24) on which lannamed answers DNS and sniffs DHCP;
# a "srv" namespace (198.51.100.2) running kea-dhcp4 and kea-dhcp-ddns, D2 configured with a TSIG
# key made by `lannamed keys add kea-ddns --zone lan`, the forward domain lan. and the reverse
# domain 100.51.198.in-addr.arpa. both pointing at lannamed; one busybox udhcpc client asking for
# the hostname "kealaptop". Checked: the A and PTR answer from lannamed; `hosts list` shows one
# host, source update (the UPDATE and the sniffed lease of one device make one host); the log
# shows the UPDATEs (forward and reverse) with NOERROR; D2 logs its forward and reverse adds as
# succeeded; a release makes Kea remove the name, and lannamed stops answering it.
#
# Needs root and the Debian packages kea-dhcp4-server, kea-dhcp-ddns-server, udhcpc, iproute2,
# bind9-dnsutils; the binary is $LANNAMED or <package>/.build/debug/lannamed.
#
# Safety: only 198.51.100.0/24; every namespace, link and file carries the prefix lnk<PID>; the
# EXIT trap kills only the PIDs recorded here (and whatever is left inside our own namespaces),
# deletes our namespaces, links and temp dir, and is idempotent. Runs never overlap with
# dhcp-lan.sh (same prefix): both lock dhcp-lan.sh.

set -uo pipefail

# The Swift test runner hands its children blocked signals: start again with an empty mask, or
# neither SIGTERM (cleanup) nor SIGUSR2 (udhcpc's release) would work.
sigs=$(sed -n 's/^Sig\(Blk\|Ign\):[[:space:]]*//p' /proc/self/status 2>/dev/null | paste -sd' ')
read -r blocked ignored <<< "${sigs:-0 0}"
if (( ((16#$blocked | 16#$ignored) & 0x4a00) != 0 )); then
  if [ -z "${KEA_DDNS_UNBLOCKED:-}" ] && command -v perl >/dev/null 2>&1; then
    export KEA_DDNS_UNBLOCKED=1
    exec perl -MPOSIX -e '$SIG{$_} = "DEFAULT" for qw(HUP INT TERM USR1 USR2);
      sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die "sigprocmask: $!"; exec @ARGV or die "exec: $!"' \
      -- /bin/bash "${BASH_SOURCE[0]}" "$@"
  fi
  echo "signals are blocked ($blocked) or ignored ($ignored) and cannot be reset" >&2
  exit 1
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LANNAMED=${LANNAMED:-$ROOT/.build/debug/lannamed}
TIME_LIMIT=${KEA_DDNS_TIME_LIMIT:-120}

P="lnk$$"
BR="${P}br"
SRV="${P}-srv"
CLI="${P}-c1"
NET4=198.51.100
DNS=198.51.100.1
MAC=02:4c:4e:00:00:31
NAME=kealaptop
T=""

declare -A PIDS=()
NSS=()
LINKS=()
FAILURES=0
CHECKS=0
CLEANED=0
NETNS_ETC_EXISTED=0
[ -d /etc/netns ] && NETNS_ETC_EXISTED=1
START_MS=$(date +%s%3N)

now_ms() { date +%s%3N; }
say() { printf '[%6.1fs] %s\n' "$(( $(now_ms) - START_MS ))e-3" "$*"; }
pass() { CHECKS=$((CHECKS + 1)); say "  ok    $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); say "  FAIL  $*"; }

dump_logs() {
  [ -n "$T" ] && [ -d "$T" ] || return 0
  local f
  for f in "$T"/lannamed.log "$T"/kea*.log "$T"/d2.log "$T"/*.out; do
    [ -s "$f" ] || continue
    echo "----- last lines of ${f##*/} -----"
    tail -n 40 "$f"
  done
}

die() {
  say "FATAL: $*" >&2
  dump_logs
  exit 1
}

stop_pid() {  # stop_pid LABEL: SIGTERM, up to ~5 s, then SIGKILL
  local label=$1 pid=${PIDS[$1]:-} i
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  unset "PIDS[$label]"
  return 0
}

cleanup() {
  [ "$CLEANED" = 1 ] && return 0
  CLEANED=1
  trap - INT TERM
  local label ns pid link
  for label in "${!PIDS[@]}"; do kill -TERM "${PIDS[$label]}" 2>/dev/null; done
  for label in "${!PIDS[@]}"; do stop_pid "$label"; done
  for ns in "${NSS[@]}"; do
    if [ -e "/run/netns/$ns" ]; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
    rm -rf "/etc/netns/$ns"
  done
  [ "$NETNS_ETC_EXISTED" = 1 ] || rmdir /etc/netns 2>/dev/null
  for link in "${LINKS[@]}"; do
    ip link show dev "$link" >/dev/null 2>&1 && ip link del dev "$link" 2>/dev/null
  done
  if [ -n "$T" ] && [ -d "$T" ]; then
    if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
  fi
  return 0
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Preflight

[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces, a bridge, pcap)" >&2; exit 1; }
if command -v flock >/dev/null 2>&1; then
  exec 9< "$ROOT/Tests/e2e/dhcp-lan.sh"
  flock -w 40 9 || { echo "a dhcp-lan.sh or kea-ddns.sh run still holds the lock after 40 s" >&2; exit 1; }
  START_MS=$(now_ms)
fi
need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: install the Debian package $2" >&2; exit 1; }; }
need ip iproute2
need unshare util-linux
need dig bind9-dnsutils
need udhcpc udhcpc
[ -x /usr/sbin/kea-dhcp4 ] || { echo "missing /usr/sbin/kea-dhcp4: install kea-dhcp4-server" >&2; exit 1; }
[ -x /usr/sbin/kea-dhcp-ddns ] || { echo "missing /usr/sbin/kea-dhcp-ddns: install kea-dhcp-ddns-server" >&2; exit 1; }
[ -x "$LANNAMED" ] || { echo "missing $LANNAMED: build it with 'swift build --product lannamed'" >&2; exit 1; }

routes4=$(ip -4 route show table all match "$DNS" 2>/dev/null | grep -v '^default' | grep -v '^broadcast\|^local' || true)
addrs=$(ip -4 -o addr show to "$NET4.0/24" 2>/dev/null || true)
if [ -n "$routes4$addrs" ]; then
  echo "refusing to run: $NET4.0/24 is already in use here:" >&2
  echo "$routes4$addrs" >&2
  exit 1
fi

T=$(mktemp -d "/tmp/${P}-kea-ddns.XXXXXX") || die "cannot make a temp dir"
chmod 755 "$T"

(
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  sleep "$TIME_LIMIT" & nap=$!
  wait "$nap" || exit 0
  echo "[watchdog] time limit of ${TIME_LIMIT}s reached" >&2
  kill -TERM $$
) &
PIDS[watchdog]=$!

# ---------------------------------------------------------------------------------------------
# Topology: the bridge (lannamed), the server namespace (Kea), one client

make_ns() {
  ip netns add "$1" || die "cannot create namespace $1"
  NSS+=("$1")
  mkdir -p "/etc/netns/$1"
  echo "nameserver $DNS" > "/etc/netns/$1/resolv.conf"
  ip netns exec "$1" ip link set lo up
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null
}

attach() {  # attach NS HOSTSIDE [MAC]
  local ns=$1 host=$2 mac=${3:-} peer="${2}p"
  ip link add "$host" type veth peer name "$peer" || die "cannot create veth $host"
  LINKS+=("$host")
  sysctl -qw "net.ipv6.conf.$host.disable_ipv6=1" >/dev/null
  ip link set "$peer" netns "$ns" || die "cannot move $peer into $ns"
  ip netns exec "$ns" ip link set "$peer" name eth0
  [ -n "$mac" ] && ip netns exec "$ns" ip link set eth0 address "$mac"
  ip link set "$host" master "$BR" up
  ip netns exec "$ns" ip link set eth0 up
}

say "=== topology ($P) ==="
ip link add name "$BR" address 02:4c:4e:ff:00:31 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 \
  || die "cannot create bridge $BR"
LINKS+=("$BR")
sysctl -qw "net.ipv6.conf.$BR.disable_ipv6=1" >/dev/null
ip addr add "$DNS/24" dev "$BR"
ip link set "$BR" up
make_ns "$SRV"
attach "$SRV" "${P}s"
ip netns exec "$SRV" ip addr add "$NET4.2/24" dev eth0
make_ns "$CLI"
attach "$CLI" "${P}h1" "$MAC"

# ---------------------------------------------------------------------------------------------
# lannamed, with a LAN-zone key for D2

DB="$T/lannamed.sqlite"
: > "$T/lannamed.toml"
KEY=$("$LANNAMED" keys add kea-ddns --zone lan --database "$DB" --config "$T/lannamed.toml" 2> "$T/keys.out") \
  || { cat "$T/keys.out"; die "lannamed keys add kea-ddns --zone lan failed"; }
case "$KEY" in
  hmac-sha256:kea-ddns.:*) pass "keys add kea-ddns --zone lan: $(cut -d: -f1,2 <<< "$KEY"):..." ;;
  *) die "unexpected key line: $KEY" ;;
esac
SECRET=${KEY##*:}

"$LANNAMED" run --listen "$DNS:53" --database "$DB" --config "$T/lannamed.toml" --zone lan --interface "$BR" \
  --no-forward --log-level debug > "$T/lannamed.log" 2>&1 &
PIDS[lannamed]=$!
deadline=$(( $(now_ms) + 30000 ))
until ip netns exec "$SRV" dig @"$DNS" +time=1 +tries=1 +short lan SOA 2>/dev/null | grep -q .; do
  kill -0 "${PIDS[lannamed]}" 2>/dev/null || die "lannamed exited at start"
  [ "$(now_ms)" -lt "$deadline" ] || die "lannamed did not answer within 30 s"
  sleep 0.1
done
say "lannamed (pid ${PIDS[lannamed]}) answers on $DNS:53, watching $BR"

# ---------------------------------------------------------------------------------------------
# Kea: D2 first (kea-dhcp4 sends it name change requests on 127.0.0.1:53001), then DHCPv4

cat > "$T/d2.json" <<JSON
{ "DhcpDdns": {
    "ip-address": "127.0.0.1", "port": 53001, "dns-server-timeout": 2000,
    "ncr-protocol": "UDP", "ncr-format": "JSON",
    "tsig-keys": [ { "name": "kea-ddns", "algorithm": "HMAC-SHA256", "secret": "$SECRET" } ],
    "forward-ddns": { "ddns-domains": [ { "name": "lan.", "key-name": "kea-ddns",
        "dns-servers": [ { "ip-address": "$DNS", "port": 53 } ] } ] },
    "reverse-ddns": { "ddns-domains": [ { "name": "100.51.198.in-addr.arpa.", "key-name": "kea-ddns",
        "dns-servers": [ { "ip-address": "$DNS", "port": 53 } ] } ] },
    "loggers": [ { "name": "kea-dhcp-ddns", "severity": "DEBUG", "debuglevel": 40,
                   "output_options": [ { "output": "$T/d2.log" } ] } ]
} }
JSON
cat > "$T/kea4.json" <<JSON
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$T/kea4.leases", "lfc-interval": 0 },
    "valid-lifetime": 600, "renew-timer": 300, "rebind-timer": 525,
    "dhcp-ddns": { "enable-updates": true, "server-ip": "127.0.0.1", "server-port": 53001,
                   "ncr-protocol": "UDP", "ncr-format": "JSON" },
    "ddns-send-updates": true, "ddns-override-client-update": true, "ddns-replace-client-name": "never",
    "ddns-qualifying-suffix": "lan.",
    "subnet4": [ {
        "id": 1, "subnet": "$NET4.0/24",
        "pools": [ { "pool": "$NET4.100 - $NET4.199" } ],
        "option-data": [ { "name": "domain-name-servers", "data": "$DNS" } ]
    } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "INFO", "output_options": [ { "output": "$T/kea4.log" } ] } ]
} }
JSON

start_kea() {  # start_kea LABEL BINARY CONFIG LOG STARTED-MESSAGE
  local label=$1 binary=$2 config=$3 log=$4 started=$5 i
  ip netns exec "$SRV" "$binary" -t "$config" > "$T/$label-check.out" 2>&1 \
    || { cat "$T/$label-check.out"; die "$binary rejects its config"; }
  : > "$log"
  ip netns exec "$SRV" env KEA_PIDFILE_DIR="$T" KEA_LOCKFILE_DIR="$T" "$binary" -c "$config" > "$T/$label.out" 2>&1 &
  PIDS[$label]=$!
  for ((i = 0; i < 100; i++)); do
    grep -q "$started" "$log" "$T/$label.out" 2>/dev/null && { say "$label (pid ${PIDS[$label]}) started"; return 0; }
    kill -0 "${PIDS[$label]}" 2>/dev/null || die "$binary exited at start"
    sleep 0.1
  done
  die "$binary did not start within 10 s"
}
start_kea d2 /usr/sbin/kea-dhcp-ddns "$T/d2.json" "$T/d2.log" DHCP_DDNS_STARTED
start_kea kea4 /usr/sbin/kea-dhcp4 "$T/kea4.json" "$T/kea4.log" DHCP4_STARTED

# ---------------------------------------------------------------------------------------------
# The client

cat > "$T/hook.sh" <<HOOK
#!/bin/sh
case "\$1" in
  deconfig) ip -4 addr flush dev "\$interface"; ip link set dev "\$interface" up ;;
  bound | renew) ip -4 addr replace "\$ip/\$mask" dev "\$interface"; echo "\$1 \$ip" >> "$T/events" ;;
esac
exit 0
HOOK
chmod 755 "$T/hook.sh"
: > "$T/events"
ip netns exec "$CLI" unshare --uts udhcpc -f -i eth0 -s "$T/hook.sh" -t 30 -T 1 -A 1 -x "hostname:$NAME" > "$T/udhcpc.out" 2>&1 &
PIDS[udhcpc]=$!

IP=""
for ((i = 0; i < 200; i++)); do
  IP=$(awk '$1 == "bound" { print $2; exit }' "$T/events")
  [ -n "$IP" ] && break
  sleep 0.1
done
[ -n "$IP" ] || die "the client got no lease within 20 s"
say "$NAME ($MAC) bound $IP"

# ---------------------------------------------------------------------------------------------
# Checks

answer() {  # answer NAME TYPE|-x: the sorted data, or the status when there is none (asked from the
            # server namespace: after a release the client has no address)
  local out
  if [ "$2" = "-x" ]; then
    out=$(ip netns exec "$SRV" dig @"$DNS" +time=1 +tries=1 +norec +noall +comments +answer -x "$1" 2>&1)
  else
    out=$(ip netns exec "$SRV" dig @"$DNS" +time=1 +tries=1 +norec +noall +comments +answer "$1" "$2" 2>&1)
  fi
  local data
  data=$(awk '$0 !~ /^;/ && NF >= 5 { print $5 }' <<< "$out" | sort | paste -sd' ')
  [ -n "$data" ] && echo "$data" || sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<< "$out" | head -1
}

expect() {  # expect WHAT WANT SECONDS CMD...: polls CMD until it prints WANT
  local what=$1 want=$2 limit=$3 got deadline
  shift 3
  deadline=$(( $(now_ms) + limit * 1000 ))
  while :; do
    got=$("$@")
    [ "$got" = "$want" ] && { pass "$what -> $want"; return 0; }
    [ "$(now_ms)" -ge "$deadline" ] && break
    sleep 0.1
  done
  fail "$what: want '$want', got '$got'"
  return 1
}

# hosts list --json as "name source addresses" lines
hosts_flat() {
  "$LANNAMED" hosts list --json --database "$DB" --config "$T/lannamed.toml" --zone lan 2> "$T/hosts.err" | awk '
    function val(s) { sub(/^[^:]*: /, "", s); sub(/,$/, "", s); gsub(/^"|"$/, "", s); return s }
    /^  \{/ { delete h; addrs = ""; inaddr = 0; next }
    inaddr && /^    \]/ { inaddr = 0; next }
    inaddr { a = $0; gsub(/[ ",]/, "", a); addrs = addrs (addrs == "" ? "" : ",") a; next }
    /^    "addresses" : \[/ { inaddr = 1; if ($0 ~ /\]/) inaddr = 0; next }
    /^    "[a-z_]+" : / { k = $1; gsub(/"/, "", k); h[k] = val($0); next }
    /^  \}/ { printf "%s %s %s\n", h["name"], h["source"], addrs }
  '
}

say "=== Kea D2 updates lannamed ==="
expect "$NAME.lan A" "$IP" 15 answer "$NAME.lan" A
expect "PTR($IP)" "$NAME.lan." 10 answer "$IP" -x
expect "hosts list (one host, source update)" "$NAME update $IP" 5 hosts_flat
if grep 'UPDATE' "$T/lannamed.log" | grep 'zone=lan\.' | grep 'rcode=NOERROR' | grep -q "source update"; then
  pass "lannamed logged the forward UPDATE (NOERROR, source update)"
else
  fail "no forward UPDATE with NOERROR and source update in lannamed's log"
fi
if grep 'UPDATE' "$T/lannamed.log" | grep 'zone=100.51.198.in-addr.arpa.' | grep -q 'rcode=NOERROR'; then
  pass "lannamed logged the reverse UPDATE (NOERROR)"
else
  fail "no reverse UPDATE with NOERROR in lannamed's log"
fi
d2_logged() { grep -q "$1" "$T/d2.log" && echo yes || echo no; }
expect "D2 logged DHCP_DDNS_ADD_SUCCEEDED" yes 5 d2_logged DHCP_DDNS_ADD_SUCCEEDED
if grep -q 'DHCP_DDNS_.*FAILED\|DHCP_DDNS_.*REJECTED' "$T/d2.log"; then
  fail "D2 logged a failure: $(grep -m1 'DHCP_DDNS_.*FAILED\|DHCP_DDNS_.*REJECTED' "$T/d2.log")"
else
  pass "D2 logged no failed or rejected update"
fi

say "=== the client releases: Kea removes the name ==="
kill -USR2 "${PIDS[udhcpc]}"
expect "$NAME.lan A after release" "NXDOMAIN" 15 answer "$NAME.lan" A
expect "PTR($IP) after release" "NXDOMAIN" 5 answer "$IP" -x
expect "hosts list after release" "" 5 hosts_flat
expect "D2 logged DHCP_DDNS_REMOVE_SUCCEEDED" yes 5 d2_logged DHCP_DDNS_REMOVE_SUCCEEDED

say "lannamed's UPDATE lines:"
grep 'UPDATE' "$T/lannamed.log" | sed 's/^/    /'
say "=== $CHECKS checks, $FAILURES failed ==="
if [ "$FAILURES" -gt 0 ]; then
  dump_logs
  exit 1
fi
exit 0
