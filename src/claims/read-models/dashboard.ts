import { Injectable } from '@nestjs/common';
import { Database } from '../../database/database';

export interface Dashboard {
  counts: { storyId: string; topic: string; verdict: string; claims: number }[];
  overdueForecasts: { claimId: string; storyId: string; statement: string; dueAt: string }[];
  latestChanges: { position: string; streamId: string; type: string; at: string; actor: string | null }[];
}

@Injectable()
export class DashboardViews {
  constructor(private readonly db: Database) {}

  async read(storyId: string | undefined, now: Date): Promise<Dashboard> {
    const story = storyId ?? null;
    const counts = await this.db.query<{ storyId: string; topic: string; verdict: string; claims: number }>(
      `SELECT story_id AS "storyId", topic, verdict, count(*)::int AS claims
       FROM dashboard_claims, unnest(CASE WHEN cardinality(topics) = 0 THEN ARRAY['(none)'] ELSE topics END) AS topic
       WHERE NOT withdrawn AND ($1::uuid IS NULL OR story_id = $1)
       GROUP BY story_id, topic, verdict ORDER BY story_id, topic, verdict`,
      [story],
    );
    const overdue = await this.db.query<{ claimId: string; storyId: string; statement: string; dueAt: Date }>(
      `SELECT claim_id AS "claimId", story_id AS "storyId", statement, due_at AS "dueAt" FROM dashboard_claims
       WHERE kind = 'forecast' AND NOT resolved AND NOT withdrawn AND due_at < $2 AND ($1::uuid IS NULL OR story_id = $1)
       ORDER BY due_at LIMIT 100`,
      [story, now],
    );
    const changes = await this.db.query<{ position: string; streamId: string; type: string; at: Date; actor: string | null }>(
      `SELECT global_position AS position, stream_id AS "streamId", type, at, actor FROM dashboard_changes
       ORDER BY global_position DESC LIMIT 20`,
    );
    return {
      counts,
      overdueForecasts: overdue.map((row) => ({ ...row, dueAt: row.dueAt.toISOString() })),
      latestChanges: changes.map((row) => ({ ...row, at: row.at.toISOString() })),
    };
  }
}
