import { randomUUID } from 'node:crypto';
import { ApiKeys } from '../../src/auth/api-keys.service';
import { citation, CLAIMS, ifMatch, scene, type Scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * GET /api/claims/:id checks what the caller may see in the statement that reads the claim
 * (`story_visible`), and a change answers with the state its command folded instead of reading the
 * view again: both must answer exactly what the separate check and read answered.
 */
describe('Claim reads and change responses', () => {
  let t: TestApp;
  let s: Scene;
  let politics: { Authorization: string };
  let draftClaim: string;
  let publishedClaim: string;
  let sourceId: string;

  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
    politics = { Authorization: `Bearer ${(await t.app.get(ApiKeys).create('politics-reader', 'reader', ['politics'])).token}` };
    const draft = await s.story('claim-reads-draft', { publishedAt: undefined });
    const published = await s.story('claim-reads-published');
    draftClaim = (await s.claim(draft.id, 'munitions')).id;
    publishedClaim = (await s.claim(published.id, 'foodAid')).id;
    sourceId = await s.source('usOfficials');
  });
  afterAll(() => t.close());

  it.each(['', '?version=1', '?asOf=2099-01-01T00:00:00Z'])(
    'When a key of another desk reads a draft’s claim%s, then the 404 is the one a missing id gets, and a published claim is read',
    async (query) => {
      const hidden = await t.http.get(`/api/claims/${draftClaim}${query}`).set(politics);
      const missingId = randomUUID();
      const missing = await t.http.get(`/api/claims/${missingId}${query}`).set(politics);
      expect(hidden.status).toBe(404);
      expect({ body: JSON.stringify(hidden.body).replaceAll(draftClaim, '<id>'), type: hidden.headers['content-type'] }).toEqual({
        body: JSON.stringify(missing.body).replaceAll(missingId, '<id>'),
        type: missing.headers['content-type'],
      });
      expect(JSON.stringify(hidden.headers)).not.toContain(draftClaim);
      const seen = await t.http.get(`/api/claims/${publishedClaim}${query}`).set(politics);
      expect({ status: seen.status, id: seen.body.id }).toEqual({ status: 200, id: publishedClaim });
      const own = await t.http.get(`/api/claims/${draftClaim}${query}`).set(t.auth('reader'));
      expect({ status: own.status, id: own.body.id }).toEqual({ status: 200, id: draftClaim });
    },
  );

  it('When a claim is recorded, cited and judged, then each response equals the claim read back at that version', async () => {
    const story = await s.story('claim-reads-responses');
    const recorded = await t.http.post('/api/claims').set(t.auth('editor')).send({ storyId: story.id, ...CLAIMS.munitions });
    expect(recorded.status).toBe(201);
    const id = recorded.body.id as string;
    const cited = await t.http.post(`/api/claims/${id}/citations`).set(t.auth('editor')).set(ifMatch(1)).send(citation(sourceId));
    expect(cited.status).toBe(201);
    const judged = await t.http
      .post(`/api/claims/${id}/verdicts`)
      .set(t.auth('editor'))
      .set(ifMatch(2))
      .send({ verdict: 'reported', reason: 'US officials say so on background.' });
    expect(judged.status).toBe(201);
    for (const res of [recorded, cited, judged]) {
      const version = res.body.version as number;
      expect(res.headers.etag).toBe(`"${version}"`);
      const read = await t.http.get(`/api/claims/${id}?version=${version}`).set(t.auth('reader'));
      expect(res.body).toEqual(read.body);
    }
    const current = await t.http.get(`/api/claims/${id}`).set(t.auth('reader'));
    expect(judged.body).toEqual(current.body);
  });

  it('When a change is replayed with its Idempotency-Key, then it answers the first response again', async () => {
    const story = await s.story('claim-reads-replay');
    const { id } = await s.claim(story.id, 'foodAid');
    const send = () =>
      t.http
        .post(`/api/claims/${id}/verdicts`)
        .set(t.auth('editor'))
        .set(ifMatch(1))
        .set('Idempotency-Key', `claim-reads-${id}`)
        .send({ verdict: 'reported', reason: 'The agency reported it.' });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(201);
    expect({ status: again.status, body: again.body }).toEqual({ status: first.status, body: first.body });
  });
});
