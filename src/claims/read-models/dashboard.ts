import { Injectable } from '@nestjs/common';
import type { DeskScope } from '../../common/access';
import { Database } from '../../database/database';

export interface Dashboard {
  counts: { storyId: string; topic: string; verdict: string; claims: number }[];
  overdueForecasts: { claimId: string; storyId: string; statement: string; dueAt: string }[];
  latestChanges: { position: string; streamId: string; type: string; at: string; actor: string | null }[];
}

@Injectable()
export class DashboardViews {
  constructor(private readonly db: Database) {}

  /** Only stories (and their claims) the desk scope may see (src/common/access.ts). */
  async read(storyId: string | undefined, now: Date, scope: DeskScope): Promise<Dashboard> {
    const story = storyId ?? null;
    const visible = (param: string) =>
      `(${param}::text[] IS NULL OR story_id IN (SELECT id FROM story_view WHERE story_visible(desk, published_at, ${param})))`;
    const counts = await this.db.query<{ storyId: string; topic: string; verdict: string; claims: number }>(
      `SELECT story_id AS "storyId", topic, verdict, count(*)::int AS claims
       FROM dashboard_claims, unnest(CASE WHEN cardinality(topics) = 0 THEN ARRAY['(none)'] ELSE topics END) AS topic
       WHERE NOT withdrawn AND ($1::uuid IS NULL OR story_id = $1) AND ${visible('$2')}
       GROUP BY story_id, topic, verdict ORDER BY story_id, topic, verdict`,
      [story, scope],
    );
    const overdue = await this.db.query<{ claimId: string; storyId: string; statement: string; dueAt: Date }>(
      `SELECT claim_id AS "claimId", story_id AS "storyId", statement, due_at AS "dueAt" FROM dashboard_claims
       WHERE kind = 'forecast' AND NOT resolved AND NOT withdrawn AND due_at < $2 AND ($1::uuid IS NULL OR story_id = $1) AND ${visible('$3')}
       ORDER BY due_at LIMIT 100`,
      [story, now, scope],
    );
    const changes = await this.db.query<{ position: string; streamId: string; type: string; at: Date; actor: string | null }>(
      `SELECT global_position AS position, stream_id AS "streamId", type, at, actor FROM dashboard_changes
       WHERE $1::text[] IS NULL OR stream_visible(stream_id, $1)
       ORDER BY global_position DESC LIMIT 20`,
      [scope],
    );
    return {
      counts,
      overdueForecasts: overdue.map((row) => ({ ...row, dueAt: row.dueAt.toISOString() })),
      latestChanges: changes.map((row) => ({ ...row, at: row.at.toISOString() })),
    };
  }
}
