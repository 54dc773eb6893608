#!/usr/bin/env bash
# ferrolb demo on one machine (Debian 12, root): installs what is needed (scripts/setup.sh), then
# builds a lab of network namespaces with three standalone speakers, BIRD and a client, shows
# the routes, the client's ARP resolution and timed failovers, and removes everything on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $EUID -ne 0 ]]; then
  echo "demo.sh: run as root (it creates network namespaces)" >&2
  exit 1
fi

cleanup() {
  # The demo cleans up after itself; this catches an interrupted run (namespaces and daemons of
  # this demo only: the lab names start with flt-<pid of the demo process>).
  if [[ -n "${DEMO_PID:-}" ]]; then
    kill "$DEMO_PID" 2>/dev/null || true
    wait "$DEMO_PID" 2>/dev/null || true
    for ns in $(ip netns list | awk '{print $1}' | grep "^flt-${DEMO_PID}-" || true); do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    done
  fi
}
trap cleanup EXIT

if [[ "${FERROLB_DEMO_SKIP_SETUP:-0}" != 1 ]]; then
  bash scripts/setup.sh
fi

node --import tsx scripts/demo/standalone.ts &
DEMO_PID=$!
wait "$DEMO_PID"
