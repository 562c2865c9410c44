import { startTestApp, type TestApp } from '../support/test-app';

describe('Details of the HTTP contract', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('When a time comes without a zone, then 400 names the field and nothing is stored', async () => {
    const before = await t.eventCount();
    const res = await t.http
      .post('/api/stories')
      .set(t.auth('editor'))
      .send({ slug: 'forum', headline: 'Eastern Economic Forum', body: 'September 10 to 13.', publishedAt: '2023-09-04T22:00:00' })
      .expect(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'publishedAt' })]);
    expect(await t.eventCount()).toBe(before);
    await t.http.get('/api/claims?asOf=2023-09-05T12:00:00').set(t.auth('reader')).expect(400);
  });

  it('When the credentials are missing, then 401 says how to authenticate', async () => {
    const res = await t.http.get('/api/stories').expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="claimtrail"');
  });

  it('When the scheme is written in lower case, then the key is still accepted', async () => {
    await t.http.get('/api/stories').set('Authorization', `bearer ${t.keys.reader}`).expect(200);
  });
});

describe('ETags on every resource read', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('When a story’s revisions, its diff and a claim’s history and ClaimReview are read, then each carries the stream version as ETag', async () => {
    const story = await t.http
      .post('/api/stories')
      .set(t.auth('editor'))
      .send({ slug: 'kim-visit', headline: 'Kim plans to visit Russia', body: 'Kim will travel by armored train.' })
      .expect(201);
    await t.http
      .post(`/api/stories/${story.body.id}/revisions`)
      .set({ ...t.auth('editor'), 'If-Match': '"1"' })
      .send({ body: 'Kim will travel by armored train to Vladivostok.', kind: 'update', note: 'Destination added.' })
      .expect(201);
    expect((await t.http.get(`/api/stories/${story.body.id}/revisions`).set(t.auth('reader')).expect(200)).headers.etag).toBe('"2"');
    expect((await t.http.get(`/api/stories/${story.body.id}/diff?from=1&to=2`).set(t.auth('reader')).expect(200)).headers.etag).toBe('"2"');
    const claim = await t.http
      .post('/api/claims')
      .set(t.auth('editor'))
      .send({ storyId: story.body.id, statement: 'Kim will travel by armored train.', kind: 'assertion', topics: ['travel'], actors: ['Kim Jong-un'] })
      .expect(201);
    await t.http
      .post(`/api/claims/${claim.body.id}/verdicts`)
      .set({ ...t.auth('reviewer'), 'If-Match': '"1"' })
      .send({ verdict: 'disputed', reason: 'Officials disagree on the route.' })
      .expect(201);
    expect((await t.http.get(`/api/claims/${claim.body.id}/history`).set(t.auth('reader')).expect(200)).headers.etag).toBe('"2"');
    expect((await t.http.get(`/api/claims/${claim.body.id}/claimreview`).set(t.auth('reader')).expect(200)).headers.etag).toBe('"2"');
  });
});
