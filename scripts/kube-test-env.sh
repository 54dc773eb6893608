#!/usr/bin/env bash
# A real Kubernetes API server for tests: etcd (Debian's etcd-server) + kube-apiserver built once
# from the Go module proxy and cached outside the repo, both on loopback, with a generated token
# and kubeconfig, and ferrolb's metallb.io CRDs installed.
#
#   kube-test-env.sh build    build (or reuse) the cached kube-apiserver binary
#   kube-test-env.sh start    build if needed, start etcd + apiserver, wait for /readyz, install CRDs
#   kube-test-env.sh stop     stop both and delete the state directory (nothing left running)
#   kube-test-env.sh status   exit 0 if the apiserver answers /readyz
#   kube-test-env.sh env      print shell exports (KUBECONFIG, FERROLB_KUBE_*) for a running env
#
# Every command is idempotent. Variables: KUBE_VERSION (default below), FERROLB_CACHE (binary
# cache, default ~/.cache/ferrolb), FERROLB_KUBE_DIR (state dir, default /dev/shm/ferrolb-kube),
# FERROLB_KUBE_PORT (apiserver, default 16443), FERROLB_ETCD_PORT (client, default 12379) and
# FERROLB_ETCD_PEER_PORT (default client + 1). Several envs can run side by side with distinct
# dirs and ports.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.33.13}"
CACHE="${FERROLB_CACHE:-$HOME/.cache/ferrolb}"
STATE="${FERROLB_KUBE_DIR:-/dev/shm/ferrolb-kube}"
KUBE_PORT="${FERROLB_KUBE_PORT:-16443}"
ETCD_PORT="${FERROLB_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${FERROLB_ETCD_PEER_PORT:-$((ETCD_PORT + 1))}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$CACHE/kube-apiserver-$KUBE_VERSION"
TOKEN_USER="ferrolb-admin"

log() { printf '[kube-test-env] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- build -------------------------------------------------------------------------------------

# kubernetes/kubernetes' go.mod points every staging module (k8s.io/api, apimachinery, …) at
# v0.0.0 with local replaces, so `go install …@v1.Y.Z` fails. Build from a throwaway module that
# replaces each staging module with its published v0.Y.Z twin; the staging list is read from
# that version's own go.mod, so it is always the right one.
build() {
  [[ -x "$BIN" ]] && return 0
  # The official Go tarball installs to /usr/local/go, often not on a root shell's PATH.
  command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || die "go is not installed (needed once to build kube-apiserver; Go >= 1.21, newer toolchains are fetched from the module proxy)"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.build-$KUBE_VERSION.lock"
  flock 9
  [[ -x "$BIN" ]] && return 0

  local work="$CACHE/build-$KUBE_VERSION" staging="v0.${KUBE_VERSION#v1.}" started=$SECONDS
  log "building kube-apiserver $KUBE_VERSION into $BIN (one time; several minutes)"
  rm -rf "$work"
  mkdir -p "$work"
  (
    cd "$work"
    # GOTOOLCHAIN=auto: an older local Go fetches the toolchain kubernetes' go.mod asks for.
    export GOFLAGS='-mod=mod -buildvcs=false' GOTOOLCHAIN=auto GO111MODULE=on
    go mod init ferrolb.local/kube-apiserver-build >/dev/null 2>&1
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [[ -f "$gomod" ]] || die "could not download the go.mod of k8s.io/kubernetes@$KUBE_VERSION"
    local modules
    modules="$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod" | sort -u)"
    [[ -n "$modules" ]] || die "no staging replaces found in $gomod"
    local m
    for m in $modules; do
      go mod edit "-replace=$m=$m@$staging"
    done
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" >/dev/null 2>&1 ||
      go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION"
    nice -n 15 go build -trimpath -o "$BIN.tmp" \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)" \
      k8s.io/kubernetes/cmd/kube-apiserver
  )
  mv "$BIN.tmp" "$BIN"
  rm -rf "$work"
  log "built $BIN in $((SECONDS - started)) s"
}

# --- start / stop ------------------------------------------------------------------------------

readyz() {
  [[ -f "$STATE/token" ]] || return 1
  curl -fsS --max-time 2 -k -H "Authorization: Bearer $(cat "$STATE/token")" \
    "https://127.0.0.1:$KUBE_PORT/readyz" >/dev/null 2>&1
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  log "$what ready"
}

