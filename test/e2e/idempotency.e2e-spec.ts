import type { Response } from 'supertest';
import { CLAIMS, citation, expectProblem, ifMatch, scene, storyBody, type Scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Idempotency-Key over HTTP', () => {
  let t: TestApp;
  let s: Scene;
  let storyId: string;
  let usOfficials: string;

  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
    storyId = (await s.story('kim-jong-un-russia-visit')).id;
    usOfficials = await s.source('usOfficials');
  });
  afterAll(() => t.close());

  const munitionsBody = () => ({ storyId, ...CLAIMS.munitions, citations: [citation(usOfficials, { access: 'anonymous' })] });
  const postClaim = (key: string, body: Record<string, unknown>) => t.http.post('/api/claims').set(t.auth('editor')).set('Idempotency-Key', key).send(body);

  const claimIdsOf = async (story: string): Promise<string[]> => {
    const res = await t.http.get('/api/claims').query({ storyId: story, limit: 100 }).set(t.auth('reader'));
    expect(res.status).toBe(200);
    return (res.body.items as { id: string }[]).map((c) => c.id);
  };

  it('When a claim is posted twice with the same key and body, then the second answer repeats the first and only one claim exists', async () => {
    const before = await t.eventCount();

    const first = await postClaim('claim-munitions-1', munitionsBody());
    const second = await postClaim('claim-munitions-1', munitionsBody());

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers.location).toBe(first.headers.location);
    expect(await t.eventCount()).toBe(before + 2);
    expect((await claimIdsOf(storyId)).filter((id) => id === first.body.id)).toHaveLength(1);
  });

  it('When a retry reorders the keys of the same body, then it is still the same request', async () => {
    const body = munitionsBody();
    const first = await postClaim('claim-reordered-1', body);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const before = await t.eventCount();

    const second = await postClaim('claim-reordered-1', reordered);

    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(await t.eventCount()).toBe(before);
  });

  it('When the same key comes with another body, then it is a 422 problem and nothing is written', async () => {
    const first = await postClaim('claim-food-aid-1', { storyId, ...CLAIMS.foodAid });
    expect(first.status).toBe(201);
    const before = await t.eventCount();

    const other = await postClaim('claim-food-aid-1', { storyId, ...CLAIMS.foodAid, statement: 'Kim is seeking grain and fertiliser.' });

    expectProblem(other, 422, 'IDEMPOTENCY.KEY_REUSED');
    expect(await t.eventCount()).toBe(before);
  });

  it('When the same key is used on another endpoint, then it is a 422 problem', async () => {
    const first = await postClaim('shared-key-1', { storyId, ...CLAIMS.foodAid });
    expect(first.status).toBe(201);
    const before = await t.eventCount();
    const res = await t.http.post(`/api/claims/${first.body.id}/verdicts`).set(t.auth('editor')).set(ifMatch(1)).set('Idempotency-Key', 'shared-key-1').send({ verdict: 'reported', reason: 'x' });
    expectProblem(res, 422, 'IDEMPOTENCY.KEY_REUSED');
    expect(await t.eventCount()).toBe(before);
  });

  it('When different keys carry the same body, then two claims are recorded', async () => {
    const before = await t.eventCount();
    const a = await postClaim('claim-forum-a', { storyId, ...CLAIMS.forum });
    const b = await postClaim('claim-forum-b', { storyId, ...CLAIMS.forum });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(await t.eventCount()).toBe(before + 2);
  });

  it('When a verdict change is retried with its key after it succeeded, then the first answer comes back without a second event, though its If-Match is now stale', async () => {
    const claim = await s.claim(storyId, 'foodAid');
    const verdict = () =>
      t.http
        .post(`/api/claims/${claim.id}/verdicts`)
        .set(t.auth('editor'))
        .set(ifMatch(1))
        .set('Idempotency-Key', 'verdict-food-aid-reported')
        .send({ verdict: 'reported', reason: 'US officials say Kim is seeking food aid.' });

    const first = await verdict();
    expect(first.status).toBe(201);
    expect(first.headers.etag).toBe('"2"');
    const before = await t.eventCount();

    const retry = await verdict();

    expect(retry.status).toBe(201);
    expect(retry.headers.etag).toBe('"2"');
    expect(retry.body).toEqual(first.body);
    expect(await t.eventCount()).toBe(before);
    const staleWithoutKey = await t.http
      .post(`/api/claims/${claim.id}/verdicts`)
      .set(t.auth('editor'))
      .set(ifMatch(1))
      .send({ verdict: 'reported', reason: 'US officials say Kim is seeking food aid.' });
    expectProblem(staleWithoutKey, 412, 'STREAM.VERSION_CONFLICT');
  });

  it('When the first request with a key was refused, then a corrected retry with that key runs anew', async () => {
    const claim = await s.claim(storyId, 'technology');
    const body = { verdict: 'reported', reason: 'US officials describe the technology Kim wants.' };
    const post = (version: number) =>
      t.http.post(`/api/claims/${claim.id}/verdicts`).set(t.auth('editor')).set(ifMatch(version)).set('Idempotency-Key', 'verdict-technology').send(body);

    expectProblem(await post(7), 412, 'STREAM.VERSION_CONFLICT');
    const retried = await post(1);

    expect(retried.status).toBe(201);
    expect(retried.body.verdict).toBe('reported');
  });

  it('When a story is posted twice with the same key, then the second answer repeats the first rather than calling the slug taken', async () => {
    const post = () => t.http.post('/api/stories').set(t.auth('editor')).set('Idempotency-Key', 'story-vostochny-1').send(storyBody('kim-putin-vostochny-summit'));
    const first = await post();
    expect(first.status).toBe(201);
    const before = await t.eventCount();

    const second = await post();

    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await t.eventCount()).toBe(before);
  });

  it('When five identical requests with one key arrive at once, then exactly one claim is recorded and every answer is that claim or IDEMPOTENCY.IN_PROGRESS', async () => {
    const story = (await s.story('kim-visit-concurrent-retries')).id;
    const body = { storyId: story, ...CLAIMS.munitions, citations: [citation(usOfficials, { access: 'anonymous' })] };
    const before = await t.eventCount();

    const answers: Response[] = await Promise.all(Array.from({ length: 5 }, () => postClaim('claim-concurrent-1', body)));

    const created = answers.filter((res) => res.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    const ids = new Set(created.map((res) => res.body.id as string));
    expect(ids.size).toBe(1);
    for (const res of answers.filter((r) => r.status !== 201)) expectProblem(res, 409, 'IDEMPOTENCY.IN_PROGRESS');
    for (const res of created) expect(res.body).toEqual(created[0].body);
    expect(await claimIdsOf(story)).toEqual([...ids]);
    expect(await t.eventCount()).toBe(before + 2);

    const later = await postClaim('claim-concurrent-1', body);
    expect(later.status).toBe(201);
    expect(later.body.id).toBe([...ids][0]);
  });

  it.each([
    ['longer than 200 characters', 'k'.repeat(201)],
    ['not printable ASCII', 'clé-de-requête'],
  ])('When the Idempotency-Key is %s, then it is a 400 problem', async (_label, key) => {
    const before = await t.eventCount();
    const res = await t.http.post('/api/claims').set(t.auth('editor')).set('Idempotency-Key', Buffer.from(key).toString('latin1')).send({ storyId, ...CLAIMS.foodAid });
    expectProblem(res, 400, 'IDEMPOTENCY.INVALID_KEY');
    expect(await t.eventCount()).toBe(before);
  });
});
