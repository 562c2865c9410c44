#!/usr/bin/env bash
# The database's share of a single-event append, without any client: pgbench, one connection, prepared
# statements, alternating our append statement (append_event + the RETURNING the store reads) with the
# peer harness' one-statement OCC floor (Dcte1), on the same ~1 KB payload. Needs `npm run build` and pgbench.
# env: DATABASE_URL (a server; default the local service), ROUNDS (3), SECONDS_PER_RUN (10),
#      SYNCHRONOUS_COMMIT (on; off leaves out the wait for the WAL flush, so only the statements' CPU is compared).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../.." && pwd)"
server="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
rounds="${ROUNDS:-3}"
seconds="${SECONDS_PER_RUN:-10}"
sync="${SYNCHRONOUS_COMMIT:-on}"
command -v pgbench > /dev/null || { echo "pgbench not found: install postgresql-client" >&2; exit 1; }
[ -f "$project/dist/src/database/data-source.js" ] || { echo "run npm run build first" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/claimtrail-append-sql.XXXXXX")"
db="ct_append_sql_$$"
url="$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$server" "$db")"
cleanup() { psql -q "$server" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" > /dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
psql -q "$server" -c "CREATE DATABASE $db" > /dev/null
# Migrations as the app applies them, the floor's tables beside ours, and the payload as the store sends it.
(cd "$project" && node -e '
require("reflect-metadata");
const fs = require("node:fs");
const { openDatabase } = require("./dist/src/database/data-source.js");
const { canonicalParts } = require("./dist/src/event-store/event-hash.js");
const { prepareValue } = require("pg/lib/utils.js");
const [url, work] = process.argv.slice(1);
(async () => {
  await (await openDatabase(url, 1)).destroy();
  const { Client } = require("pg");
  const ds = new Client({ connectionString: url });
  await ds.connect();
  await ds.query(`CREATE TABLE f_events (global_position bigserial PRIMARY KEY, stream_id text NOT NULL, stream_version int NOT NULL,
    type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, stream_version))`);
  await ds.query("CREATE TABLE f_streams (id text PRIMARY KEY, version int NOT NULL)");
  await ds.query("INSERT INTO f_streams SELECT $$s$$ || i, 0 FROM generate_series(0, 63) i");
  await ds.end();
  const words = "claim verdict source official statement visit summit delegation forum aid intelligence warning".split(" ");
  const text = (n) => Array.from({ length: n }, (_, i) => words[(i * 7) % words.length]).join(" ");
  const data = { claimId: "6f0c2a8e-2d7b-4c1e-9f3a-0b5d8e7c6a41", statement: text(40), actors: ["Kim Jong-un", "Vladimir Putin"],
    topics: ["diplomacy", "arms"], citations: [{ sourceId: "0b9e6f43-5a2c-4d1e-8f7b-3c2a1d0e9f8b", excerpt: text(60), relation: "supports" }], at: "2026-12-05T10:00:00.000Z" };
  const metadata = { actor: "editor@desk", role: "editor", correlationId: "2c7d1e9a-3b4f-4a6c-8d2e-1f0a9b8c7d6e", causationId: null };
  const parts = canonicalParts({ streamId: "s0", eventId: "7c1a4f0e-0000-4000-8000-000000000001", type: "CitationAdded", schemaVersion: 1, data, metadata, recordedAt: new Date() });
  fs.writeFileSync(`${work}/data`, JSON.stringify(data));
  fs.writeFileSync(`${work}/meta`, JSON.stringify(metadata));
  fs.writeFileSync(`${work}/head`, parts.head);
  fs.writeFileSync(`${work}/tail`, parts.tail);
  fs.writeFileSync(`${work}/heads`, prepareValue([parts.head]));
  fs.writeFileSync(`${work}/tails`, prepareValue([parts.tail]));
})().catch((error) => { console.error(error); process.exit(1); });
' "$url" "$work")
cat > "$work/floor.sql" <<'SQL'
WITH s AS (UPDATE f_streams SET version = version + 1 WHERE id = 's' || :client_id RETURNING id, version) INSERT INTO f_events (stream_id, stream_version, type, data, metadata) SELECT s.id, s.version, 'CitationAdded', :data::jsonb, :meta::jsonb FROM s RETURNING global_position;
SQL
# Decomposition: the floor's statement writing into our events table (its columns and indexes; no function, no chain).
cat > "$work/table.sql" <<'SQL'
WITH s AS (UPDATE f_streams SET version = version + 1 WHERE id = 's' || :client_id RETURNING id, version) INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, prev_hash, hash) SELECT 't' || s.id, s.version, gen_random_uuid(), 'CitationAdded', :data::jsonb, :meta::jsonb, now(), sha256(s.id::bytea), sha256(s.id::bytea) FROM s RETURNING global_position;
SQL
# Our statement as the store sends a single event (append_event), and the same event through the array form (append_events).
cat > "$work/ours.sql" <<'SQL'
SELECT global_position, transaction_id::text AS transaction_id, stream_version, event_id, prev_hash, hash FROM append_event('s' || :client_id, 'bench', -1, now(), gen_random_uuid(), 'CitationAdded', 1, :head, :tail) AS appended ORDER BY stream_version;
SQL
cat > "$work/arrays.sql" <<'SQL'
SELECT global_position, transaction_id::text AS transaction_id, stream_version, event_id, prev_hash, hash FROM append_events('s' || :client_id, 'bench', -1, now(), ARRAY[gen_random_uuid()], '{CitationAdded}'::text[], '{1}'::int[], :heads::text[], :tails::text[]) AS appended ORDER BY stream_version;
SQL
run() {
  PGOPTIONS="-c synchronous_commit=$sync" pgbench -n -M prepared -c 1 -T "$seconds" -f "$work/$1.sql" -D data="$(cat "$work/data")" -D meta="$(cat "$work/meta")" \
    -D heads="$(cat "$work/heads")" -D tails="$(cat "$work/tails")" -D head="$(cat "$work/head")" -D tail="$(cat "$work/tail")" "$url" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
echo "append statements per second, one connection, ${seconds} s per run, synchronous_commit=$sync (server only: no client work)"
ratios=()
for round in $(seq "$rounds"); do
  floor=$(run floor); table=$(run table); arrays=$(run arrays); ours=$(run ours)
  of() { node -e 'console.log((process.argv[2] / process.argv[1]).toFixed(2))' "$floor" "$1"; }
  ratio=$(of "$ours")
  ratios+=("$ratio")
  echo "round $round/$rounds: Dcte1 floor ${floor%.*}/s, floor statement into our events table ${table%.*}/s ($(of "$table")), append_events ${arrays%.*}/s ($(of "$arrays")), append_event ${ours%.*}/s, ratio $ratio"
done
echo "median ratio: $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(( (${#ratios[@]} + 1) / 2 ))p")"
