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

  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
