import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/test-app';

interface SseEvent {
  id: string;
  event: string;
  data: { checkpoint: string; streamId: string; type: string };
}

/** Opens an SSE stream and collects events until `until` says stop (or the timeout). */
const readSse = (url: string, headers: Record<string, string>, until: (events: SseEvent[]) => boolean, timeoutMs = 8000) =>
  new Promise<{ events: SseEvent[]; raw: string; status: number }>((resolve, reject) => {
    const events: SseEvent[] = [];
    let raw = '';
    const req = http.get(url, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        const blocks = raw.split('\n\n');
        events.length = 0;
        for (const block of blocks) {
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && event && data) events.push({ id, event, data: JSON.parse(data) as SseEvent['data'] });
        }
        if (until(events)) {
          req.destroy();
          resolve({ events: [...events], raw, status: res.statusCode ?? 0 });
        }
      });
      res.on('end', () => resolve({ events: [...events], raw, status: res.statusCode ?? 0 }));
    });
    req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
    setTimeout(() => {
      req.destroy();
      resolve({ events: [...events], raw, status: -1 });
    }, timeoutMs);
  });

describe('Async views, read-your-writes and the live feed', () => {
  let t: TestApp;
  let base: string;
  let storyId: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const story = await t.http
      .post('/api/stories')
      .set(t.auth('editor'))
      .send({ slug: 'kim-russia-visit', headline: 'Kim Jong-un plans to visit Russia', body: 'Kim is expected in Vladivostok.', desk: 'world' });
    storyId = story.body.id;
  });
  afterAll(() => t.close());

  const recordClaim = (statement: string, extra: Record<string, unknown> = {}) =>
    t.http
      .post('/api/claims')
      .set(t.auth('editor'))
      .send({ storyId, statement, kind: 'assertion', topics: ['arms-for-technology'], actors: ['Vladimir Putin', 'Kim Jong-un'], ...extra })
      .expect(201);

  it('When a claim is written, then the dashboard read with its X-Checkpoint already counts it', async () => {
    const written = await recordClaim('Putin wants artillery shells and antitank missiles from North Korea.');
    const checkpoint = written.headers['x-checkpoint'];
    expect(checkpoint).toMatch(/^\d+-\d+$/);
    const dashboard = await t.http.get(`/api/dashboard?storyId=${storyId}&minCheckpoint=${checkpoint}`).set(t.auth('reader')).expect(200);
    expect(dashboard.body.counts).toContainEqual({ storyId, topic: 'arms-for-technology', verdict: 'unverified', claims: 1 });
    expect(dashboard.body.latestChanges[0]).toMatchObject({ streamId: `claim-${written.body.id}`, type: 'ClaimRecorded', actor: 'test-editor' });
  });

  it('When a forecast is past its due date and unresolved, then the dashboard lists it as overdue', async () => {
    const written = await recordClaim('Both leaders are expected at the Eastern Economic Forum, September 10 to 13.', {
      kind: 'forecast',
      topics: ['summit'],
      dueAt: '2023-09-13T23:59:59+10:00',
    });
    const dashboard = await t.http
      .get(`/api/dashboard?minCheckpoint=${written.headers['x-checkpoint']}`)
      .set(t.auth('reader'))
      .expect(200);
    expect(dashboard.body.overdueForecasts.map((f: { claimId: string }) => f.claimId)).toContain(written.body.id);
  });

  it('When claims are searched by words with minCheckpoint, then full-text search finds the new claim by stem and actor', async () => {
    const written = await recordClaim('Kim is seeking food aid for his impoverished nation.', { topics: ['food-aid'] });
    const cp = written.headers['x-checkpoint'];
    const byStem = await t.http.get(`/api/claims?q=seek%20aid&minCheckpoint=${cp}`).set(t.auth('reader')).expect(200);
    expect(byStem.body.items.map((c: { id: string }) => c.id)).toEqual([written.body.id]);
    const byActor = await t.http.get(`/api/claims?q=putin&minCheckpoint=${cp}`).set(t.auth('reader')).expect(200);
    expect(byActor.body.items.length).toBeGreaterThanOrEqual(3);
    const none = await t.http.get(`/api/claims?q=submarine&minCheckpoint=${cp}`).set(t.auth('reader')).expect(200);
    expect(none.body.items).toEqual([]);
  });

  it('When the live feed is resumed from a Last-Event-ID, then it continues exactly after it, filtered, with no gap or repeat', async () => {
    const all = await readSse(`${base}/api/events/stream`, t.auth('reader'), (events) => events.length >= 4);
    expect(all.status).toBe(200);
    const resumeFrom = all.events[1].id;
    const resumed = await readSse(`${base}/api/events/stream`, { ...t.auth('reader'), 'Last-Event-ID': resumeFrom }, (events) => events.length >= 2);
    expect(resumed.events.map((e) => e.id)).toEqual(all.events.slice(2, 4).map((e) => e.id));

    const onlyVerdicts = readSse(
      `${base}/api/events/stream?type=VerdictChanged&storyId=${storyId}`,
      t.auth('reader'),
      (events) => events.length >= 1,
    );
    const claim = await recordClaim('The US warned about a possible arms deal, citing declassified intelligence.', { topics: ['us-warning'] });
    await t.http
      .post(`/api/claims/${claim.body.id}/verdicts`)
      .set({ ...t.auth('editor'), 'If-Match': '"1"' })
      .send({ verdict: 'reported', reason: 'The White House said so on the record.' })
      .expect(201);
    const live = await onlyVerdicts;
    expect(live.events).toHaveLength(1);
    expect(live.events[0].data).toMatchObject({ type: 'VerdictChanged', streamId: `claim-${claim.body.id}` });
  });

  it('When the live feed is opened without a key, then it answers 401 problem+json', async () => {
    const res = await t.http.get('/api/events/stream').expect(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('When readiness is asked, then it reports each async projection’s lag and the oldest open transaction', async () => {
    const ready = await t.http.get('/health/ready').expect(200);
    const projections = ready.body.details.projections;
    expect(projections.lag.map((l: { name: string }) => l.name)).toEqual(['claim_search', 'dashboard']);
    expect(typeof projections.oldestOpenTransactionSeconds).toBe('number');
    const metrics = await t.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/claimtrail_projection_lag_events\{projection="dashboard"\} \d+/);
  });
});

describe('A live-feed client that stops reading', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const owner = await t.ownerDb();
    // About 12 MB of feed, far more than the 1 MB the server buffers for one client.
    await owner.query(
      `INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at, hash)
       SELECT 'story-' || gen_random_uuid(), 1, gen_random_uuid(), 'StoryOpened',
              jsonb_build_object('headline', repeat('Kim Jong-un plans to visit Russia. ', 12)), '{"actor":"bulk-load"}', now(), '\\x00'
       FROM generate_series(1, 20000)`,
    );
  });
  afterAll(() => t.close());

  it('When it falls too far behind, then the server ends its stream with an overflow event instead of buffering without bound', async () => {
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const outcome = await new Promise<string>((resolve, reject) => {
      const req = http.get(`http://127.0.0.1:${port}/api/events/stream`, { headers: t.auth('reader') }, (res) => {
        res.pause();
        setTimeout(() => {
          let tail = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (tail = (tail + chunk).slice(-500)));
          res.on('end', () => resolve(tail));
          res.resume();
        }, 3000);
      });
      req.on('error', reject);
      setTimeout(() => {
        req.destroy();
        reject(new Error('the stream of a stalled client was never ended'));
      }, 30_000);
    });
    expect(outcome).toContain('event: overflow');
  });
});
