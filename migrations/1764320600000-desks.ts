import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Desks (docs/decisions/060-desks.md). Every key names the desks its holder works on ('*' for every
 * desk); stories and sources carry the desk that owns them, and a story is public once its publication
 * time has passed. Visibility is decided in one place for every query: `story_visible` for a story row,
 * `stream_visible` for an event of any stream. A NULL desk list means every desk (an admin).
 */
export class Desks1764320600000 implements MigrationInterface {
  name = 'Desks1764320600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE api_keys ADD COLUMN desks text[] NOT NULL DEFAULT '{}'`);
    await db.query(`ALTER TABLE story_view ADD COLUMN published_at timestamptz`);
    await db.query(`UPDATE story_view SET published_at = (state->'story'->>'publishedAt')::timestamptz`);
    await db.query(`CREATE INDEX story_view_desk_idx ON story_view (desk)`);
    await db.query(`ALTER TABLE source_view ADD COLUMN desk text`);
    await db.query(`UPDATE source_view SET desk = state->'source'->>'desk'`);
    // The audit trail shows a confidential identity's ciphertext no more than its plaintext.
    await db.query(`UPDATE stream_history SET changes = jsonb_set(changes, '{sealedIdentity}', '"restricted"') WHERE changes ? 'sealedIdentity'`);
    await db.query(`
      CREATE FUNCTION story_visible(desk text, published_at timestamptz, desks text[]) RETURNS boolean
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT desks IS NULL OR '*' = ANY (desks) OR desk = ANY (desks) OR published_at <= now()
      $$`);
    // A record of who read a confidential identity is for admins (null desks) only, not even for '*';
    // stories and claims follow their story; everything else (sources) is the newsroom's common ground.
    await db.query(`
      CREATE FUNCTION stream_visible(stream_id text, desks text[]) RETURNS boolean
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT CASE
          WHEN desks IS NULL THEN true
          WHEN stream_id LIKE 'identity-reads-%' THEN false
          WHEN '*' = ANY (desks) THEN true
          WHEN stream_id ~ '^story-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN EXISTS (
            SELECT 1 FROM story_view s
            WHERE s.id = substr(stream_id, 7)::uuid AND story_visible(s.desk, s.published_at, desks))
          WHEN stream_id ~ '^claim-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN EXISTS (
            SELECT 1 FROM claim_view c JOIN story_view s ON s.id = c.story_id
            WHERE c.id = substr(stream_id, 7)::uuid AND story_visible(s.desk, s.published_at, desks))
          WHEN stream_id LIKE 'story-%' OR stream_id LIKE 'claim-%' THEN false
          ELSE true
        END
      $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION stream_visible(text, text[])`);
    await db.query(`DROP FUNCTION story_visible(text, timestamptz, text[])`);
    await db.query(`ALTER TABLE source_view DROP COLUMN desk`);
    await db.query(`DROP INDEX story_view_desk_idx`);
    await db.query(`ALTER TABLE story_view DROP COLUMN published_at`);
    await db.query(`ALTER TABLE api_keys DROP COLUMN desks`);
  }
}
