import { useTestStore } from '../../test/support/test-store';
import { advanceCheckpoint, checkpointBlocker } from './checkpoints';

const at = (transactionId: string, globalPosition: string) => ({ transactionId, globalPosition });

describe('Moving a projection checkpoint by compare-and-set', () => {
  const test = useTestStore(2);


  const given = async (name: string, epoch: number, checkpoint: { transactionId: string; globalPosition: string }) => {
    await test.db.query('INSERT INTO projection_checkpoints (name, transaction_id, global_position, epoch) VALUES ($1, $2::xid8, $3, $4)', [
      name,
      checkpoint.transactionId,
      checkpoint.globalPosition,
      epoch,
    ]);
  };
  const stored = async (name: string) =>
    (
      await test.db.query<{ transaction_id: string; global_position: string; events_applied: string }>(
        'SELECT transaction_id::text AS transaction_id, global_position, events_applied FROM projection_checkpoints WHERE name = $1',
        [name],
      )
    )[0];

  it('When the epoch and the old position match, then it moves and counts the events read', async () => {
    await given('cas-moves', 3, at('10', '5'));
    await expect(advanceCheckpoint(test.db.pool, 'cas-moves', '3', at('10', '5'), at('12', '9'), 4)).resolves.toBe(true);
    expect(await stored('cas-moves')).toEqual({ transaction_id: '12', global_position: '9', events_applied: '4' });
  });

  it('When a newer epoch holds the lease, then it does not move and the blocker is "fenced"', async () => {
    await given('cas-fenced', 4, at('10', '5'));
    await expect(advanceCheckpoint(test.db.pool, 'cas-fenced', '3', at('10', '5'), at('12', '9'), 4)).resolves.toBe(false);
    expect(await stored('cas-fenced')).toEqual({ transaction_id: '10', global_position: '5', events_applied: '0' });
    await expect(checkpointBlocker(test.db.pool, 'cas-fenced', '3')).resolves.toBe('fenced');
  });

  it('When someone else moved the checkpoint (a rebuild swapped tables in), then it does not move and the blocker is where it is', async () => {
    await given('cas-moved', 3, at('20', '40'));
    await expect(advanceCheckpoint(test.db.pool, 'cas-moved', '3', at('10', '5'), at('12', '9'), 4)).resolves.toBe(false);
    await expect(checkpointBlocker(test.db.pool, 'cas-moved', '3')).resolves.toEqual(at('20', '40'));
  });

  it('When the row does not exist, then the blocker is "fenced"', async () => {
    await expect(advanceCheckpoint(test.db.pool, 'cas-missing', '1', at('0', '0'), at('1', '1'), 1)).resolves.toBe(false);
    await expect(checkpointBlocker(test.db.pool, 'cas-missing', '1')).resolves.toBe('fenced');
  });

  it('When it runs in a transaction that rolls back, then the checkpoint stays where it was', async () => {
    await given('cas-rollback', 1, at('10', '5'));
    await expect(
      test.db.transaction(async (tx) => {
        expect(await advanceCheckpoint(tx, 'cas-rollback', '1', at('10', '5'), at('12', '9'), 4)).toBe(true);
        throw new Error('the projection rows failed');
      }),
    ).rejects.toThrow('the projection rows failed');
    expect(await stored('cas-rollback')).toEqual({ transaction_id: '10', global_position: '5', events_applied: '0' });
  });
});
