import { expectProblem } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Operations endpoints over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('When the liveness probe is called without a key, then it answers 200 ok', async () => {
    const res = await t.http.get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('When the readiness probe is called without a key, then it reports the database reachable and the migrations applied', async () => {
    const res = await t.http.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({
        status: 'ok',
        error: {},
        info: expect.objectContaining({ database: { status: 'up' }, migrations: { status: 'up' } }),
      }),
    );
    for (const check of Object.values(res.body.info as Record<string, { status: string }>)) expect(check.status).toBe('up');
  });

  it('When the OpenAPI document is fetched without a key, then it describes the contract’s routes', async () => {
    const res = await t.http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    const expected: [string, string][] = [
      ['/api/stories', 'post'],
      ['/api/stories', 'get'],
      ['/api/stories/{id}', 'get'],
      ['/api/stories/{id}/revisions', 'post'],
      ['/api/stories/{id}/revisions', 'get'],
      ['/api/stories/{id}/diff', 'get'],
      ['/api/sources', 'post'],
      ['/api/sources', 'get'],
      ['/api/sources/{id}', 'get'],
      ['/api/sources/{id}/grades', 'post'],
      ['/api/claims', 'post'],
      ['/api/claims', 'get'],
      ['/api/claims/{id}', 'get'],
      ['/api/claims/{id}/citations', 'post'],
      ['/api/claims/{id}/citations/{citationId}', 'delete'],
      ['/api/claims/{id}/verdicts', 'post'],
      ['/api/claims/{id}/rewordings', 'post'],
      ['/api/claims/{id}/resolution', 'post'],
      ['/api/claims/{id}/relations', 'post'],
      ['/api/claims/{id}/withdrawal', 'post'],
      ['/api/claims/{id}/reinstatement', 'post'],
      ['/api/claims/{id}/history', 'get'],
      ['/api/claims/{id}/claimreview', 'get'],
      ['/api/events', 'get'],
    ];
    for (const [path, method] of expected) expect({ path, method, documented: paths[path]?.[method] !== undefined }).toEqual({ path, method, documented: true });
    const verdictSchema = res.body.components.schemas.VerdictDto;
    expect(verdictSchema.required).toEqual(expect.arrayContaining(['verdict', 'reason']));
    expect(verdictSchema.properties.verdict.enum).toEqual(['unverified', 'reported', 'corroborated', 'confirmed', 'disputed', 'misleading', 'false', 'inconclusive']);
  });

  it('When Prometheus scrapes /metrics without a key, then it gets the text exposition format', async () => {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^# HELP claimtrail_/m);
  });

  it('When any API answer goes out, then it carries the security headers and no X-Powered-By', async () => {
    const res = await t.http.get('/health/live');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('When the API is called without a key, then only the probes and the documentation are open', async () => {
    expectProblem(await t.http.get('/api/stories'), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await t.http.get('/api/sources'), 401, 'AUTH.UNAUTHENTICATED');
  });
});
