import type { MigrationInterface, QueryRunner } from 'typeorm';

const VIEWS = ['claim_view', 'story_view', 'source_view'];

/**
 * A state view's `state` is written whole, as the JSON text the projection made, and read whole: no SQL
 * looks inside it. As `json` it is checked and stored as sent instead of taken apart into `jsonb`, and
 * read back without being put together again; stored uncompressed (`EXTERNAL`) PostgreSQL no longer
 * compresses every claim's kilobytes of citations at each change. Rebuilding `claim_view` from the bench's
 * data measured 28,000 -> 38,000 events/s (docs/decisions/090-state-views-as-json.md).
 */
export class StateViewsJson1764320800000 implements MigrationInterface {
  name = 'StateViewsJson1764320800000';

  async up(db: QueryRunner): Promise<void> {
    for (const view of VIEWS) await db.query(`ALTER TABLE ${view} ALTER COLUMN state TYPE json, ALTER COLUMN state SET STORAGE EXTERNAL`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const view of VIEWS) await db.query(`ALTER TABLE ${view} ALTER COLUMN state TYPE jsonb, ALTER COLUMN state SET STORAGE EXTENDED`);
  }
}
