import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inline read models. Each keeps the folded aggregate state as jsonb plus the columns lists filter
 * on, and the global position it last applied so that applying an event twice changes nothing.
 */
export class ReadModels1764320001000 implements MigrationInterface {
  name = 'ReadModels1764320001000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE story_view (
        id               uuid PRIMARY KEY,
        slug             text NOT NULL,
        desk             text,
        headline         text NOT NULL,
        archived         boolean NOT NULL DEFAULT false,
        version          integer NOT NULL,
        created_position bigint NOT NULL,
        last_position    bigint NOT NULL,
        state            jsonb NOT NULL,
        CONSTRAINT story_view_slug_key UNIQUE (slug)
      )`);
    await db.query(`CREATE INDEX story_view_order_idx ON story_view (created_position)`);
    await db.query(`
      CREATE TABLE source_view (
        id               uuid PRIMARY KEY,
        kind             text NOT NULL,
        descriptor       text NOT NULL,
        reliability      text NOT NULL,
        anonymous        boolean NOT NULL,
        version          integer NOT NULL,
        created_position bigint NOT NULL,
        last_position    bigint NOT NULL,
        state            jsonb NOT NULL
      )`);
    await db.query(`CREATE INDEX source_view_order_idx ON source_view (created_position)`);
    await db.query(`
      CREATE TABLE claim_view (
        id               uuid PRIMARY KEY,
        story_id         uuid NOT NULL,
        statement        text NOT NULL,
        kind             text NOT NULL,
        verdict          text NOT NULL,
        topics           text[] NOT NULL,
        withdrawn        boolean NOT NULL,
        version          integer NOT NULL,
        created_position bigint NOT NULL,
        last_position    bigint NOT NULL,
        state            jsonb NOT NULL
      )`);
    await db.query(`CREATE INDEX claim_view_story_idx ON claim_view (story_id, created_position)`);
    await db.query(`CREATE INDEX claim_view_order_idx ON claim_view (created_position)`);
    await db.query(`CREATE INDEX claim_view_topics_idx ON claim_view USING gin (topics)`);
    await db.query(`
      CREATE TABLE stream_history (
        global_position bigint PRIMARY KEY,
        stream_id       text NOT NULL,
        stream_version  integer NOT NULL,
        type            text NOT NULL,
        recorded_at     timestamptz NOT NULL,
        actor           text,
        role            text,
        reason          text,
        changes         jsonb NOT NULL
      )`);
    await db.query(`CREATE UNIQUE INDEX stream_history_stream_idx ON stream_history (stream_id, stream_version)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stream_history, claim_view, source_view, story_view`);
  }
}
