#!/usr/bin/env bash
# The whole test suite on a fresh machine: the real peers, the npm packages
# from the lockfile, the type check, then every unit and interop test.
# The unit tests run beside the interop tests (interop tests must hold on a
# busy machine anyway); their output is printed when they end.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/install-peers.sh
npm ci --no-audit --no-fund
npm run typecheck
npm run lint
unit_log=$(mktemp)
npx vitest run --project unit > "$unit_log" 2>&1 &
unit_pid=$!
interop=0
npx vitest run --project 'interop*' || interop=$?
unit=0
wait "$unit_pid" || unit=$?
echo "== unit tests (run beside the interop tests) =="
cat "$unit_log"
rm -f "$unit_log"
if [ "$unit" -ne 0 ] || [ "$interop" -ne 0 ]; then
  echo "test-all: FAILED (unit exit $unit, interop exit $interop) after $(( $(date +%s) - start )) s"
  exit 1
fi
echo "test-all: passed in $(( $(date +%s) - start )) s"
