import type { Database } from '../../src/database/database';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRebuilder } from '../../src/projections/rebuild';
import { REMEMBERED_ROWS } from '../../src/projections/state-view.projection';
import { EventStore } from '../../src/event-store/event-store';
import { differencesFromReplay } from '../support/replay';
import { startTestApp, type TestApp } from '../support/test-app';

/** Events bulk-loaded before the rebuild: REBUILD_EVENTS=1000000 for the full-size run. */
const EVENTS = Number(process.env.REBUILD_EVENTS ?? 20_000);

jest.setTimeout(600_000);

describe('Rebuilding projections while the API takes writes', () => {
  let t: TestApp;
  let storyId: string;
  let owner: Database;
  let rebuilder: ProjectionRebuilder;
  let ownerStore: EventStore;

  beforeAll(async () => {
    t = await startTestApp();
    // Rebuilds create and rename tables, so they run as the table owner, as the CLI does.
    owner = await t.ownerDb();
    ownerStore = new EventStore(owner);
    rebuilder = new ProjectionRebuilder(owner, ownerStore);
    const story = await t.http
      .post('/api/stories')
      .set(t.auth('editor'))
      .send({ slug: 'arms-deal', headline: 'Putin and Kim seek an arms-for-technology deal', body: 'Shells for satellites.' })
      .expect(201);
    storyId = story.body.id;
    // History written straight into the log (ten events per claim), as a rebuild finds it after an outage or a bug fix.
    await bulkLoad(10, Math.ceil(EVENTS / 10), 'c.n, v');
  });
  afterAll(() => t.close());

  /** `versions` events for each of `claims` new claims written straight into the log, in the given order. */
  const bulkLoad = (versions: number, claims: number, order: string) =>
    owner.query(
      `INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, hash)
       SELECT 'claim-' || c.id, v, gen_random_uuid(), CASE WHEN v = 1 THEN 'ClaimRecorded' ELSE 'VerdictChanged' END,
         CASE WHEN v = 1 THEN jsonb_build_object('claimId', c.id, 'storyId', $2::uuid, 'statement', 'Bulk claim ' || c.n || ' on artillery shells',
                 'kind', 'assertion', 'topics', jsonb_build_array('arms-for-technology'), 'actors', jsonb_build_array('Vladimir Putin'),
                 'occurredAt', null, 'dueAt', null, 'at', '2023-09-05T00:00:00Z')
              ELSE jsonb_build_object('from', CASE WHEN v % 2 = 0 THEN 'unverified' ELSE 'reported' END,
                 'to', CASE WHEN v % 2 = 0 THEN 'reported' ELSE 'unverified' END, 'reason', 'bulk', 'override', false, 'at', '2023-09-06T00:00:00Z') END,
         '{"actor":"bulk-load","role":"editor"}', now(), '\\x00'
       FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $1) n) c, generate_series(1, $3) v
       ORDER BY ${order}`,
      [claims, storyId, versions],
    );

  /** Waits until the async projection has applied every committed event (bounded). */
  const caughtUp = async (name: string, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ behind }] = await t.db.query<{ behind: number }>(
        `SELECT count(*)::int AS behind FROM projection_checkpoints c, events e
         WHERE c.name = $1 AND (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)`,
        [name],
      );
      if (behind === 0) return;
      if (Date.now() > deadline) throw new Error(`${name} still ${behind} events behind after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('When claim_view and the dashboard are rebuilt under live writes, then each swapped-in table equals a fresh replay', async () => {
    // The app's own workers first catch up on the bulk-loaded history, as they would have long before
    // anyone rebuilds; otherwise they replay the same million events on the same two cores meanwhile.
    for (const projection of t.app.get(ProjectionRegistry).async()) await caughtUp(projection.name, 300_000);
    let writing = true;
    let acknowledged = 0;
    const writer = async () => {
      while (writing) {
        const claim = await t.http
          .post('/api/claims')
          .set(t.auth('editor'))
          .send({ storyId, statement: 'Kim hopes for satellite technology.', kind: 'assertion', topics: ['arms-for-technology'], actors: ['Kim Jong-un'] });
        if (claim.status !== 201) throw new Error(`write failed during rebuild: ${claim.status} ${JSON.stringify(claim.body)}`);
        const verdict = await t.http
          .post(`/api/claims/${claim.body.id}/verdicts`)
          .set({ ...t.auth('editor'), 'If-Match': '"1"' })
          .send({ verdict: 'reported', reason: 'Officials say so.' });
        if (verdict.status !== 201) throw new Error(`verdict failed during rebuild: ${verdict.status}`);
        acknowledged += 2;
      }
    };
    const writers = Promise.all([writer(), writer()]);
    const registry = t.app.get(ProjectionRegistry);
    let claimView: Awaited<ReturnType<ProjectionRebuilder['rebuild']>>;
    let dashboard: typeof claimView;
    try {
      const batchSize = process.env.REBUILD_BATCH ? Number(process.env.REBUILD_BATCH) : undefined;
      claimView = await rebuilder.rebuild(registry.get('claim_view'), { batchSize });
      dashboard = await rebuilder.rebuild(registry.get('dashboard'), { batchSize });
    } finally {
      writing = false;
      await writers;
    }
    console.log(
      `rebuilt claim_view: ${claimView.events} events in ${claimView.seconds.toFixed(1)} s (${Math.round(claimView.events / claimView.seconds)} events/s); ` +
        `dashboard: ${dashboard.events} events in ${dashboard.seconds.toFixed(1)} s (${Math.round(dashboard.events / dashboard.seconds)} events/s); ` +
        `${acknowledged} events written meanwhile`,
    );
    expect(claimView.events).toBeGreaterThanOrEqual(EVENTS);
    expect(acknowledged).toBeGreaterThan(0);

    const [{ claims }] = await t.db.query<{ claims: number }>('SELECT count(*)::int AS claims FROM claim_view');
    expect(claims).toBeGreaterThanOrEqual(Math.ceil(EVENTS / 10) + acknowledged / 2);
    expect(await differencesFromReplay(owner, ownerStore, registry.get('claim_view'))).toEqual({ claim_view: 0 });
    await caughtUp('dashboard', 30_000);
    expect(await differencesFromReplay(owner, ownerStore, registry.get('dashboard'))).toEqual({ dashboard_claims: 0, dashboard_changes: 0 });
  });

  it('When a claim view rebuild holding rows back is interrupted and run again, then the swapped-in view equals a fresh replay', async () => {
    // Every claim recorded, then every claim's verdict changed: the second round of batches finds the
    // first claims' rows forgotten (read back) and the last ones remembered; each batch holds back the
    // rows it changed until a batch no longer touches them, so the crash leaves some applied but unwritten.
    await bulkLoad(2, REMEMBERED_ROWS + 2000, 'v, c.n');
    const registry = t.app.get(ProjectionRegistry);
    let batches = 0;
    await expect(
      rebuilder.rebuild(registry.get('claim_view'), {
        batchSize: 3000,
        progress: () => {
          if (++batches === 10) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    // The shadow checkpoint stays before the rows held back: behind the 10 batches applied.
    const [{ saved }] = await owner.query<{ saved: number }>(`SELECT events_applied::int AS saved FROM projection_checkpoints WHERE name = 'claim_view#rebuild'`);
    expect(saved).toBeLessThan(10 * 3000);
    const rebuilt = await rebuilder.rebuild(registry.get('claim_view'), { batchSize: 3000 });
    expect(rebuilt.resumed).toBe(true);
    expect(rebuilt.events).toBeGreaterThanOrEqual(EVENTS + 2 * (REMEMBERED_ROWS + 2000));
    const [{ changed }] = await t.db.query<{ changed: number }>(`SELECT count(*)::int AS changed FROM claim_view WHERE version = 2 AND verdict = 'reported'`);
    expect(changed).toBeGreaterThanOrEqual(REMEMBERED_ROWS + 2000);
    expect(await differencesFromReplay(owner, ownerStore, registry.get('claim_view'))).toEqual({ claim_view: 0 });
  });

  it('When a rebuild is interrupted, then running it again resumes from its shadow checkpoint and swaps in a complete table', async () => {
    const registry = t.app.get(ProjectionRegistry);
    const claimSearch = registry.get('claim_search');
    let batches = 0;
    await expect(
      rebuilder.rebuild(claimSearch, {
        batchSize: 1000,
        progress: () => {
          if (++batches === 3) throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    const resumed = await rebuilder.rebuild(claimSearch, { batchSize: 1000 });
    expect(resumed.resumed).toBe(true);
    expect(await differencesFromReplay(owner, ownerStore, claimSearch)).toEqual({ claim_search: 0 });
  });
});
