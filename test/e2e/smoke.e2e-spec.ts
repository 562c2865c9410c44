import { startTestApp, type TestApp } from '../support/test-app';

describe('The API, started as in production', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('When an editor opens a story, then a reader reads it back with its version as ETag', async () => {
    const opened = await t.http
      .post('/api/stories')
      .set(t.auth('editor'))
      .send({ slug: 'kim-visit', headline: 'Kim Jong-un plans to visit Russia', body: 'Kim is expected in Vladivostok.', desk: 'world' })
      .expect(201);
    const read = await t.http.get(`/api/stories/${opened.body.id}`).set(t.auth('reader')).expect(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.body).toMatchObject({ slug: 'kim-visit', desk: 'world', version: 1, claims: [] });
  });
});
