import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { StreamHistoryQuery, type HistoryEntry } from '../common/queries';
import { Database } from '../database/database';

@QueryHandler(StreamHistoryQuery)
export class StreamHistoryHandler implements IQueryHandler<StreamHistoryQuery> {
  constructor(private readonly db: Database) {}

  async execute({ streamId }: StreamHistoryQuery): Promise<HistoryEntry[]> {
    const rows = await this.db.query<{
      global_position: string;
      stream_version: number;
      type: string;
      recorded_at: Date;
      actor: string | null;
      role: string | null;
      reason: string | null;
      changes: Record<string, unknown>;
    }>('SELECT * FROM stream_history WHERE stream_id = $1 ORDER BY stream_version', [streamId]);
    return rows.map((row) => ({
      position: row.global_position,
      version: row.stream_version,
      type: row.type,
      at: row.recorded_at.toISOString(),
      actor: row.actor,
      role: row.role,
      reason: row.reason,
      changes: row.changes,
    }));
  }
}
