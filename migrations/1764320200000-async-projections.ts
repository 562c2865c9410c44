import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Async projections: one checkpoint row each, holding the place in the global order and the fencing
 * epoch of the worker allowed to write; plus the async read models (dashboard, claim search).
 */
export class AsyncProjections1764320200000 implements MigrationInterface {
  name = 'AsyncProjections1764320200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projection_checkpoints (
        name            text PRIMARY KEY,
        transaction_id  xid8 NOT NULL DEFAULT '0',
        global_position bigint NOT NULL DEFAULT 0,
        epoch           bigint NOT NULL DEFAULT 0,
        events_applied  bigint NOT NULL DEFAULT 0,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE dashboard_claims (
        claim_id      uuid PRIMARY KEY,
        story_id      uuid NOT NULL,
        statement     text NOT NULL,
        kind          text NOT NULL,
        verdict       text NOT NULL,
        topics        text[] NOT NULL,
        due_at        timestamptz,
        resolved      boolean NOT NULL DEFAULT false,
        withdrawn     boolean NOT NULL DEFAULT false,
        updated_at    timestamptz NOT NULL,
        last_position bigint NOT NULL
      )`);
    await db.query(`CREATE INDEX dashboard_claims_story_idx ON dashboard_claims (story_id)`);
    await db.query(`CREATE INDEX dashboard_claims_due_idx ON dashboard_claims (due_at) WHERE kind = 'forecast' AND NOT resolved`);
    await db.query(`
      CREATE TABLE dashboard_changes (
        global_position bigint PRIMARY KEY,
        stream_id       text NOT NULL,
        type            text NOT NULL,
        at              timestamptz NOT NULL,
        actor           text
      )`);
    await db.query(`
      CREATE TABLE claim_search (
        claim_id      uuid PRIMARY KEY,
        story_id      uuid NOT NULL,
        statement     text NOT NULL,
        actors        text NOT NULL,
        document      tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', statement), 'A') || setweight(to_tsvector('simple', actors), 'B')) STORED,
        withdrawn     boolean NOT NULL DEFAULT false,
        last_position bigint NOT NULL
      )`);
    await db.query(`CREATE INDEX claim_search_document_idx ON claim_search USING gin (document)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE claim_search, dashboard_changes, dashboard_claims, projection_checkpoints`);
  }
}
