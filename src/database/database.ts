import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * A statement PostgreSQL parses and plans once per connection and then only executes: for the hot
 * paths (append, stream reads, the global order), where parsing would cost as much as running.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** A named statement, named after its text so that two texts can never share a name. */
export const statement = (text: string): Statement => {
  let name = statementNames.get(text);
  if (!name) {
    name = `ct_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return { name, text };
};
const statementNames = new Map<string, string>();

/** What a transaction hands to code that runs inside it. */
export type Tx = Pick<PoolClient, 'query'>;

/**
 * Thin access to TypeORM's own pg pool: plain SQL with parameters, no entity hydration.
 * TypeORM still owns the connection settings and the migrations.
 */
export class Database {
  readonly pool: Pool;

  constructor(readonly dataSource: DataSource) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  async query<Row extends QueryResultRow>(text: string | Statement, values: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.pool.query<Row>(typeof text === 'string' ? { text, values: values as unknown[] } : { ...text, values: values as unknown[] });
    return result.rows;
  }

  /**
   * A pooled client for several statements, released (and discarded if it broke) when `work` ends.
   * While it is checked out, pg's pool no longer listens for its errors: a connection lost between two
   * statements (an outage, a terminated backend) would be an unhandled 'error' event and end the process.
   * It is recorded here instead; the next statement fails, and the broken client is not reused.
   */
  async withClient<T>(work: (client: PoolClient, broken: () => void) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    let broken: Error | undefined;
    try {
      return await work(client, () => (broken ??= new Error('discarded after a failed rollback')));
    } finally {
      client.removeListener('error', onError);
      client.release(lost ?? broken);
    }
  }

  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.withClient(async (client, broken) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(broken);
        throw error;
      }
    });
  }
}
