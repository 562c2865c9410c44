import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed checkpoints over the log (docs/decisions/012-checkpoints-and-verification.md), append-only
 * like the events they cover, and the indexes the audit search and the corrections feed read.
 */
export class AuditCheckpoints1764320101000 implements MigrationInterface {
  name = 'AuditCheckpoints1764320101000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_checkpoints (
        seq                  integer PRIMARY KEY CHECK (seq > 0),
        tree_size            bigint NOT NULL CHECK (tree_size > 0),
        root_hash            bytea NOT NULL,
        last_transaction_id  xid8 NOT NULL,
        last_global_position bigint NOT NULL,
        created_at           timestamptz NOT NULL,
        key_id               text NOT NULL,
        public_key           bytea NOT NULL,
        signature            bytea NOT NULL,
        -- the event hashes this checkpoint adds to the tree, 32 bytes each, in global order
        leaves               bytea NOT NULL,
        -- the perfect-subtree roots of the whole tree, so the next checkpoint need not start from leaf zero
        frontier             bytea NOT NULL
      )`);
    await db.query(`
      CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoints
      FOR EACH ROW EXECUTE FUNCTION events_are_append_only()`);
    await db.query(`
      CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
      FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only()`);
    // Insert-only for the app role, like events (claimtrail_grant_app_role, migration 1764320100000).
    await db.query(`SELECT claimtrail_grant_app_role()`);
    await db.query(`CREATE INDEX stream_history_actor_idx ON stream_history (actor, global_position)`);
    await db.query(`CREATE INDEX stream_history_type_idx ON stream_history (type, global_position)`);
    await db.query(`CREATE INDEX stream_history_recorded_at_idx ON stream_history (recorded_at)`);
    await db.query(`
      CREATE INDEX stream_history_corrections_idx ON stream_history (global_position)
      WHERE type = 'StoryRevised' AND changes->>'kind' = 'correction'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX stream_history_corrections_idx, stream_history_recorded_at_idx, stream_history_type_idx, stream_history_actor_idx`);
    await db.query(`DROP TABLE audit_checkpoints`);
  }
}
