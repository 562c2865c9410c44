#!/usr/bin/env bash
# Runs ../shared/peer-bench (read-only) from a copy in a temp folder, with Claimtrail's adapter beside
# the raw floor and Emmett. Needs `npm run build` first (the adapter loads dist/) and the harness'
# PostgreSQL (its scripts/setup-db.sh, as root: cluster 15/main on 127.0.0.1:5432, role/db bench).
# env: as run-all.sh (ROUNDS, DURATION, WARMUP, ONLY, SKIP_PGBENCH, SKIP_FSYNC, ...); PEER_BENCH=path of the harness.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../.." && pwd)"
source_dir="${PEER_BENCH:-$project/../shared/peer-bench}"
work="$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-peer-bench.XXXXXX")"
cp -r "$source_dir/." "$work/"
chmod -R u+w "$work"
mkdir -p "$work/claimtrail"
# The adapter finds dist/ through CLAIMTRAIL_DIST; inline.mjs is the same store with inline projections on.
cp "$here/claimtrail-store.mjs" "$work/claimtrail/store.mjs"
cat > "$work/claimtrail/inline.mjs" <<'MJS'
import { createStore as base } from './store.mjs';
export const createStore = (options) => base({ ...options, mode: 'inline' });
MJS
export CLAIMTRAIL_DIST="$project/dist"
# BEFORE_DIST=path/to/another/build/dist adds it as claimtrail-before/*.mjs (labels *old in scenarios-before.txt).
scenarios="$here/scenarios.txt"
if [ -n "${BEFORE_DIST:-}" ]; then
  mkdir -p "$work/claimtrail-before"
  cp "$here/claimtrail-store.mjs" "$work/claimtrail-before/base.mjs"
  for variant in store inline; do
    mode=$([ "$variant" = inline ] && echo "'inline'" || echo "options.mode")
    cat > "$work/claimtrail-before/$variant.mjs" <<MJS
process.env.CLAIMTRAIL_DIST = '$BEFORE_DIST';
process.env.CLAIMTRAIL_SCHEMA = 'claimtrail_before';
const { createStore: base } = await import('./base.mjs');
export const createStore = (options) => base({ ...options, mode: $mode });
MJS
  done
  scenarios="$here/scenarios-before.txt"
fi
cp "$scenarios" "$work/claimtrail-scenarios.txt"
cd "$work"
if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null 2>&1; then bash scripts/setup-db.sh > /dev/null; fi
npm install --no-audit --no-fund > /dev/null
# The adapter imports pg from the harness' node_modules (as the other stores do).
SCENARIOS=claimtrail-scenarios.txt bash run-all.sh "$@"
latest="$(ls -td results/*/ | head -1)"
mkdir -p "$project/bench/results/peer"
cp -r "$latest" "$project/bench/results/peer/"
echo "copied to $project/bench/results/peer/$(basename "$latest")"
