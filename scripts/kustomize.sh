#!/usr/bin/env bash
# kustomize, built once from the Go module proxy and cached outside the repository (the machines
# have no kubectl). Prints nothing of its own on success; all arguments go to kustomize.
#
#   scripts/kustomize.sh build manifests            render the install tree
#   scripts/kustomize.sh --path                     print the cached binary's path (builds it)
#
# Variables: KUSTOMIZE_VERSION (default below), FERROLB_CACHE (default ~/.cache/ferrolb).
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
CACHE="${FERROLB_CACHE:-$HOME/.cache/ferrolb}"
BIN="$CACHE/kustomize-$KUSTOMIZE_VERSION"

if [[ ! -x "$BIN" ]]; then
  # The official Go tarball installs to /usr/local/go, often not on a root shell's PATH.
  command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || {
    echo "[kustomize] error: go is not installed (needed once to build kustomize)" >&2
    exit 1
  }
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.build-kustomize-$KUSTOMIZE_VERSION.lock"
  flock 9
  if [[ ! -x "$BIN" ]]; then
    echo "[kustomize] building sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION (one time)" >&2
    gobin="$(mktemp -d "$CACHE/kustomize-build.XXXXXX")"
    # GOTOOLCHAIN=auto: an older local Go fetches the toolchain kustomize's go.mod asks for.
    GOBIN="$gobin" GOTOOLCHAIN=auto GOFLAGS=-mod=mod CGO_ENABLED=0 \
      go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
    mv "$gobin/kustomize" "$BIN"
    rm -rf "$gobin"
  fi
  exec 9>&-
fi

if [[ "${1:-}" == "--path" ]]; then
  printf '%s\n' "$BIN"
  exit 0
fi
exec "$BIN" "$@"
