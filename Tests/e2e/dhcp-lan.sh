#!/usr/bin/env bash
# End-to-end DHCP test of lannamed on a throw-away LAN built from network namespaces.
#
#   bash Tests/e2e/dhcp-lan.sh dnsmasq|kea|expiry
#
# dnsmasq, kea: the LAN scenario (joins, renewals, dual stack, release, rename, move, restart)
# with that DHCP server. expiry: Kea with 20-second leases (no renew or rebind timer) and two
# udhcpc clients killed with SIGKILL, so that neither renews nor releases: at the lease end
# lannamed must keep the one that still answers ARP (its address stays on its interface) and drop
# the one that does not (its interface is down); the time from lease end to the name going is
# measured.
#
# Needs root, and the Debian packages dnsmasq-base (or dnsmasq), kea-dhcp4-server,
# kea-dhcp6-server, udhcpc, isc-dhcp-client, iproute2, bind9-dnsutils; the binary is
# $LANNAMED or <package>/.build/debug/lannamed (`swift build --product lannamed`).
#
# The LAN: a bridge in the root namespace (198.51.100.1/24, 2001:db8:100::1/64) on which
# lannamed sniffs DHCP and answers DNS; a "srv" namespace (198.51.100.2, 2001:db8:100::2) running
# the DHCP server (dnsmasq, or Kea dhcp4 + dhcp6); one namespace per client, each joined to the
# bridge by a veth pair, with busybox udhcpc or ISC dhclient under `unshare --uts` and hook
# scripts that only configure the address inside their own namespace.
#
# Every name is checked with dig @198.51.100.1 from inside a client namespace (A, AAAA, PTR),
# polling for at most ~3 s per check; the time from the client's hook reporting "bound" to the
# name answering is recorded and summarised at the end.
#
# Safety: only 198.51.100.0/24 and 2001:db8:100::/64; every namespace, link and file carries the
# prefix lnm<PID>; the EXIT trap kills only the PIDs recorded here (and whatever is left inside
# our own namespaces), deletes our namespaces and links and the temp dir, and is idempotent.
# Nothing touches eth0, the host's routes or /etc/resolv.conf.

set -uo pipefail

# A caller may hand us blocked or ignored signals (the Swift test runner's threads block SIGTERM,
# SIGUSR1, SIGUSR2...; posix_spawn keeps the mask, and so does every child): udhcpc would then
# never see the SIGUSR1/SIGUSR2 that make it renew and release, and the EXIT trap would not run
# on SIGTERM. Start again with an empty mask and default actions.
sigs=$(sed -n 's/^Sig\(Blk\|Ign\):[[:space:]]*//p' /proc/self/status 2>/dev/null | paste -sd' ')   # what children get
read -r blocked ignored <<< "${sigs:-0 0}"
if (( ((16#$blocked | 16#$ignored) & 0x4a00) != 0 )); then   # SIGUSR1, SIGUSR2, SIGTERM
  if [ -z "${DHCP_LAN_UNBLOCKED:-}" ] && command -v perl >/dev/null 2>&1; then
    export DHCP_LAN_UNBLOCKED=1
    exec perl -MPOSIX -e '$SIG{$_} = "DEFAULT" for qw(HUP INT TERM USR1 USR2);
      sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die "sigprocmask: $!"; exec @ARGV or die "exec: $!"' \
      -- /bin/bash "${BASH_SOURCE[0]}" "$@"
  fi
  echo "signals are blocked ($blocked) or ignored ($ignored) and cannot be reset: udhcpc renew/release and cleanup on SIGTERM would not work" >&2
  exit 1
fi

MODE=${1:-}
case "$MODE" in
  dnsmasq | kea) SERVER=$MODE ;;
  expiry) SERVER=kea ;;      # Kea hands out 20-second leases without complaint
  *) echo "usage: $0 dnsmasq|kea|expiry" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LANNAMED=${LANNAMED:-$ROOT/.build/debug/lannamed}
# The whole run must end well within the Swift wrapper's 240 s.
TIME_LIMIT=${DHCP_LAN_TIME_LIMIT:-180}

P="lnm$$"                 # the prefix of everything this run creates
BR="${P}br"               # bridge (<= 15 characters: pid_max is at most 4194304)
SRV="${P}-srv"            # the DHCP server's namespace
NET4=198.51.100
DNS=198.51.100.1
NET6=2001:db8:100
LEASE=120
[ "$MODE" = expiry ] && LEASE=${DHCP_LAN_EXPIRY_LEASE:-20}
T=""

declare -A PIDS=()        # what we started: label -> pid
NSS=()                    # namespaces we created
LINKS=()                  # root-namespace links we created
FAILURES=0
CHECKS=0
LATENCIES=()              # ms, client bound -> name answers
FIRST_TRY=0               # how many of those answered the very first query
CLEANED=0
START_MS=0
NETNS_ETC_EXISTED=0       # whether /etc/netns was there before us
[ -d /etc/netns ] && NETNS_ETC_EXISTED=1

# ---------------------------------------------------------------------------------------------
# Output and time

now_ms() { date +%s%3N; }
elapsed() { printf '%6.1fs' "$(( $(now_ms) - START_MS ))e-3"; }
say() { echo "[$(elapsed)] $*"; }
step() { echo; echo "[$(elapsed)] === $* ==="; }
pass() { CHECKS=$((CHECKS + 1)); echo "[$(elapsed)]   ok    $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "[$(elapsed)]   FAIL  $*"; }

die() {
  echo "[$(elapsed)] FATAL: $*" >&2
  dump_logs
  exit 1
}

dump_logs() {
  [ -n "$T" ] && [ -d "$T" ] || return 0
  local f
  for f in "$T"/lannamed*.log "$T"/dnsmasq.log "$T"/kea*.log "$T"/*.out; do
    [ -s "$f" ] || continue
    echo "----- last lines of ${f##*/} -----"
    tail -n 40 "$f"
  done
}

# ---------------------------------------------------------------------------------------------
# Cleanup: only what this run recorded, by PID and by name; safe to run twice.

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
  for label in "${!PIDS[@]}"; do
    pid=${PIDS[$label]}
    kill -TERM "$pid" 2>/dev/null
  done
  for label in "${!PIDS[@]}"; do stop_pid "$label"; done
  for ns in "${NSS[@]}"; do
    if [ -e "/run/netns/$ns" ]; then
      # Anything still running inside our own namespaces was started by this run.
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
    rm -rf "/etc/netns/$ns"
  done
  [ "$NETNS_ETC_EXISTED" = 1 ] || rmdir /etc/netns 2>/dev/null   # ours, and only if empty
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

START_MS=$(now_ms)
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces, a bridge, pcap)" >&2; exit 1; }

