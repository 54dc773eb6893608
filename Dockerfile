# ferrolb: one image for the speaker and the controller (`ferrolb speaker`, `ferrolb controller`).
#
# Multi-arch. Every builder stage runs on the build machine ($BUILDPLATFORM) and the Rust addon is
# cross-compiled for $TARGETPLATFORM, so no emulation is needed and the runtime stage has no RUN:
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/ferrolb:TAG --push .
#
# Without a Docker engine or a registry (CI, this repository's machines), scripts/image-build.sh
# builds linux/amd64 with buildah from locally bootstrapped bases passed through the build args.
#
# Base images (override with --build-arg):
#   NODE_IMAGE          Node 24 LTS with npm, for the build platform (npm ci, tsc, napi CLI)
#   RUST_IMAGE          Rust toolchain with rustup and apt (Debian 12, same glibc as the runtime)
#   NODE_RUNTIME_IMAGE  slim Node 24 LTS for the target platform; must provide /usr/bin/env and
#                       `node` on PATH (the entrypoint is a `#!/usr/bin/env -S node --max-semi-space-size=2` script)
ARG NODE_IMAGE=docker.io/library/node:24-bookworm
ARG RUST_IMAGE=docker.io/library/rust:1-bookworm
ARG NODE_RUNTIME_IMAGE=docker.io/library/node:24-bookworm-slim

# ---- npm dependencies ---------------------------------------------------------------------------
# All runtime dependencies are plain JavaScript (no install scripts, checked by
# __test__/ship/dockerfile.test.ts), so the production tree built here serves every target.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
RUN mkdir -p /prod && cp package.json package-lock.json /prod/ \
 && cd /prod && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# ---- TypeScript -> JavaScript -------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS ts
WORKDIR /src
COPY --from=deps /src/node_modules node_modules
COPY package.json tsconfig.json tsconfig.build.json index.js index.d.ts ./
COPY src src
RUN ./node_modules/.bin/tsc -p tsconfig.build.json && chmod 0755 dist/cli/main.js

# ---- native addon, cross-compiled for the target ------------------------------------------------
FROM --platform=$BUILDPLATFORM ${RUST_IMAGE} AS native
ARG BUILDPLATFORM
ARG TARGETPLATFORM
# Linkers per target. On a native build these name the host gcc (Debian installs the triplet
# names too); on a cross build they name the cross gcc installed below.
ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=x86_64-linux-gnu-gcc \
    CC_x86_64_unknown_linux_gnu=x86_64-linux-gnu-gcc \
    CARGO_NET_GIT_FETCH_WITH_CLI=false
# The napi CLI is a Node program: take Node from the build-platform Node image (same Debian).
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
RUN set -eu; \
    case "${TARGETPLATFORM:?set TARGETPLATFORM}" in \
      linux/amd64) triple=x86_64-unknown-linux-gnu; gcc=gcc-x86-64-linux-gnu; libc=libc6-dev-amd64-cross ;; \
      linux/arm64|linux/arm64/v8) triple=aarch64-unknown-linux-gnu; gcc=gcc-aarch64-linux-gnu; libc=libc6-dev-arm64-cross ;; \
      *) echo "unsupported TARGETPLATFORM=$TARGETPLATFORM (linux/amd64, linux/arm64)" >&2; exit 1 ;; \
    esac; \
    echo "$triple" > /rust-target; \
    if [ "${TARGETPLATFORM%/v8}" != "${BUILDPLATFORM:?set BUILDPLATFORM}" ]; then \
      rustup target add "$triple"; \
      apt-get update; \
      apt-get install -y --no-install-recommends "$gcc" "$libc"; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    test -d "$(rustc --print sysroot)/lib/rustlib/$triple/lib"; \
    cargo --version; node --version
WORKDIR /src
# Dependencies first, so a source change does not download every crate again.
COPY Cargo.toml Cargo.lock ./
COPY native/Cargo.toml native/build.rs native/
RUN mkdir -p native/src && touch native/src/lib.rs && cargo fetch --locked --target "$(cat /rust-target)"
COPY --from=deps /src/node_modules node_modules
COPY package.json ./
COPY native native
RUN ./node_modules/.bin/napi build --platform --release --no-js --target "$(cat /rust-target)" \
      --manifest-path native/Cargo.toml --output-dir /out \
 && mkdir /addon && cp /out/*.node /addon/

# ---- the filesystem the runtime gets, assembled without running anything of the target --------
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS assemble
RUN mkdir -p /rootfs/app /rootfs/usr/local/bin \
 && ln -s /app/dist/cli/main.js /rootfs/usr/local/bin/ferrolb
COPY --from=deps /prod/node_modules /rootfs/app/node_modules
COPY package.json index.js /rootfs/app/
COPY --from=ts /src/dist /rootfs/app/dist
COPY --from=native /addon/ /rootfs/app/
# Exactly one addon, the target's (the loader looks for ferrolb.<platform>.node next to index.js).
RUN find /rootfs/app -maxdepth 1 -name '*.node' | wc -l | grep -qx 1 \
 && chmod -R a+rX,go-w /rootfs/app

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_RUNTIME_IMAGE} AS runtime
ARG VERSION=dev
LABEL org.opencontainers.image.title="ferrolb" \
      org.opencontainers.image.description="Bare-metal load balancer for Kubernetes (MetalLB-compatible) with a Rust core" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=assemble /rootfs/ /
WORKDIR /app
ENV NODE_ENV=production
# Non-root by default; the controller runs like this. The speaker's pod spec sets runAsUser 0
# with every capability dropped except NET_RAW (raw ARP/NDP sockets): Kubernetes adds capabilities
# to the bounding/permitted sets of root only (no ambient capabilities for non-root users).
USER 65532:65532
EXPOSE 7472 7946/tcp 7946/udp
ENTRYPOINT ["ferrolb"]
CMD ["--help"]
