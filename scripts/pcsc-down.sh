#!/usr/bin/env bash
# Undoes what scripts/pcsc-up.sh did, and only that (its record in $STATE): stops the pcscd it
# started, removes the quickack route it added, removes the vpcd reader config it wrote.
# Something that was already there before pcsc-up.sh ran is left alone.
set -euo pipefail

STATE_DIR=${OPENVSE_PCSC_STATE_DIR:-/run/openvse-pcsc}
STATE="$STATE_DIR/state"
say() { echo "pcsc-down: $*"; }

[ "$(id -u)" -eq 0 ] || { echo "pcsc-down: error: run as root" >&2; exit 1; }
if [ ! -s "$STATE" ]; then
  say "nothing recorded in $STATE: nothing to undo"
  exit 0
fi

while read -r what arg; do
  case "$what" in
    started-pcscd)
      if [ -n "$arg" ] && [ "$(cat "/proc/$arg/comm" 2>/dev/null)" = pcscd ]; then
        kill "$arg"
        for _ in $(seq 1 50); do [ "$(cat "/proc/$arg/stat" 2>/dev/null | awk '{print $3}')" = Z ] && break; kill -0 "$arg" 2>/dev/null || break; sleep 0.1; done
        say "stopped pcscd (pid $arg)"
      else
        say "pcscd pid $arg is gone already"
      fi
      ;;
    added-route)
      ip route del local 127.0.0.2/32 dev lo table local 2>/dev/null && say "removed quickack route for 127.0.0.2" \
        || say "quickack route already gone"
      ;;
    wrote-conf)
      rm -f "$arg" && say "removed $arg"
      ;;
  esac
done <"$STATE"
rm -f "$STATE"
