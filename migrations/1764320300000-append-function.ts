import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An append in one round trip: lock (or create) the stream, check the expected version, chain the
 * hashes, insert the events and bump the version, all inside one function call.
 *
 * The client sends each event's RFC 8785 canonical JSON in two parts around its stream version (which
 * only the locked stream row knows for `any` and `stream_exists`); the function joins them with the
 * version, hashes sha256(prev_hash || canonical) exactly as event-hash.ts does, and takes `data` and
 * `metadata` from that same document, so the stored fields are the hashed ones.
 * p_expected: a version (0 = no stream), -1 = any, -2 = the stream must exist.
 * A mismatch raises SQLSTATE CT409 with the stream's actual version as DETAIL; nothing is written.
 */
export class AppendFunction1764320300000 implements MigrationInterface {
  name = 'AppendFunction1764320300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION append_events(
        p_stream_id text, p_stream_type text, p_expected integer, p_recorded_at timestamptz,
        p_event_ids uuid[], p_types text[], p_schema_versions integer[], p_heads text[], p_tails text[])
      RETURNS TABLE (global_position bigint, transaction_id xid8, stream_id text, stream_version integer, event_id uuid,
                     type text, recorded_at timestamptz, data jsonb, metadata jsonb, prev_hash bytea, hash bytea)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        current_version integer;
        chain bytea;
        canonical text;
        n integer := cardinality(p_event_ids);
        documents jsonb[] := '{}';
        previous bytea[] := '{}';
        hashes bytea[] := '{}';
      BEGIN
        -- An advisory lock assigns no transaction id, so appenders to one stream get theirs only once they
        -- hold it: within a stream, the (transaction_id, global_position) order is the version order.
        PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_id, 0));
        SELECT s.version, s.last_hash INTO current_version, chain FROM streams s WHERE s.stream_id = p_stream_id;
        IF NOT FOUND THEN
          INSERT INTO streams (stream_id, type, version) VALUES (p_stream_id, p_stream_type, 0);
          current_version := 0;
        END IF;
        IF NOT (p_expected = -1 OR (p_expected = -2 AND current_version > 0) OR p_expected = current_version) THEN
          RAISE EXCEPTION 'stream % is at version %', p_stream_id, current_version
            USING ERRCODE = 'CT409', DETAIL = current_version::text;
        END IF;
        FOR i IN 1 .. n LOOP
          canonical := p_heads[i] || (current_version + i)::text || p_tails[i];
          previous[i] := chain;
          chain := sha256(coalesce(chain, ''::bytea) || convert_to(canonical, 'UTF8'));
          hashes[i] := chain;
          documents[i] := canonical::jsonb;
        END LOOP;
        UPDATE streams SET version = current_version + n, last_hash = chain, updated_at = p_recorded_at
          WHERE streams.stream_id = p_stream_id;
        RETURN QUERY
          INSERT INTO events AS e (stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
          SELECT p_stream_id, current_version + x.n::integer, x.id, x.t, x.s, x.d -> 'data', x.d -> 'metadata', p_recorded_at, x.p, x.h
          FROM unnest(p_event_ids, p_types, p_schema_versions, documents, previous, hashes) WITH ORDINALITY AS x(id, t, s, d, p, h, n)
          ORDER BY x.n
          RETURNING e.global_position, e.transaction_id, e.stream_id, e.stream_version, e.event_id, e.type, e.recorded_at,
                    e.data, e.metadata, e.prev_hash, e.hash;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION append_events(text, text, integer, timestamptz, uuid[], text[], integer[], text[], text[])`);
  }
}