# One run at a time on this machine (every run uses the same prefixes): a lock on this script
# file itself, so nothing is left behind. Waits at most 40 s for another run to finish.
if command -v flock >/dev/null 2>&1; then
  exec 9< "${BASH_SOURCE[0]}"
  flock -w 40 9 || { echo "another dhcp-lan.sh run still holds the lock after 40 s" >&2; exit 1; }
  START_MS=$(now_ms)
fi

need() {  # need PATH-OR-NAME PACKAGE
  command -v "$1" >/dev/null 2>&1 || { echo "missing $1: install the Debian package $2" >&2; exit 1; }
}
need ip iproute2
need unshare util-linux
need dig bind9-dnsutils
need udhcpc udhcpc
[ "$MODE" = expiry ] || need dhclient isc-dhcp-client
if [ "$SERVER" = dnsmasq ]; then
  [ -x /usr/sbin/dnsmasq ] || { echo "missing /usr/sbin/dnsmasq: install dnsmasq-base (or dnsmasq)" >&2; exit 1; }
else
  [ -x /usr/sbin/kea-dhcp4 ] || { echo "missing /usr/sbin/kea-dhcp4: install kea-dhcp4-server" >&2; exit 1; }
  [ "$MODE" = expiry ] || [ -x /usr/sbin/kea-dhcp6 ] \
    || { echo "missing /usr/sbin/kea-dhcp6: install kea-dhcp6-server" >&2; exit 1; }
fi
[ -x "$LANNAMED" ] || { echo "missing $LANNAMED: build it with 'swift build --product lannamed'" >&2; exit 1; }

# The test prefixes must not be in use on this machine: only the default route may cover them,
# and no interface may hold an address in them (another run of this test, a real network).
routes4=$(ip -4 route show table all match "$DNS" 2>/dev/null | grep -v '^default' | grep -v '^broadcast\|^local' || true)
routes6=$(ip -6 route show table all match "$NET6::1" 2>/dev/null | grep -v '^default' | grep -v '^local\|^anycast\|^multicast' || true)
addrs=$( { ip -4 -o addr show to "$NET4.0/24"; ip -6 -o addr show to "$NET6::/64"; } 2>/dev/null || true)
if [ -n "$routes4$routes6$addrs" ]; then
  echo "refusing to run: $NET4.0/24 or $NET6::/64 is already in use here:" >&2
  echo "$routes4$routes6$addrs" >&2
  ip route get "$DNS" >&2
  exit 1
fi
say "route check: $(ip route get "$DNS" | head -1) (only the default route covers $NET4.0/24)"

T=$(mktemp -d "/tmp/${P}-dhcp-e2e.XXXXXX") || die "cannot make a temp dir"
chmod 755 "$T"

# The whole run is bounded: a watchdog turns a hang into SIGTERM (and so into cleanup).
(
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  sleep "$TIME_LIMIT" & nap=$!
  wait "$nap" || exit 0
  echo "[watchdog] time limit of ${TIME_LIMIT}s reached" >&2
  kill -TERM $$
) &
PIDS[watchdog]=$!

# ---------------------------------------------------------------------------------------------
# Topology

sysctl_if() {  # sysctl_if [NS] IFACE: no IPv6 autoconf, RA or DAD on this interface
  local ns=$1 dev=$2 key
  for key in accept_ra=0 autoconf=0 accept_dad=0 dad_transmits=0; do
    if [ -n "$ns" ]; then
      ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.${key%%=*}=${key#*=}" >/dev/null
    else
      sysctl -qw "net.ipv6.conf.$dev.${key%%=*}=${key#*=}" >/dev/null
    fi
  done
}

make_ns() {  # make_ns NS
  ip netns add "$1" || die "cannot create namespace $1"
  NSS+=("$1")
  mkdir -p "/etc/netns/$1"
  # `ip netns exec` bind-mounts this over /etc/resolv.conf inside the namespace only.
  echo "nameserver $DNS" > "/etc/netns/$1/resolv.conf"
  ip netns exec "$1" ip link set lo up
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf.all.autoconf=0 net.ipv6.conf.default.autoconf=0 >/dev/null
}

# attach NS HOSTSIDE [MAC]: a veth pair, one end on the bridge, the other as eth0 inside NS
attach() {
  local ns=$1 host=$2 mac=${3:-} peer="${2}p"
  ip link add "$host" type veth peer name "$peer" || die "cannot create veth $host"
  LINKS+=("$host")
  sysctl -qw "net.ipv6.conf.$host.disable_ipv6=1" >/dev/null
  ip link set "$peer" netns "$ns" || die "cannot move $peer into $ns"
  ip netns exec "$ns" ip link set "$peer" name eth0
  [ -n "$mac" ] && ip netns exec "$ns" ip link set eth0 address "$mac"
  sysctl_if "$ns" eth0
  ip link set "$host" master "$BR" up
  ip netns exec "$ns" ip link set eth0 up
}

step "topology ($P)"
# A fixed MAC: otherwise the bridge takes the lowest MAC of its ports, which changes as clients
# join, and clients that resolved 198.51.100.1 earlier keep a stale ARP entry for ~30 s.
ip link add name "$BR" address 02:4c:4e:ff:00:01 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 \
  || die "cannot create bridge $BR"
LINKS+=("$BR")
sysctl_if "" "$BR"
ip addr add "$DNS/24" dev "$BR"
ip -6 addr add "$NET6::1/64" dev "$BR" nodad
ip link set "$BR" up
make_ns "$SRV"
attach "$SRV" "${P}s"
ip netns exec "$SRV" ip addr add "$NET4.2/24" dev eth0
ip netns exec "$SRV" ip -6 addr add "$NET6::2/64" dev eth0 nodad
say "bridge $BR $DNS/24 $NET6::1/64; server namespace $SRV $NET4.2 $NET6::2"

# ---------------------------------------------------------------------------------------------
# lannamed

DB="$T/lannamed.sqlite"
RUNS=0
start_lannamed() {
  RUNS=$((RUNS + 1))
  local log="$T/lannamed-$RUNS.log" deadline
  "$LANNAMED" run --listen "$DNS:53" --database "$DB" --zone lan --interface "$BR" --no-forward --log-level debug \
    > "$log" 2>&1 &
  PIDS[lannamed]=$!
  deadline=$(( $(now_ms) + 30000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if ip netns exec "$SRV" dig @"$DNS" +time=1 +tries=1 +short lan SOA 2>/dev/null | grep -q .; then
      say "lannamed (pid ${PIDS[lannamed]}) answers on $DNS:53, watching $BR"
      return 0
    fi
    kill -0 "${PIDS[lannamed]}" 2>/dev/null || die "lannamed exited at start"
    sleep 0.1
  done
  die "lannamed did not answer within 30 s"
}

stop_lannamed() {
  local pid=${PIDS[lannamed]} i
  kill -TERM "$pid"
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    fail "lannamed did not stop within 15 s of SIGTERM"
    kill -KILL "$pid"
  fi
  wait "$pid" 2>/dev/null
  local status=$?
  unset "PIDS[lannamed]"
  [ "$status" = 0 ] && pass "lannamed stopped on SIGTERM (exit 0)" || fail "lannamed exited with $status on SIGTERM"
}

# ---------------------------------------------------------------------------------------------
# The DHCP server

RESERVE_MAC=""            # set before a restart: a reservation MAC -> RESERVE_IP
RESERVE_IP=""

start_dnsmasq() {
  local extra=() started
  started=$(grep -c "DHCP, IP range" "$T/dnsmasq.log" 2>/dev/null)
  [ -n "$RESERVE_MAC" ] && extra+=("--dhcp-host=$RESERVE_MAC,$RESERVE_IP")
  ip netns exec "$SRV" /usr/sbin/dnsmasq --keep-in-foreground --port=0 --conf-file=/dev/null --no-ping \
    --user=root --interface=eth0 --no-hosts --no-resolv \
    --pid-file="$T/dnsmasq.pid" --dhcp-leasefile="$T/dnsmasq.leases" \
    --log-facility="$T/dnsmasq.log" --log-dhcp \
    --dhcp-range="$NET4.100,$NET4.199,${LEASE}s" \
    --dhcp-range="$NET6::1000,$NET6::1fff,64,${LEASE}s" \
    --dhcp-option=option:dns-server,"$DNS" --dhcp-option=option6:dns-server,"[$NET6::1]" \
    "${extra[@]}" > "$T/dnsmasq.out" 2>&1 &
  PIDS[dhcp4]=$!
  local i
  for ((i = 0; i < 50; i++)); do
    [ "$(grep -c "DHCP, IP range" "$T/dnsmasq.log" 2>/dev/null)" -gt "${started:-0}" ] && break
    kill -0 "${PIDS[dhcp4]}" 2>/dev/null || die "dnsmasq exited at start"
    sleep 0.1
  done
  say "dnsmasq (pid ${PIDS[dhcp4]}) serving $NET4.100-199 and $NET6::1000-1fff${RESERVE_MAC:+, $RESERVE_MAC reserved at $RESERVE_IP}"
}

write_kea4() {
  local reservations="" timers
  [ -n "$RESERVE_MAC" ] && reservations=", \"reservations\": [ { \"hw-address\": \"$RESERVE_MAC\", \"ip-address\": \"$RESERVE_IP\" } ]"
  # expiry: no renew or rebind timer (no options 58/59 in the ACK), and the clients die anyway.
  timers=", \"renew-timer\": $((LEASE / 2)), \"rebind-timer\": $((LEASE * 7 / 8))"
  [ "$MODE" = expiry ] && timers=""
  cat > "$T/kea4.json" <<EOF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$T/kea4.leases", "lfc-interval": 0 },
    "valid-lifetime": $LEASE$timers,
    "subnet4": [ {
        "id": 1, "subnet": "$NET4.0/24",
        "pools": [ { "pool": "$NET4.100 - $NET4.199" } ],
        "option-data": [ { "name": "domain-name-servers", "data": "$DNS" } ]
        $reservations
    } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                   "output_options": [ { "output": "$T/kea4.log" } ] } ]
} }
EOF
}

