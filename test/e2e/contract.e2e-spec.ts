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
