import type { Tx } from '../database/database';
import type { InlineProjection, StoredEvent } from '../event-store/event-store.types';

/** Every event of every stream, with who, when and why: the audit trail as a queryable table. */
export const historyProjection: InlineProjection = {
  name: 'stream_history',
  handles: '*',
  async apply(event: StoredEvent, tx: Tx): Promise<void> {
    const { at: _at, ...changes } = event.data;
    await tx.query(
      `INSERT INTO stream_history (global_position, stream_id, stream_version, type, recorded_at, actor, role, reason, changes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [
        event.globalPosition,
        event.streamId,
        event.streamVersion,
        event.type,
        event.recordedAt,
        event.metadata.actor ?? null,
        event.metadata.role ?? null,
        event.metadata.reason ?? null,
        JSON.stringify(changes),
      ],
    );
  },
};