write_kea6() {
  cat > "$T/kea6.json" <<EOF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "server-id": { "type": "LLT", "persist": false },
    "lease-database": { "type": "memfile", "persist": true, "name": "$T/kea6.leases", "lfc-interval": 0 },
    "preferred-lifetime": $((LEASE * 3 / 4)), "valid-lifetime": $LEASE,
    "renew-timer": $((LEASE / 2)), "rebind-timer": $((LEASE * 7 / 8)),
    "subnet6": [ {
        "id": 1, "subnet": "$NET6::/64", "interface": "eth0",
        "pools": [ { "pool": "$NET6::1000 - $NET6::1fff" } ],
        "option-data": [ { "name": "dns-servers", "data": "$NET6::1" } ]
    } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "INFO",
                   "output_options": [ { "output": "$T/kea6.log" } ] } ]
} }
EOF
}

start_kea() {  # start_kea 4|6
  local v=$1 i started
  if [ "$v" = 4 ]; then write_kea4; else write_kea6; fi
  ip netns exec "$SRV" /usr/sbin/kea-dhcp$v -t "$T/kea$v.json" > "$T/kea$v-check.out" 2>&1 \
    || { cat "$T/kea$v-check.out"; die "kea-dhcp$v rejects its config"; }
  : > "$T/kea$v.log"
  ip netns exec "$SRV" env KEA_PIDFILE_DIR="$T" KEA_LOCKFILE_DIR="$T" \
    /usr/sbin/kea-dhcp$v -c "$T/kea$v.json" > "$T/kea$v.out" 2>&1 &
  PIDS[dhcp$v]=$!
  started=0
  for ((i = 0; i < 100; i++)); do
    if grep -q "DHCP${v}_STARTED" "$T/kea$v.log" "$T/kea$v.out" 2>/dev/null; then started=1; break; fi
    kill -0 "${PIDS[dhcp$v]}" 2>/dev/null || die "kea-dhcp$v exited at start"
    sleep 0.1
  done
  [ "$started" = 1 ] || die "kea-dhcp$v did not start within 10 s"
  say "kea-dhcp$v (pid ${PIDS[dhcp$v]}) started${RESERVE_MAC:+ ($RESERVE_MAC reserved at $RESERVE_IP)}"
}

start_server() {
  if [ "$SERVER" = dnsmasq ]; then
    start_dnsmasq
  else
    start_kea 4
    [ "$MODE" = expiry ] || [ -n "${PIDS[dhcp6]:-}" ] || start_kea 6   # expiry: IPv4 only
  fi
}

restart_server_v4() {
  stop_pid dhcp4
  if [ "$SERVER" = dnsmasq ]; then start_dnsmasq; else start_kea 4; fi
}

# ---------------------------------------------------------------------------------------------
# Clients

declare -A CNS=() CMAC=() CIP=() CIP6=()

