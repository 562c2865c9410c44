import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Snapshots of folded stream state, so that a read of a past version folds at most a bounded number of
 * events (docs/decisions/050-snapshots.md). A cache: nothing but src/event-store/snapshots.ts reads it,
 * every row can be deleted at any time, and verification and rebuilds never look at it.
 *
 * A row is the state of `stream_id` folded from its events 1 … `stream_version` by the decider and
 * upcasters whose key is `state_schema`; (`transaction_id`, `global_position`) is the latest place in the
 * global order among those events, so a read with a global-order cut only uses a snapshot that lies
 * entirely before it.
 */
export class Snapshots1764320500000 implements MigrationInterface {
  name = 'Snapshots1764320500000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE stream_snapshots (
        stream_id       text NOT NULL,
        state_schema    text NOT NULL,
        stream_version  integer NOT NULL CHECK (stream_version > 0),
        transaction_id  xid8 NOT NULL,
        global_position bigint NOT NULL,
        state           jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream_id, state_schema, stream_version)
      )`);
    // The app reads and adds snapshots; it never needs to change one (a row is a pure function of its key).
    await db.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'claimtrail_app') THEN
          REVOKE ALL ON stream_snapshots FROM claimtrail_app;
          GRANT SELECT, INSERT ON stream_snapshots TO claimtrail_app;
        END IF;
      END $$`);
    // A maintenance repair of events (the only way an event can change) drops the stream's snapshots with it.
    await db.query(`
      CREATE FUNCTION stream_snapshots_forget() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          TRUNCATE stream_snapshots;
        ELSE
          DELETE FROM stream_snapshots WHERE stream_id = OLD.stream_id;
          IF TG_OP = 'UPDATE' AND NEW.stream_id <> OLD.stream_id THEN
            DELETE FROM stream_snapshots WHERE stream_id = NEW.stream_id;
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER events_forget_snapshots AFTER UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION stream_snapshots_forget()`);
    await db.query(`
      CREATE TRIGGER events_truncate_forgets_snapshots AFTER TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION stream_snapshots_forget()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER events_truncate_forgets_snapshots ON events`);
    await db.query(`DROP TRIGGER events_forget_snapshots ON events`);
    await db.query(`DROP FUNCTION stream_snapshots_forget()`);
    await db.query(`DROP TABLE stream_snapshots`);
  }
}