etcd_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }

write_credentials() {
  mkdir -p "$STATE/certs"
  [[ -f "$STATE/token" ]] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$STATE/token"
  local token
  token="$(cat "$STATE/token")"
  printf '%s,%s,%s,"system:masters"\n' "$token" "$TOKEN_USER" "$TOKEN_USER" >"$STATE/tokens.csv"
  [[ -f "$STATE/sa.key" ]] || openssl genrsa -out "$STATE/sa.key" 2048 2>/dev/null
  cat >"$STATE/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: ferrolb-test
    cluster:
      server: https://127.0.0.1:$KUBE_PORT
      insecure-skip-tls-verify: true
users:
  - name: $TOKEN_USER
    user:
      token: $token
contexts:
  - name: ferrolb-test
    context:
      cluster: ferrolb-test
      user: $TOKEN_USER
      namespace: default
current-context: ferrolb-test
EOF
}

start_etcd() {
  alive "$STATE/etcd.pid" && etcd_healthy && return 0
  command -v etcd >/dev/null || die "etcd is not installed (apt-get install etcd-server)"
  mkdir -p "$STATE/etcd"
  # setsid: own session, so a test runner's Ctrl-C does not kill it behind our back.
  setsid etcd --name ferrolb-test --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "ferrolb-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=4294967296 \
    >"$STATE/etcd.log" 2>&1 </dev/null &
  echo $! >"$STATE/etcd.pid"
  wait_for 30 etcd etcd_healthy || {
    tail -20 "$STATE/etcd.log" >&2
    die "etcd did not become healthy (log: $STATE/etcd.log)"
  }
}

start_apiserver() {
  alive "$STATE/apiserver.pid" && readyz && return 0
  setsid "$BIN" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$KUBE_PORT" \
    --cert-dir "$STATE/certs" \
    --service-cluster-ip-range 10.0.0.0/16,fd00:10::/112 \
    --authorization-mode RBAC \
    --token-auth-file "$STATE/tokens.csv" \
    --disable-admission-plugins ServiceAccount \
    --service-account-issuer https://127.0.0.1 \
    --service-account-key-file "$STATE/sa.key" \
    --service-account-signing-key-file "$STATE/sa.key" \
    --allow-privileged=true \
    --enable-priority-and-fairness=false \
    --max-requests-inflight 2000 --max-mutating-requests-inflight 1000 \
    >"$STATE/apiserver.log" 2>&1 </dev/null &
  echo $! >"$STATE/apiserver.pid"
  wait_for 120 kube-apiserver readyz || {
    tail -30 "$STATE/apiserver.log" >&2
    die "kube-apiserver did not become ready (log: $STATE/apiserver.log)"
  }
}

# Minimal CRD installer over the REST API (no kubectl here): server-side apply of each YAML
# document, then wait until every CRD reports Established.
install_crds() {
  local dir="$REPO/manifests/crds"
  compgen -G "$dir/*.yaml" >/dev/null || return 0
  node "$REPO/scripts/kube-apply-crds.mjs" "$STATE/kubeconfig" "$dir"/*.yaml
}

start() {
  build
  mkdir -p "$STATE"
  write_credentials
  start_etcd
  start_apiserver
  install_crds
  log "up: KUBECONFIG=$STATE/kubeconfig"
}

kill_pidfile() {
  local f="$1"
  [[ -f "$f" ]] || return 0
  local pid
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

stop() {
  kill_pidfile "$STATE/apiserver.pid"
  kill_pidfile "$STATE/etcd.pid"
  rm -rf "$STATE"
}

status() {
  if readyz; then
    log "running on https://127.0.0.1:$KUBE_PORT ($STATE)"
  else
    log "not running"
    return 1
  fi
}

print_env() {
  readyz || die "not running (use: $0 start)"
  printf 'export KUBECONFIG=%q\n' "$STATE/kubeconfig"
  printf 'export FERROLB_KUBE_SERVER=%q\n' "https://127.0.0.1:$KUBE_PORT"
  printf 'export FERROLB_KUBE_TOKEN=%q\n' "$(cat "$STATE/token")"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  *)
    echo "usage: $0 build|start|stop|status|env" >&2
    exit 2
    ;;
esac