# The hook both clients call. udhcpc: $1 = deconfig|bound|renew|nak|leasefail, env ip, mask
# (prefix length), interface. dhclient: env reason, interface, new_*/old_* (its environment is
# built by dhclient, so the tag and folder are written into each client's copy). It configures
# the address in the client's namespace and appends "MS EVENT ADDRESS" to events-TAG; it never
# writes resolv.conf, routes or the hostname.
write_hook() {  # write_hook TAG
  cat > "$T/hook-$1.sh" <<EOF
#!/bin/sh
TAG=$1
D=$T
EOF
  cat >> "$T/hook-$1.sh" <<'EOF'
event() { echo "$(date +%s%3N) $1 ${2:--}" >> "$D/events-$TAG"; }
if [ -n "${reason:-}" ]; then
  case "$reason" in
    PREINIT | PREINIT6) ip link set dev "$interface" up ;;
    BOUND | RENEW | REBIND | REBOOT)
      if [ -n "${old_ip_address:-}" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
        ip -4 addr flush dev "$interface"
      fi
      ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
      event "$(echo "$reason" | tr A-Z a-z)" "$new_ip_address" ;;
    EXPIRE | FAIL | RELEASE | STOP) ip -4 addr flush dev "$interface"; event "$(echo "$reason" | tr A-Z a-z)" ;;
    BOUND6 | RENEW6 | REBIND6 | REBOOT6)
      if [ -n "${old_ip6_address:-}" ] && [ "$old_ip6_address" != "$new_ip6_address" ]; then
        ip -6 addr del "$old_ip6_address/64" dev "$interface" 2>/dev/null
      fi
      ip -6 addr replace "$new_ip6_address/64" dev "$interface" nodad
      event "$(echo "$reason" | tr A-Z a-z)" "$new_ip6_address" ;;
    EXPIRE6 | RELEASE6 | STOP6)
      [ -n "${old_ip6_address:-}" ] && ip -6 addr del "$old_ip6_address/64" dev "$interface" 2>/dev/null
      event "$(echo "$reason" | tr A-Z a-z)" ;;
  esac
else
  case "$1" in
    deconfig) ip -4 addr flush dev "$interface"; ip link set dev "$interface" up; event deconfig ;;
    bound) ip -4 addr flush dev "$interface"; ip -4 addr add "$ip/$mask" dev "$interface"; event bound "$ip" ;;
    renew) ip -4 addr replace "$ip/$mask" dev "$interface"; event renew "$ip" ;;
    nak | leasefail) event "$1" ;;
  esac
fi
exit 0
EOF
  chmod 755 "$T/hook-$1.sh"
}

N=0
add_client() {  # add_client TAG: namespace lnmPID-TAG, veth lnmPIDhN, MAC 02:4c:4e:00:00:0N
  local tag=$1
  N=$((N + 1))
  CNS[$tag]="${P}-$tag"
  CMAC[$tag]=$(printf '02:4c:4e:00:00:%02x' "$N")
  make_ns "${CNS[$tag]}"
  attach "${CNS[$tag]}" "${P}h$N" "${CMAC[$tag]}"
  write_hook "$tag"
  : > "$T/events-$tag"
}

run_in() {  # run_in TAG LABEL CMD...: in the client's namespace and its own UTS namespace
  local tag=$1 label=$2
  shift 2
  ip netns exec "${CNS[$tag]}" unshare --uts "$@" >> "$T/$label.out" 2>&1 &
  PIDS[$label]=$!
}

start_udhcpc() {  # start_udhcpc TAG ARGS...
  local tag=$1
  shift
  stop_pid "udhcpc-$tag"
  run_in "$tag" "udhcpc-$tag" udhcpc -f -i eth0 -s "$T/hook-$tag.sh" -t 30 -T 1 -A 1 "$@"
}

start_dhclient() {  # start_dhclient TAG 4|6 CONFIG-TEXT
  local tag=$1 v=$2
  printf '%s\n' "$3" > "$T/dhclient$v-$tag.conf"
  local args=(-d -v -cf "$T/dhclient$v-$tag.conf" -lf "$T/dhclient$v-$tag.leases" -pf "$T/dhclient$v-$tag.pid"
              -sf "$T/hook-$tag.sh")
  if [ "$v" = 6 ]; then args=(-6 -D LL "${args[@]}"); else args=(-4 "${args[@]}"); fi
  run_in "$tag" "dhclient$v-$tag" dhclient "${args[@]}" eth0
}

events() { wc -l < "$T/events-$1"; }

