import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { Database } from '../database/database';
import type { Checkpoint } from '../event-store/checkpoint';
import { CommitNotifier } from '../event-store/notifier';
import { isAfter } from './checkpoints';
import { ProjectionRegistry } from './projection-registry';

export interface ProjectionLag {
  readonly name: string;
  readonly checkpoint: string;
  readonly lagEvents: number;
  readonly lagSeconds: number;
}

@Injectable()
export class ProjectionStatus {
  constructor(
    private readonly db: Database,
    private readonly registry: ProjectionRegistry,
    private readonly notifier: CommitNotifier,
  ) {}

  async lag(): Promise<ProjectionLag[]> {
    const names = this.registry.async().map((definition) => definition.name);
    return this.db.query<ProjectionLag>(
      `SELECT p.name, COALESCE(c.transaction_id::text, '0') || '-' || COALESCE(c.global_position, 0) AS checkpoint,
              behind.events::int AS "lagEvents",
              COALESCE(EXTRACT(EPOCH FROM now() - behind.oldest), 0)::float AS "lagSeconds"
       FROM unnest($1::text[]) AS p(name)
       LEFT JOIN projection_checkpoints c ON c.name = p.name
       CROSS JOIN LATERAL (
         SELECT count(*) AS events, min(e.recorded_at) AS oldest FROM events e
         WHERE (e.transaction_id, e.global_position) > (COALESCE(c.transaction_id, '0'::xid8), COALESCE(c.global_position, 0))
       ) behind
       ORDER BY p.name`,
      [names],
    );
  }

  /** Age in seconds of the oldest transaction that holds an id: it holds back what subscribers may read. */
  async oldestOpenTransactionSeconds(): Promise<number> {
    const [row] = await this.db.query<{ age: number }>(
      `SELECT COALESCE(EXTRACT(EPOCH FROM max(now() - xact_start)), 0)::float AS age
       FROM pg_stat_activity WHERE backend_xid IS NOT NULL`,
    );
    return row.age;
  }

  async reached(name: string, target: Checkpoint): Promise<boolean> {
    const [row] = await this.db.query<{ transaction_id: string; global_position: string }>(
      'SELECT transaction_id::text AS transaction_id, global_position FROM projection_checkpoints WHERE name = $1',
      [name],
    );
    return row !== undefined && !isAfter(target, { transactionId: row.transaction_id, globalPosition: row.global_position });
  }

  /** Read-your-writes for async views: wait, bounded, until the projection has passed the checkpoint. */
  async waitFor(name: string, target: Checkpoint, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.reached(name, target))) {
      if (Date.now() >= deadline) {
        throw new DomainError('PROJECTION.BEHIND', 'unavailable', `The ${name} view has not caught up with that checkpoint yet; retry shortly.`);
      }
      await this.notifier.wait(Math.min(100, deadline - Date.now()));
    }
  }
}
