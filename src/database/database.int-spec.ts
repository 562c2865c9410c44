import { useTestStore } from '../../test/support/test-store';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Database: a connection lost while a client is checked out', () => {
  const t = useTestStore(4);

  it('When the backend of a transaction is terminated between two statements, then the transaction fails, the process goes on and the pool serves again', async () => {
    let pid = 0;
    const failed = t.db.transaction(async (tx) => {
      pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      // Another session ends this one while it is idle in its transaction; pg reports it as an 'error' event.
      await t.db.query('SELECT pg_terminate_backend($1)', [pid]);
      await pause(200);
      await tx.query('SELECT 1');
    });
    await expect(failed).rejects.toThrow(/terminat/i);
    expect(await t.db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await t.db.transaction(async (tx) => (await tx.query<{ two: number }>('SELECT 2 AS two')).rows)).toEqual([{ two: 2 }]);
  });

  it('When the socket of a checked-out client closes while no statement runs (the server went away), then the work fails and the process goes on', async () => {
    const failed = t.db.withClient(async (client) => {
      await client.query('SELECT 1');
      // What a stopped server looks like to pg: the connection ends with no error message first.
      (client as unknown as { connection: { stream: { end(): void } } }).connection.stream.end();
      await pause(200);
      await client.query('SELECT 1');
    });
    await expect(failed).rejects.toThrow(/terminated|not queryable|closed/i);
    expect(await t.db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