# wait_event TAG SINCE-LINES PATTERN [SECONDS]: waits for a new event line matching PATTERN;
# sets EV_MS, EV_NAME, EV_ADDR.
wait_event() {
  local tag=$1 since=$2 pattern=$3 limit=${4:-20} line deadline
  deadline=$(( $(now_ms) + limit * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    line=$(tail -n +"$((since + 1))" "$T/events-$tag" | grep -E "^[0-9]+ ($pattern) " | head -1)
    if [ -n "$line" ]; then
      read -r EV_MS EV_NAME EV_ADDR <<< "$line"
      return 0
    fi
    sleep 0.02
  done
  EV_MS=""; EV_NAME=""; EV_ADDR=""
  return 1
}

# ---------------------------------------------------------------------------------------------
# DNS checks, always from inside a client namespace

# dnsq NS NAME TYPE: prints "STATUS VALUE..." (values sorted); for PTR, NAME is an address.
dnsq() {
  local ns=$1 name=$2 type=$3 out status values
  if [ "$type" = PTR ]; then
    out=$(ip netns exec "$ns" dig @"$DNS" +time=1 +tries=1 +noall +comments +answer -x "$name" 2>&1)
  else
    out=$(ip netns exec "$ns" dig @"$DNS" +time=1 +tries=1 +noall +comments +answer "$name" "$type" 2>&1)
  fi
  status=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<< "$out" | head -1)
  values=$(awk -v t="$type" '$0 !~ /^;/ && NF >= 5 && $4 == t { print $5 }' <<< "$out" | sort | tr '\n' ' ')
  values=${values% }
  echo "${status:-NO-RESPONSE}${values:+ $values}"
}

# expect NS NAME TYPE WANT [SECONDS]: polls until the answer is exactly WANT ("NOERROR addr...",
# "NOERROR" for NODATA, "NXDOMAIN"); sets OK_MS to when it matched and TRIES to the number of
# queries sent. SECONDS=0: one query only.
expect() {
  local ns=$1 name=$2 type=$3 want=$4 limit=${5:-3} got deadline shown
  deadline=$(( $(now_ms) + limit * 1000 ))
  TRIES=0
  shown="$name $type"
  [ "$type" = PTR ] && shown="PTR($name)"
  while :; do
    got=$(dnsq "$ns" "$name" "$type")
    TRIES=$((TRIES + 1))
    if [ "$got" = "$want" ]; then
      OK_MS=$(now_ms)
      pass "$shown -> $want"
      return 0
    fi
    [ "$(now_ms)" -ge "$deadline" ] && break
    sleep 0.02
  done
  OK_MS=""
  fail "$shown: want '$want', got '$got' (asked from ${ns#"$P"-})"
  return 1
}

# expect_host NS NAME V4 [V6]: A, AAAA and PTR of a registered name
expect_host() {
  local ns=$1 name=$2 v4=$3 v6=${4:-}
  expect "$ns" "$name.lan" A "NOERROR $v4"
  if [ -n "$v6" ]; then expect "$ns" "$name.lan" AAAA "NOERROR $v6"; else expect "$ns" "$name.lan" AAAA "NOERROR"; fi
  expect "$ns" "$v4" PTR "NOERROR $name.lan."
  [ -n "$v6" ] && expect "$ns" "$v6" PTR "NOERROR $name.lan."
  return 0
}

expect_gone() {  # expect_gone NS NAME
  expect "$1" "$2.lan" A "NXDOMAIN"
  expect "$1" "$2.lan" AAAA "NXDOMAIN"
}

latency() {  # latency WHAT: records OK_MS - EV_MS
  LATENCIES+=("$((OK_MS - EV_MS))")
  [ "$TRIES" = 1 ] && FIRST_TRY=$((FIRST_TRY + 1))
  say "  $1: $((OK_MS - EV_MS)) ms ($TRIES quer$([ "$TRIES" = 1 ] && echo y || echo ies))"
}

# joined TAG NAME [EVENTS-BEFORE]: waits for the client's bound event, then measures how long the
# name takes to answer with that address from the client's own namespace.
joined() {
  local tag=$1 name=$2 since=${3:-0}
  if ! wait_event "$tag" "$since" "bound" 20; then
    fail "$tag ($name) got no lease within 20 s"
    return 1
  fi
  CIP[$tag]=$EV_ADDR
  say "$tag ${CMAC[$tag]} bound $EV_ADDR; expecting $name.lan"
  if expect "${CNS[$tag]}" "$name.lan" A "NOERROR $EV_ADDR"; then
    latency "bound -> $name.lan answers"
  fi
  return 0
}

# ---------------------------------------------------------------------------------------------
# hosts list --json, flattened: name TAB mac TAB source TAB state TAB expires TAB addresses TAB note

hosts_flat() {
  "$LANNAMED" hosts list --json --database "$DB" --zone lan 2> "$T/hosts.err" | awk '
    function val(s) { sub(/^[^:]*: /, "", s); sub(/,$/, "", s); gsub(/^"|"$/, "", s); return s }
    /^  \{/ { delete h; addrs = ""; inaddr = 0; next }
    inaddr && /^    \]/ { inaddr = 0; next }
    inaddr { a = $0; gsub(/[ ",]/, "", a); addrs = addrs (addrs == "" ? "" : ",") a; next }
    /^    "addresses" : \[/ { inaddr = 1; if ($0 ~ /\]/) inaddr = 0; next }
    /^    "[a-z_]+" : / { k = $1; gsub(/"/, "", k); h[k] = val($0); next }
    /^  \}/ { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h["name"], h["mac"], h["source"], h["state"], h["expires"], addrs, h["note"] }
  '
}

expect_listing() {  # expect_listing NAME MAC ADDRESSES(comma, in listing order ignored)
  local name=$1 mac=$2 want=$3 line n m src state exp addrs note
  line=$(hosts_flat | awk -F'\t' -v n="$name" '$1 == n')
  if [ -z "$line" ]; then fail "hosts list: no $name"; return 1; fi
  IFS=$'\t' read -r n m src state exp addrs note <<< "$line"
  addrs=$(tr ',' '\n' <<< "$addrs" | sort | paste -sd,)
  want=$(tr ',' '\n' <<< "$want" | sort | paste -sd,)
  if [ "$src" = dhcp ] && [ "$m" = "$mac" ] && [ "$state" = acknowledged ] && [ "$exp" != null ] && [ -n "$exp" ] \
     && [ "$addrs" = "$want" ]; then
    [ "$note" = null ] && note=""
    pass "hosts list: $name source=dhcp mac=$m state=$state expires=$exp addresses=$addrs${note:+ note=\"$note\"}"
  else
    fail "hosts list: $name: want source=dhcp mac=$mac state=acknowledged expires!=null addresses=$want; got source=$src mac=$m state=$state expires=$exp addresses=$addrs note=$note"
  fi
}

# =============================================================================================
# Summary: every mode ends here

summary() {
  local sorted count min max median capture line
  step "summary ($MODE)"
  if [ ${#LATENCIES[@]} -gt 0 ]; then
    sorted=$(printf '%s\n' "${LATENCIES[@]}" | sort -n)
    count=${#LATENCIES[@]}
    min=$(head -1 <<< "$sorted")
    max=$(tail -1 <<< "$sorted")
    median=$(sed -n "$(( (count + 1) / 2 ))p" <<< "$sorted")
    echo "client bound -> name answers (ms, n=$count): min $min, median $median, max $max  [$(paste -sd' ' <<< "$sorted")]"
    echo "  ($FIRST_TRY of $count answered the first query: those figures are mostly dig's own round trip)"
    echo "TIMING $MODE bound_to_answer_ms n=$count min=$min median=$median max=$max all=$(paste -sd, <<< "$sorted")"
  fi
  capture=$(cat "$T"/lannamed-*.log | sed -n 's/.*capture_to_answer_ms=\([0-9-]*\).*/\1/p' | sort -n)
  if [ -n "$capture" ]; then
    count=$(wc -l <<< "$capture")
    echo "lannamed's own capture -> zone published (ms, n=$count): min $(head -1 <<< "$capture"), median $(sed -n "$(( (count + 1) / 2 ))p" <<< "$capture"), max $(tail -1 <<< "$capture")"
  fi
  for line in "${EXPIRY_LINES[@]}"; do echo "$line"; done
  echo "$CHECKS checks, $FAILURES failed, $(elapsed | tr -d ' ') in all"
  if [ "$FAILURES" -gt 0 ]; then
    dump_logs
    exit 1
  fi
  exit 0
}

# =============================================================================================
# The expiry scenario (bash dhcp-lan.sh expiry): leases that end with neither a renewal nor a
# release. Kea gives 20-second leases; both clients' udhcpc get SIGKILL right after the ACK.
# keeper keeps its address on its interface, so it answers lannamed's ARP probe and must keep its
# name (for another 5 minutes); leaver's interface goes down, so it answers nothing and its name
# and PTR must go within the expiry interval (5 s) + the probe (1 s) of its lease end. leaver joins
# one expiry interval after keeper, so each is probed in its own round, and the round that drops
# leaver also shows that keeper's extension held. At the end lannamed must still stop on SIGTERM.
# About 35 s in all.

EXPIRY_INTERVAL=5         # DHCPService.Options.expiryInterval
EXPIRY_PROBE=1            # ARPProbe.probe's timeout
EXPIRY_EXTEND=300         # DHCPService.Options.extendAfterProbe
EXPIRY_SLACK=4            # scheduling, the zone refresh, dig
KEPT_TEXT="lease ended but the device answers ARP; kept"
ENDED_TEXT="dhcp: lease ended"
declare -A LEASE_END=()   # tag -> ms: the client's bound event + LEASE (lannamed: the ACK + option 51)
EXPIRY_LINES=()           # for the summary

rel() { printf '+%.1fs' "$(( $1 - START_MS ))e-3"; }   # a now_ms time, relative to the start

# log_lines TEXT NAME: how many lines of lannamed's logs carry TEXT and name=NAME
log_lines() {
  cat "$T"/lannamed-*.log 2>/dev/null | grep -F -- "$1" | grep -c -E "(^|[[:space:]])name=$2([[:space:]]|$)"
}

# kill_client TAG: SIGKILL to the client's udhcpc, so that it sends nothing more (no RELEASE, no
# RENEW) and leaves its address on the interface. The recorded PID is udhcpc itself (`ip netns
# exec` and `unshare` without --fork exec it); checked before the kill.
kill_client() {
  local tag=$1 label="udhcpc-$1" pid
  pid=${PIDS[$label]:-}
  if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != udhcpc ]; then
    fail "$tag: no udhcpc at the recorded PID ${pid:-(none)}"
    return 1
  fi
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  unset "PIDS[$label]"
  say "$tag: udhcpc (pid $pid) killed with SIGKILL"
}

# expect_expires NAME WANT-EPOCH-S SLACK-S WHY: hosts list's "expires" of NAME is WANT +- SLACK
expect_expires() {
  local name=$1 want=$2 slack=$3 why=$4 exp got
  exp=$(hosts_flat | awk -F'\t' -v n="$name" '$1 == n { print $5 }')
  got=$(date -d "$exp" +%s 2>/dev/null)
  if [ -n "$exp" ] && [ -n "$got" ] && (( got >= want - slack && got <= want + slack )); then
    pass "hosts list: $name expires $exp ($why)"
  else
    fail "hosts list: $name expires '${exp:-(not listed)}', want $(date -u -d "@$want" +%FT%TZ) +-${slack} s ($why)"
  fi
}

scenario_expiry() {
  local deadline got last="" kept_ms="" gone_ms="" lost="" after limit kept_lines

  start_lannamed
  step "DHCP server: Kea, valid-lifetime $LEASE s, no renew or rebind timer"
  start_server

  # keeper's lease ends one expiry round before leaver's: keeper is probed (and kept) on its own,
  # and the round that drops leaver shows that keeper's extension holds (it is not probed again).
  step "1. keeper takes a $LEASE-second lease and vanishes: SIGKILL to udhcpc (no RELEASE, no renewal)"
  add_client keeper; start_udhcpc keeper -x hostname:keeper
  joined keeper keeper || return 0
  LEASE_END[keeper]=$((EV_MS + LEASE * 1000))
  kill_client keeper
  expect_host "${CNS[keeper]}" keeper "${CIP[keeper]}"
  expect_listing keeper "${CMAC[keeper]}" "${CIP[keeper]}"
  expect_expires keeper $((LEASE_END[keeper] / 1000)) 2 "its ACK + $LEASE s"
  if ip netns exec "${CNS[keeper]}" ip -4 -o addr show dev eth0 | grep -qF " ${CIP[keeper]}/"; then
    pass "keeper still holds ${CIP[keeper]} on its eth0: it answers ARP"
  else
    fail "keeper no longer holds ${CIP[keeper]} on its eth0"
  fi

  say "waiting for one expiry interval ($EXPIRY_INTERVAL s) before the second client"
  while [ "$(now_ms)" -lt "$((EV_MS + EXPIRY_INTERVAL * 1000 + 500))" ]; do sleep 0.1; done

  step "2. leaver takes a $LEASE-second lease, vanishes (SIGKILL) and its eth0 goes down"
  add_client leaver; start_udhcpc leaver -x hostname:leaver
  joined leaver leaver || return 0
  LEASE_END[leaver]=$((EV_MS + LEASE * 1000))
  kill_client leaver
  expect_host "${CNS[leaver]}" leaver "${CIP[leaver]}"
  expect_listing leaver "${CMAC[leaver]}" "${CIP[leaver]}"
  expect_expires leaver $((LEASE_END[leaver] / 1000)) 2 "its ACK + $LEASE s"
  ip netns exec "${CNS[leaver]}" ip link set eth0 down
  if ip netns exec "${CNS[leaver]}" ip -o link show dev eth0 | grep -q "state DOWN"; then
    pass "leaver's eth0 is down: nothing answers ARP for ${CIP[leaver]}"
  else
    fail "leaver's eth0 did not go down"
  fi
  # Until its lease ends the name stands (asked from keeper's namespace from now on).
  expect "${CNS[keeper]}" leaver.lan A "NOERROR ${CIP[leaver]}" 0
  expect "${CNS[keeper]}" "${CIP[leaver]}" PTR "NOERROR leaver.lan." 0

  step "3. the leases end; lannamed probes each address with ARP on $BR"
  say "lease ends: keeper $(rel "${LEASE_END[keeper]}"), leaver $(rel "${LEASE_END[leaver]}"); polling every 0.25 s until leaver's + 20 s"
  deadline=$(( LEASE_END[leaver] + 20000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ -z "$gone_ms" ]; then
      got=$(dnsq "${CNS[keeper]}" leaver.lan A)
      if [ "$got" = NXDOMAIN ]; then
        gone_ms=$(now_ms)
        say "leaver.lan: NXDOMAIN at $(rel "$gone_ms"), $((gone_ms - LEASE_END[leaver])) ms after its lease end"
      elif [ "$got" != "NOERROR ${CIP[leaver]}" ]; then
        last=$got
      fi
    fi
    got=$(dnsq "${CNS[keeper]}" keeper.lan A)
    [ "$got" = "NOERROR ${CIP[keeper]}" ] || [ -n "$lost" ] || lost="'$got' at $(rel "$(now_ms)")"
    if [ -z "$kept_ms" ] && [ "$(log_lines "$KEPT_TEXT" keeper)" -gt 0 ]; then
      kept_ms=$(now_ms)
      say "lannamed's log: keeper's lease ended, it answers ARP: kept (seen at $(rel "$kept_ms"), $((kept_ms - LEASE_END[keeper])) ms after its lease end)"
    fi
    [ -n "$gone_ms" ] && [ -n "$kept_ms" ] && break
    sleep 0.25
  done

  say "keeper: its lease ended but it answers ARP"
  [ -z "$lost" ] && pass "keeper.lan answered every poll" || fail "keeper.lan stopped answering: $lost"
  if [ -n "$kept_ms" ]; then
    after=$((kept_ms - LEASE_END[keeper]))
    pass "lannamed's log: \"$KEPT_TEXT\" name=keeper ($after ms after its lease end)"
    EXPIRY_LINES+=("keeper: lease end -> \"kept\" in the log: $after ms")
  else
    fail "lannamed's log: no \"$KEPT_TEXT\" for keeper within $LEASE s + 20 s of its ACK"
  fi
  [ "$(log_lines "$ENDED_TEXT" keeper)" = 0 ] \
    && pass "lannamed's log: keeper's lease never ended" || fail "lannamed's log: \"$ENDED_TEXT\" for keeper, which answers ARP"
  expect_host "${CNS[keeper]}" keeper "${CIP[keeper]}"
  [ -n "$kept_ms" ] && expect_expires keeper $((kept_ms / 1000 + EXPIRY_EXTEND)) 3 "kept for $EXPIRY_EXTEND s more"

  say "leaver: its lease ended and nothing answers ARP"
  limit=$(( (EXPIRY_INTERVAL + EXPIRY_PROBE + EXPIRY_SLACK) * 1000 ))
  if [ -z "$gone_ms" ]; then
    fail "leaver.lan still answers 20 s after its lease end${last:+ (last unexpected answer '$last')}"
    [ "$(log_lines "$KEPT_TEXT" leaver)$(log_lines "$ENDED_TEXT" leaver)" = 00 ] \
      && say "  (lannamed logged nothing about leaver after its lease end: neither kept nor ended; the expiry round that probes it never finished)"
    EXPIRY_LINES+=("leaver: lease end -> name gone: never (still answering 20 s after its lease end)")
  else
    after=$((gone_ms - LEASE_END[leaver]))
    if (( after < -1000 )); then
      fail "leaver.lan went ${after#-} ms BEFORE its lease end"
    elif (( after > limit )); then
      fail "leaver.lan went $after ms after its lease end: later than the expiry interval ${EXPIRY_INTERVAL} s + probe ${EXPIRY_PROBE} s + ${EXPIRY_SLACK} s"
    else
      pass "leaver.lan went $after ms after its lease end (at most $limit ms allowed)"
    fi
    EXPIRY_LINES+=("leaver: lease end -> name gone: $after ms (polled every 0.25 s; expiry interval ${EXPIRY_INTERVAL} s + ARP probe ${EXPIRY_PROBE} s)")
    EXPIRY_LINES+=("TIMING expiry lease_end_to_gone_ms=$after")
  fi
  expect "${CNS[keeper]}" leaver.lan A "NXDOMAIN" 0
  expect "${CNS[keeper]}" leaver.lan AAAA "NXDOMAIN" 0
  expect "${CNS[keeper]}" "${CIP[leaver]}" PTR "NXDOMAIN" 0
  [ "$(log_lines "$ENDED_TEXT" leaver)" -ge 1 ] \
    && pass "lannamed's log: \"$ENDED_TEXT\" name=leaver" || fail "lannamed's log: no \"$ENDED_TEXT\" for leaver"
  [ "$(log_lines "$KEPT_TEXT" leaver)" = 0 ] \
    && pass "lannamed's log: leaver was never kept" || fail "lannamed's log: leaver was kept although nothing answers ARP for it"
  if hosts_flat | awk -F'\t' -v m="${CMAC[leaver]}" '$2 == m' | grep -q .; then
    fail "hosts list: leaver (${CMAC[leaver]}) is still listed"
  else
    pass "hosts list: leaver (${CMAC[leaver]}) is gone"
  fi

  # The round that dropped leaver came after the one that kept keeper: keeper's new lease end
  # (+300 s) must have held there, so it was not probed a second time.
  if [ -n "$kept_ms" ] && [ -n "$gone_ms" ]; then
    kept_lines=$(log_lines "$KEPT_TEXT" keeper)
    [ "$kept_lines" = 1 ] \
      && pass "keeper was probed once: a later expiry round (the one that dropped leaver) left it alone" \
      || fail "keeper was kept $kept_lines times: the extension did not hold"
  else
    say "  (not checked whether keeper's extension holds: no later expiry round was seen to finish)"
  fi

  echo "--- lannamed hosts list ---"
  "$LANNAMED" hosts list --database "$DB" --zone lan
  # The daemon must still stop promptly on SIGTERM (an expiry round must not hold it).
  stop_lannamed
}

if [ "$MODE" = expiry ]; then
  scenario_expiry
  summary   # exits
fi

# =============================================================================================
# The LAN scenario (bash dhcp-lan.sh dnsmasq|kea)

start_lannamed
step "DHCP server: $SERVER"
start_server

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

step "1. clients join with their names"
add_client c1; start_udhcpc c1 -x hostname:plainhost
joined c1 plainhost
add_client c2; start_udhcpc c2 -x "12:$(hex 'My Laptop')"
joined c2 my-laptop
add_client c3; start_udhcpc c3 -x "12:$(hex 'Küche-Pi')"
joined c3 kuche-pi
add_client c4; start_dhclient c4 4 'send host-name "MEDIA-SERVER";
request subnet-mask, broadcast-address, routers, domain-name-servers;'
joined c4 media-server
add_client c5; start_udhcpc c5 -F nas.lan
joined c5 nas
add_client c6; start_udhcpc c6 -x hostname:printer
joined c6 printer
add_client c7; start_udhcpc c7 -x hostname:printer
joined c7 printer
PRINTER1_SUFFIX=$(tr -d : <<< "${CMAC[c6]}" | tail -c 5)   # last four hex digits of its MAC

say "checking every name from the clients' namespaces"
expect_host "${CNS[c1]}" plainhost "${CIP[c1]}"
expect_host "${CNS[c2]}" my-laptop "${CIP[c2]}"
expect_host "${CNS[c3]}" kuche-pi "${CIP[c3]}"
expect_host "${CNS[c4]}" media-server "${CIP[c4]}"
expect "${CNS[c4]}" MEDIA-SERVER.lan A "NOERROR ${CIP[c4]}"
expect_host "${CNS[c5]}" nas "${CIP[c5]}"
expect_host "${CNS[c7]}" printer "${CIP[c7]}"
expect_host "${CNS[c6]}" "printer-$PRINTER1_SUFFIX" "${CIP[c6]}"

# A renewal is not a new device joining: the first printer renewing (a real unicast RENEW that
# still carries hostname "printer") must not take the name back from the second.
say "c6 (the first printer) renews its lease"
since=$(events c6)
kill -USR1 "${PIDS[udhcpc-c6]}"
if wait_event c6 "$since" "renew|bound" 10; then
  sleep 0.5   # the RENEW and its ACK are on the wire; give the daemon a moment to (not) act
  expect "${CNS[c7]}" printer.lan A "NOERROR ${CIP[c7]}" \
    || say "  (lannamed treated c6's renewal as a new lease and took printer back from c7; see HostStore.register)"
  expect "${CNS[c7]}" "printer-$PRINTER1_SUFFIX.lan" A "NOERROR ${CIP[c6]}"
  expect "${CNS[c7]}" "${CIP[c7]}" PTR "NOERROR printer.lan."
else
  fail "c6 did not renew within 10 s"
fi

step "2. dual stack: media-server also runs dhclient -6"
since=$(events c4)
start_dhclient c4 6 'send fqdn.fqdn "MEDIA-SERVER";'
if wait_event c4 "$since" "bound6" 25; then
  CIP6[c4]=$EV_ADDR
  say "c4 bound6 $EV_ADDR"
  if expect "${CNS[c4]}" media-server.lan AAAA "NOERROR ${CIP6[c4]}"; then
    latency "bound6 -> media-server.lan AAAA answers"
  fi
  expect_host "${CNS[c4]}" media-server "${CIP[c4]}" "${CIP6[c4]}"
else
  fail "c4 got no DHCPv6 lease within 25 s"
fi

step "hosts list --json after joining"
expect_listing plainhost "${CMAC[c1]}" "${CIP[c1]}"
expect_listing my-laptop "${CMAC[c2]}" "${CIP[c2]}"
expect_listing kuche-pi "${CMAC[c3]}" "${CIP[c3]}"
expect_listing media-server "${CMAC[c4]}" "${CIP[c4]}${CIP6[c4]:+,${CIP6[c4]}}"
expect_listing nas "${CMAC[c5]}" "${CIP[c5]}"
expect_listing printer "${CMAC[c7]}" "${CIP[c7]}"
expect_listing "printer-$PRINTER1_SUFFIX" "${CMAC[c6]}" "${CIP[c6]}"

step "3. release: the first printer gives its address back"
since=$(events c6)
kill -USR2 "${PIDS[udhcpc-c6]}"
wait_event c6 "$since" "deconfig" 10 || fail "c6 did not release within 10 s"
expect_gone "${CNS[c7]}" "printer-$PRINTER1_SUFFIX"
expect "${CNS[c7]}" "${CIP[c6]}" PTR "NXDOMAIN"
expect_host "${CNS[c7]}" printer "${CIP[c7]}"

step "4. rename: plainhost comes back as renamedhost"
stop_pid udhcpc-c1
since=$(events c1)
start_udhcpc c1 -x hostname:renamedhost -r "${CIP[c1]}"
OLD1=${CIP[c1]}
joined c1 renamedhost "$since"
[ "${CIP[c1]}" = "$OLD1" ] && pass "c1 kept its address $OLD1" || fail "c1 got ${CIP[c1]}, not its old $OLD1"
expect_host "${CNS[c1]}" renamedhost "${CIP[c1]}"
expect_gone "${CNS[c1]}" plainhost

step "5. move: My Laptop is moved to a reserved address, without releasing the old one"
OLD2=${CIP[c2]}
RESERVE_MAC=${CMAC[c2]}
RESERVE_IP=$NET4.50
restart_server_v4
since=$(events c2)
kill -USR1 "${PIDS[udhcpc-c2]}"      # RENEW -> NAK (a reservation elsewhere) -> DISCOVER -> new address
if wait_event c2 "$since" "bound" 25 && [ "$EV_ADDR" = "$RESERVE_IP" ]; then
  CIP[c2]=$EV_ADDR
  say "c2 moved $OLD2 -> $EV_ADDR"
  if expect "${CNS[c2]}" my-laptop.lan A "NOERROR $RESERVE_IP"; then
    latency "bound -> my-laptop.lan answers the new address"
  fi
  expect_host "${CNS[c2]}" my-laptop "$RESERVE_IP"
  expect "${CNS[c2]}" "$OLD2" PTR "NXDOMAIN"
else
  fail "c2 did not move to $RESERVE_IP within 25 s (last event: ${EV_NAME:-none} ${EV_ADDR:-})"
fi

step "6. restart: lannamed stops and starts again on the same database"
stop_lannamed
start_lannamed
# Straight from the database: one query each, no waiting.
expect "${CNS[c1]}" renamedhost.lan A "NOERROR ${CIP[c1]}" 0
expect "${CNS[c1]}" "${CIP[c1]}" PTR "NOERROR renamedhost.lan." 0
expect "${CNS[c1]}" plainhost.lan A "NXDOMAIN" 0
expect "${CNS[c2]}" my-laptop.lan A "NOERROR ${CIP[c2]}" 0
expect "${CNS[c2]}" "${CIP[c2]}" PTR "NOERROR my-laptop.lan." 0
expect "${CNS[c3]}" kuche-pi.lan A "NOERROR ${CIP[c3]}" 0
expect "${CNS[c3]}" "${CIP[c3]}" PTR "NOERROR kuche-pi.lan." 0
expect "${CNS[c4]}" media-server.lan A "NOERROR ${CIP[c4]}" 0
[ -n "${CIP6[c4]:-}" ] && expect "${CNS[c4]}" media-server.lan AAAA "NOERROR ${CIP6[c4]}" 0
[ -n "${CIP6[c4]:-}" ] && expect "${CNS[c4]}" "${CIP6[c4]}" PTR "NOERROR media-server.lan." 0
expect "${CNS[c5]}" nas.lan A "NOERROR ${CIP[c5]}" 0
expect "${CNS[c5]}" "${CIP[c5]}" PTR "NOERROR nas.lan." 0
expect "${CNS[c7]}" printer.lan A "NOERROR ${CIP[c7]}" 0
expect "${CNS[c7]}" "${CIP[c7]}" PTR "NOERROR printer.lan." 0
expect "${CNS[c7]}" "printer-$PRINTER1_SUFFIX.lan" A "NXDOMAIN" 0

step "hosts list --json at the end"
expect_listing renamedhost "${CMAC[c1]}" "${CIP[c1]}"
expect_listing my-laptop "${CMAC[c2]}" "${CIP[c2]}"
expect_listing kuche-pi "${CMAC[c3]}" "${CIP[c3]}"
expect_listing media-server "${CMAC[c4]}" "${CIP[c4]}${CIP6[c4]:+,${CIP6[c4]}}"
expect_listing nas "${CMAC[c5]}" "${CIP[c5]}"
expect_listing printer "${CMAC[c7]}" "${CIP[c7]}"
if hosts_flat | awk -F'\t' -v m="${CMAC[c6]}" '$2 == m' | grep -q .; then
  fail "hosts list: the released ${CMAC[c6]} is still listed"
else
  pass "hosts list: the released ${CMAC[c6]} is gone"
fi
echo "--- lannamed hosts list ---"
"$LANNAMED" hosts list --database "$DB" --zone lan

summary
