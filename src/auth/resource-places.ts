import type { ResourcePlace } from '../common/access';
import { statement, type Database, type Statement } from '../database/database';

export type ScopedKind = 'story' | 'claim' | 'source';

// A story is public once its publication time has passed; a claim is where its story is; sources are common ground.
const PLACE_SQL: Record<ScopedKind, Statement> = {
  story: statement('SELECT desk, coalesce(published_at <= now(), false) AS public FROM story_view WHERE id = $1'),
  claim: statement(`SELECT s.desk, coalesce(s.published_at <= now(), false) AS public
          FROM claim_view c JOIN story_view s ON s.id = c.story_id WHERE c.id = $1`),
  source: statement('SELECT desk, true AS public FROM source_view WHERE id = $1'),
};

/** Where a story, claim or source sits, read from the inline read models (written in the append's transaction). */
export class ResourcePlaces {
  constructor(private readonly db: Database) {}

  async find(kind: ScopedKind, id: string): Promise<ResourcePlace | null> {
    const [row] = await this.db.query<{ desk: string | null; public: boolean }>(PLACE_SQL[kind], [id]);
    return row ? { desk: row.desk, public: row.public } : null;
  }
}
