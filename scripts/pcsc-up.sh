#!/usr/bin/env bash
# Brings up the PC/SC test bench for packages/terminal (docs/pcsc.md §1, §4):
#   pcscd with vsmartcard's vpcd driver (virtual readers "Virtual PCD 00 00" on TCP 35963 and
#   "Virtual PCD 00 01" on 35964), and the loopback route with `quickack 1` for 127.0.0.2 that
#   removes the 44 ms Nagle/delayed-ACK stall of Debian's vpcd 3.3 (the vicc card connects to
#   127.0.0.2).
# Idempotent: does only what is missing, says what it did, and records it in $STATE so that
# scripts/pcsc-down.sh undoes exactly that. Needs root (pcscd, ip route). Debian packages:
#   apt-get install -y pcscd vsmartcard-vpcd pcsc-tools opensc libpcsclite1
set -euo pipefail

STATE_DIR=${OPENVSE_PCSC_STATE_DIR:-/run/openvse-pcsc}
STATE="$STATE_DIR/state"
VPCD_CONF=/etc/reader.conf.d/vpcd
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
PORTS=(35963 35964)
ROUTE=(local 127.0.0.2/32 dev lo table local proto static scope host src 127.0.0.1 quickack 1)

say() { echo "pcsc-up: $*"; }
die() { echo "pcsc-up: error: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (starts pcscd, adds a route)"
command -v pcscd >/dev/null || die "pcscd not installed (apt-get install -y pcscd)"
[ -f "$VPCD_DRIVER" ] || die "vpcd driver $VPCD_DRIVER missing (apt-get install -y vsmartcard-vpcd)"
mkdir -p "$STATE_DIR"
touch "$STATE"
record() { grep -qx "$1" "$STATE" || echo "$1" >>"$STATE"; }

# A port is listening? Read /proc (never connect: a connection to vpcd is taken for a card).
listening() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# 1. reader configuration (the Debian package installs it; write the same content if absent)
if [ -f "$VPCD_CONF" ]; then
  say "reader config $VPCD_CONF present"
else
  mkdir -p "$(dirname "$VPCD_CONF")"
  cat >"$VPCD_CONF" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      $VPCD_DRIVER
CHANNELID    0x8C7B
CONF
  record "wrote-conf $VPCD_CONF"
  say "wrote reader config $VPCD_CONF"
fi

# 2. pcscd (no systemd socket activation here: start the daemon by hand)
if pid=$(pidof pcscd); then
  say "pcscd already running (pid $pid)"
else
  pcscd
  for _ in $(seq 1 50); do pid=$(pidof pcscd || true); [ -n "$pid" ] && break; sleep 0.1; done
  [ -n "${pid:-}" ] || die "pcscd did not start"
  record "started-pcscd $pid"
  say "started pcscd (pid $pid)"
fi
for port in "${PORTS[@]}"; do
  for _ in $(seq 1 100); do listening "$port" && break; sleep 0.1; done
  listening "$port" || die "vpcd is not listening on TCP $port after 10 s (check $VPCD_CONF and pcscd -f -d)"
done
say "vpcd listening on TCP ${PORTS[*]} (Virtual PCD 00 00 / 00 01)"

# 3. quickack route for the vicc's address
if ip route show table local 127.0.0.2/32 2>/dev/null | grep -q 'quickack 1'; then
  say "quickack route for 127.0.0.2 present"
else
  ip route replace "${ROUTE[@]}"
  record "added-route"
  say "added route: ip route replace ${ROUTE[*]}"
fi
ip route show table local 127.0.0.2/32 | sed 's/^/pcsc-up:   /'
