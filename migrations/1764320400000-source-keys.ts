import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One data key per confidential source, wrapped by the master key. The identity itself is sealed in
 * the source's event; destroying this row's key makes it unreadable everywhere without touching the log.
 */
export class SourceKeys1764320400000 implements MigrationInterface {
  name = 'SourceKeys1764320400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE source_keys (
        source_id   uuid PRIMARY KEY,
        wrapped_key bytea,
        created_at  timestamptz NOT NULL DEFAULT now(),
        shredded_at timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE source_keys`);
  }
}
