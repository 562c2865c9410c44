import { CLAIMS, expectProblem } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const WRITES = 5;
const FAILED_AUTH = 4;
const WINDOW_SECONDS = 30;
const WRONG_KEY = 'Bearer ct_3q2-7wEVjiJ2ztgJ8xTRr7cjb7sF6kUQxAzR6VVcDQ8';

describe('Rate limits', () => {
  let t: TestApp;
  let storyId: string;

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_WRITES: String(WRITES),
      RATE_LIMIT_FAILED_AUTH: String(FAILED_AUTH),
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
    // The reviewer sets the scene, so the editor's budget is untouched.
    const res = await t.http.post('/api/stories').set(t.auth('reviewer')).send({ slug: 'kim-visit-limits', headline: 'Kim plans to visit Russia', body: 'Kim is expected.' });
    expect(res.status).toBe(201);
    storyId = res.body.id as string;
  });
  afterAll(() => t.close());

  const expectRetryAfter = (value: string | undefined) => {
    expect(value).toMatch(/^\d+$/);
    expect(Number(value)).toBeGreaterThanOrEqual(1);
    expect(Number(value)).toBeLessThanOrEqual(WINDOW_SECONDS);
  };

  it('When a key makes more writes than its limit, then the next write is a 429 with Retry-After and nothing is stored; reads, health and other keys go on', async () => {
    const claim = () => t.http.post('/api/claims').set(t.auth('editor')).send({ storyId, ...CLAIMS.foodAid });
    // Refused writes count too: a client that hammers with bad bodies is throttled as well.
    expect((await t.http.post('/api/claims').set(t.auth('editor')).send({})).status).toBe(400);
    for (let i = 1; i < WRITES; i++) expect((await claim()).status).toBe(201);
    const before = await t.eventCount();
    const throttled = await claim();
    expectProblem(throttled, 429, 'REQUEST.THROTTLED');
    expectRetryAfter(throttled.headers['retry-after']);
    expectProblem(await t.http.delete(`/api/claims/${storyId}/citations/${storyId}`).set(t.auth('editor')).send({ reason: 'x' }), 429);
    expect(await t.eventCount()).toBe(before);

    for (let i = 0; i < 3 * WRITES; i++) expect((await t.http.get('/api/claims').set(t.auth('editor'))).status).toBe(200);
    expect((await t.http.get('/health/live')).status).toBe(200);
    expect((await t.http.get('/health/ready')).status).toBe(200);
    const other = await t.http.post('/api/claims').set(t.auth('reviewer')).send({ storyId, ...CLAIMS.technology });
    expect(other.status).toBe(201);
  });

  it('When an address fails to authenticate more often than its limit, then the next failure is a 429 with Retry-After; a valid key still works', async () => {
    for (let i = 0; i < FAILED_AUTH; i++) {
      const res = i % 2 === 0 ? await t.http.get('/api/claims').set('Authorization', WRONG_KEY) : await t.http.post('/api/claims').send({});
      expectProblem(res, 401, 'AUTH.UNAUTHENTICATED');
    }
    const throttled = await t.http.get('/api/claims').set('Authorization', WRONG_KEY);
    expectProblem(throttled, 429, 'REQUEST.THROTTLED');
    expectRetryAfter(throttled.headers['retry-after']);
    expectProblem(await t.http.get('/api/stories').set('Authorization', 'Bearer short'), 429);

    expect((await t.http.get('/api/claims').set(t.auth('reader'))).status).toBe(200);
    expect((await t.http.get('/health/live')).status).toBe(200);
  });

  it('When the limit is exceeded, then Retry-After names the remaining block, and after it the key may write again', async () => {
    const fresh = await startTestApp({ RATE_LIMIT_WRITES: '2', RATE_LIMIT_WINDOW_SECONDS: '1' });
    try {
      const story = (n: number) => fresh.http.post('/api/stories').set(fresh.auth('editor')).send({ slug: `limits-${n}`, headline: 'Kim', body: 'Kim.' });
      expect((await story(1)).status).toBe(201);
      expect((await story(2)).status).toBe(201);
      const throttled = await story(3);
      expectProblem(throttled, 429);
      expect(throttled.headers['retry-after']).toBe('1');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await story(4)).status).toBe(201);
    } finally {
      await fresh.close();
    }
  });

  it('When TRUST_PROXY names the proxy, then failed logins count per forwarded client address; without it a forged X-Forwarded-For changes nothing', async () => {
    const behindProxy = await startTestApp({ RATE_LIMIT_FAILED_AUTH: '2', TRUST_PROXY: 'loopback' });
    try {
      const fail = (client: string) => behindProxy.http.get('/api/claims').set('Authorization', WRONG_KEY).set('X-Forwarded-For', client);
      expect((await fail('198.51.100.7')).status).toBe(401);
      expect((await fail('198.51.100.7')).status).toBe(401);
      expect((await fail('198.51.100.7')).status).toBe(429);
      expect((await fail('203.0.113.9')).status).toBe(401);
    } finally {
      await behindProxy.close();
    }
    const direct = await startTestApp({ RATE_LIMIT_FAILED_AUTH: '2' });
    try {
      const fail = (client: string) => direct.http.get('/api/claims').set('Authorization', WRONG_KEY).set('X-Forwarded-For', client);
      expect((await fail('198.51.100.7')).status).toBe(401);
      expect((await fail('198.51.100.8')).status).toBe(401);
      expect((await fail('198.51.100.9')).status).toBe(429);
    } finally {
      await direct.close();
    }
  });
});
