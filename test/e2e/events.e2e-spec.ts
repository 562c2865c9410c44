import { citation, expectProblem, ifMatch, scene, type Scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

interface EventItem {
  checkpoint: string;
  streamId: string;
  version: number;
  type: string;
  at: string;
  actor: string | null;
  data: Record<string, unknown>;
}

const CHECKPOINT = /^(\d+)-(\d+)$/;
const STREAM = /^(story|claim|source)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const orderOf = (checkpoint: string): [bigint, bigint] => {
  const match = CHECKPOINT.exec(checkpoint);
  if (!match) throw new Error(`not a checkpoint: ${checkpoint}`);
  return [BigInt(match[1]), BigInt(match[2])];
};

const isAfter = (a: string, b: string): boolean => {
  const [ta, pa] = orderOf(a);
  const [tb, pb] = orderOf(b);
  return ta > tb || (ta === tb && pa > pb);
};

describe('The event log over HTTP', () => {
  let t: TestApp;
  let s: Scene;
  let claimId: string;
  let sourceId: string;

  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
    const storyId = (await s.story('kim-jong-un-russia-visit')).id;
    sourceId = await s.source('usOfficials');
    const nyt = await s.source('nyt');
    const claim = await s.claim(storyId, 'munitions', {
      citations: [citation(sourceId, { access: 'anonymous' }), citation(nyt, { role: 'relay', relayOf: sourceId })],
    });
    claimId = claim.id;
    expect((await s.verdict(claimId, 'reported', 'editor')).status).toBe(201);
    const regraded = await t.http
      .post(`/api/sources/${sourceId}/grades`)
      .set(t.auth('reviewer'))
      .set(ifMatch(1))
      .send({ reliability: 'B', rationale: 'Their account of the armored train held up.' });
    expect(regraded.status).toBe(201);
    await t.horizonPassed();
  });
  afterAll(() => t.close());

  /** Every page from the start, three at a time, until a page comes back empty. */
  const readAll = async (limit = 3) => {
    const pages: { after: string | undefined; items: EventItem[]; nextCheckpoint: string }[] = [];
    let after: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const res = await t.http
        .get('/api/events')
        .query({ limit, ...(after === undefined ? {} : { after }) })
        .set(t.auth('reader'));
      expect(res.status).toBe(200);
      pages.push({ after, ...(res.body as { items: EventItem[]; nextCheckpoint: string }) });
      if (res.body.items.length === 0) break;
      after = res.body.nextCheckpoint;
    }
    return pages;
  };

  it('When the log is read three events at a time, then it ends with an empty page and holds every stored event once, in global order', async () => {
    const pages = await readAll();
    const items = pages.flatMap((p) => p.items);

    expect(items).toHaveLength(await t.eventCount());
    expect(new Set(items.map((i) => i.checkpoint)).size).toBe(items.length);
    for (let i = 1; i < items.length; i++) expect(isAfter(items[i].checkpoint, items[i - 1].checkpoint)).toBe(true);
    const last = pages[pages.length - 1];
    expect(last.items).toEqual([]);
    expect(last.nextCheckpoint).toBe(last.after);
    for (const page of pages.slice(0, -2)) expect(page.items).toHaveLength(3);
    for (const page of pages.slice(0, -1)) expect(page.nextCheckpoint).toBe(page.items[page.items.length - 1].checkpoint);
  });

  it('When the log is read, then each item carries checkpoint, stream, version, type, time, actor and data', async () => {
    const items = (await readAll(100)).flatMap((p) => p.items);

    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(['actor', 'at', 'checkpoint', 'data', 'streamId', 'type', 'version']);
      expect(item).toEqual({
        checkpoint: expect.stringMatching(CHECKPOINT),
        streamId: expect.stringMatching(STREAM),
        version: expect.any(Number),
        type: expect.stringMatching(/^[A-Z][A-Za-z]+$/),
        at: expect.stringMatching(ISO),
        actor: expect.stringMatching(/^test-(editor|reviewer)$/),
        data: expect.any(Object),
      });
    }
    const claim = items.filter((i) => i.streamId === `claim-${claimId}`);
    expect(claim.map((i) => [i.version, i.type, i.actor])).toEqual([
      [1, 'ClaimRecorded', 'test-editor'],
      [2, 'CitationAdded', 'test-editor'],
      [3, 'CitationAdded', 'test-editor'],
      [4, 'VerdictChanged', 'test-editor'],
    ]);
    expect(claim[0].data).toEqual(expect.objectContaining({ claimId, statement: 'Putin wants Kim to supply Russia with artillery shells and antitank missiles.' }));
    expect(claim[3].data).toEqual(expect.objectContaining({ from: 'unverified', to: 'reported' }));
    const source = items.filter((i) => i.streamId === `source-${sourceId}`);
    expect(source.map((i) => [i.version, i.type, i.actor])).toEqual([
      [1, 'SourceRegistered', 'test-editor'],
      [2, 'SourceRegraded', 'test-reviewer'],
    ]);
    const versionsByStream = new Map<string, number[]>();
    for (const item of items) versionsByStream.set(item.streamId, [...(versionsByStream.get(item.streamId) ?? []), item.version]);
    for (const versions of versionsByStream.values()) expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it('When new events are written after a reader reached the end, then the next page from its checkpoint holds exactly them', async () => {
    const pages = await readAll(100);
    const end = pages[pages.length - 1].nextCheckpoint;

    expect((await s.verdict(claimId, 'disputed', 'editor')).status).toBe(201);
    await t.horizonPassed();

    const next = await t.http.get('/api/events').query({ after: end }).set(t.auth('reader'));
    expect(next.status).toBe(200);
    expect(next.body.items).toEqual([expect.objectContaining({ streamId: `claim-${claimId}`, version: 5, type: 'VerdictChanged', actor: 'test-editor' })]);
    expect(next.body.nextCheckpoint).toBe(next.body.items[0].checkpoint);
    expect(isAfter(next.body.nextCheckpoint, end)).toBe(true);
  });

  it.each(['garbage', '12', '1-', '-1', '1-2-3', '1.5-2', '99999999999999999999-1', '1-9999999999999999999', '18446744073709551616-1'])(
    'When the log is asked for events after %j, then it is a 400 problem',
    async (after) => {
      expectProblem(await t.http.get('/api/events').query({ after }).set(t.auth('reader')), 400, 'EVENTS.INVALID_CHECKPOINT');
    },
  );

  it.each(['0', '1001', 'ten'])('When the log is asked for limit=%j, then it is a 400 problem', async (limit) => {
    expectProblem(await t.http.get('/api/events').query({ limit }).set(t.auth('reader')), 400, 'REQUEST.VALIDATION_FAILED');
  });

  it('When the log is asked for without a key, then it is a 401 problem', async () => {
    expectProblem(await t.http.get('/api/events'), 401, 'AUTH.UNAUTHENTICATED');
  });
});
