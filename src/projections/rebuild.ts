import type { Database, Tx } from '../database/database';
import { START, type Checkpoint } from '../event-store/checkpoint';
import type { EventStore } from '../event-store/event-store';
import { lockCheckpoint, saveCheckpoint } from './checkpoints';
import { applyAll, type ProjectionDefinition } from './projection';

export interface RebuildProgress {
  (done: number, total: number): void;
}

export interface RebuildResult {
  readonly projection: string;
  readonly events: number;
  readonly seconds: number;
  readonly resumed: boolean;
}

const shadowOf = (table: string): string => `${table}__rebuild`;
const rebuildCheckpoint = (name: string): string => `${name}#rebuild`;
const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/**
 * Builds a projection from the start of the log into fresh copies of its tables while live traffic
 * goes on, then swaps them in within one transaction. The shadow tables and their checkpoint survive a
 * crash, so running it again resumes where it stopped.
 */
export class ProjectionRebuilder {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
  ) {}

  async rebuild(definition: ProjectionDefinition, options: { batchSize?: number; progress?: RebuildProgress } = {}): Promise<RebuildResult> {
    const started = Date.now();
    const batchSize = options.batchSize ?? 10_000;
    const cpName = rebuildCheckpoint(definition.name);
    const resumed = await this.prepare(definition, cpName);
    const shadow = definition.create(shadowOf);
    const [{ total }] = await this.db.query<{ total: string }>('SELECT count(*) AS total FROM events');
    const [{ applied }] = await this.db.query<{ applied: string }>('SELECT events_applied AS applied FROM projection_checkpoints WHERE name = $1', [cpName]);
    let done = Number(applied);
    const checkpoint = await this.checkpointOf(cpName);
    // The next batch is read while this one is applied: PostgreSQL and Node work side by side.
    let next = this.store.readAll(checkpoint, batchSize);
    for (;;) {
      const events = await next;
      if (events.length === 0) break;
      const last = events[events.length - 1];
      const reached: Checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
      next = events.length < batchSize ? Promise.resolve([]) : this.store.readAll(reached, batchSize);
      next.catch(() => undefined);
      await this.db.transaction(async (tx) => {
        await lockCheckpoint(tx, cpName);
        await applyAll(shadow, events, tx);
        await saveCheckpoint(tx, cpName, reached, events.length);
      });
      done += events.length;
      options.progress?.(done, Math.max(done, Number(total)));
    }
    await this.swap(definition, cpName);
    options.progress?.(done, done);
    return { projection: definition.name, events: done, seconds: (Date.now() - started) / 1000, resumed };
  }

  /** Fresh shadow tables and checkpoint, unless an interrupted rebuild left complete ones to resume. */
  private async prepare(definition: ProjectionDefinition, cpName: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [cpName]);
      const { rows } = await tx.query<{ present: number }>(
        `SELECT count(*)::int AS present FROM unnest($1::text[]) AS t(name) WHERE to_regclass(t.name) IS NOT NULL`,
        [definition.tables.map(shadowOf)],
      );
      const checkpoint = await lockCheckpoint(tx, cpName);
      if (checkpoint && rows[0].present === definition.tables.length) return true;
      for (const table of definition.tables) {
        await tx.query(`DROP TABLE IF EXISTS ${quote(shadowOf(table))}`);
        await tx.query(`CREATE TABLE ${quote(shadowOf(table))} (LIKE ${quote(table)} INCLUDING ALL)`);
        await this.copyGrants(tx, table, shadowOf(table));
      }
      await tx.query(
        `INSERT INTO projection_checkpoints (name) VALUES ($1)
         ON CONFLICT (name) DO UPDATE SET transaction_id = '0', global_position = 0, events_applied = 0, updated_at = now()`,
        [cpName],
      );
      return false;
    });
  }

  private async copyGrants(tx: Tx, from: string, to: string): Promise<void> {
    const { rows } = await tx.query<{ grantee: string; privilege_type: string }>(
      `SELECT grantee, privilege_type FROM information_schema.role_table_grants
       WHERE table_schema = current_schema() AND table_name = $1 AND grantee <> current_user`,
      [from],
    );
    for (const grant of rows) await tx.query(`GRANT ${grant.privilege_type} ON ${quote(to)} TO ${quote(grant.grantee)}`);
  }

  private async checkpointOf(name: string): Promise<Checkpoint> {
    const [row] = await this.db.query<{ transaction_id: string; global_position: string }>(
      'SELECT transaction_id::text AS transaction_id, global_position FROM projection_checkpoints WHERE name = $1',
      [name],
    );
    return row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : START;
  }

  /**
   * Holds off the live writers (the async worker through its checkpoint row, inline appenders through
   * a table lock), applies what the shadow still lacks, and renames the tables in one transaction.
   */
  private async swap(definition: ProjectionDefinition, cpName: string): Promise<void> {
    const shadow = definition.create(shadowOf);
    await this.db.transaction(async (tx) => {
      if (definition.mode === 'async') {
        await tx.query('INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING', [definition.name]);
        await lockCheckpoint(tx, definition.name);
      } else {
        await tx.query(`LOCK TABLE ${definition.tables.map(quote).join(', ')} IN EXCLUSIVE MODE`);
      }
      let checkpoint: Checkpoint = (await lockCheckpoint(tx, cpName)) ?? START;
      for (;;) {
        // Inline writers of these tables are blocked, so every one of their events that will ever
        // exist before the swap is committed now, even above the horizon.
        const events = await this.store.readAll(checkpoint, 5000, { aboveHorizon: definition.mode === 'inline' });
        if (events.length === 0) break;
        const last = events[events.length - 1];
        checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
        await applyAll(shadow, events, tx);
      }
      for (const table of definition.tables) {
        await tx.query(`ALTER TABLE ${quote(table)} RENAME TO ${quote(`${table}__old`)}`);
        await tx.query(`ALTER TABLE ${quote(shadowOf(table))} RENAME TO ${quote(table)}`);
      }
      if (definition.mode === 'async') {
        await tx.query(
          `UPDATE projection_checkpoints SET transaction_id = $2::xid8, global_position = $3, updated_at = now() WHERE name = $1`,
          [definition.name, checkpoint.transactionId, checkpoint.globalPosition],
        );
      }
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1', [cpName]);
    });
    for (const table of definition.tables) await this.db.query(`DROP TABLE IF EXISTS ${quote(`${table}__old`)}`);
  }
}
