#!/usr/bin/env bash
# The whole test suite on a fresh machine: the real peers, the npm packages
# from the lockfile, the type check, then every unit and interop test.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/install-peers.sh
npm ci --no-audit --no-fund
npm run typecheck
npm run lint
npx vitest run --project unit
npx vitest run --project interop
echo "test-all: passed in $(( $(date +%s) - start )) s"
