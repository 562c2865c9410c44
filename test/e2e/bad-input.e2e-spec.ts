import type { Response, Test } from 'supertest';
import { ApiKeys } from '../../src/auth/api-keys.service';
import { CLAIMS, SOURCES, citation, expectProblem, ifMatch, scene, storyBody, type Scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

type Role = 'reader' | 'editor' | 'reviewer' | 'admin';

interface Endpoint {
  readonly name: string;
  readonly method: 'post' | 'delete';
  readonly path: () => string;
  readonly role: Role;
  /** Resource read for the current ETag when the endpoint changes an existing resource. */
  readonly versionOf?: () => string;
  readonly valid: () => Record<string, unknown>;
  readonly required: readonly string[];
}

const UNKNOWN_ID = '7c0a4b1e-2d3f-4a5b-9c6d-8e7f0a1b2c3d';
const deeplyNested = (depth: number): unknown => (depth === 0 ? 'Vladivostok' : [deeplyNested(depth - 1)]);
const fieldsOf = (res: Response): string[] => [...new Set((res.body.errors as { field: string }[] | undefined)?.map((e) => e.field) ?? [])].sort();

describe('Bad input over HTTP', () => {
  let t: TestApp;
  let s: Scene;
  let storyId: string;
  let sourceId: string;
  let claimId: string;
  let forecastId: string;
  let citationId: string;

  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
    storyId = (await s.story('kim-jong-un-russia-visit')).id;
    sourceId = await s.source('usOfficials');
    const claim = await s.claim(storyId, 'foodAid', { citations: [citation(sourceId, { access: 'anonymous' })] });
    claimId = claim.id;
    citationId = (claim.body.citations as { id: string }[])[0].id;
    forecastId = (await s.claim(storyId, 'forum')).id;
  });
  afterAll(() => t.close());

  const endpoints: Endpoint[] = [
    {
      name: 'POST /api/stories',
      method: 'post',
      path: () => '/api/stories',
      role: 'editor',
      valid: () => storyBody('kim-visit-never-written'),
      required: ['body', 'headline', 'slug'],
    },
    {
      name: 'POST /api/stories/{id}/revisions',
      method: 'post',
      path: () => `/api/stories/${storyId}/revisions`,
      role: 'editor',
      versionOf: () => `/api/stories/${storyId}`,
      valid: () => ({ body: 'Kim Jong-un arrived in Russia by armored train.', kind: 'update', note: 'Kim has arrived.' }),
      required: ['body', 'kind', 'note'],
    },
    {
      name: 'POST /api/stories/{id}/archival',
      method: 'post',
      path: () => `/api/stories/${storyId}/archival`,
      role: 'reviewer',
      versionOf: () => `/api/stories/${storyId}`,
      valid: () => ({ reason: 'Superseded.' }),
      required: ['reason'],
    },
    {
      name: 'POST /api/sources',
      method: 'post',
      path: () => '/api/sources',
      role: 'editor',
      valid: () => ({ ...SOURCES.kremlin }),
      required: ['anonymous', 'descriptor', 'kind', 'rationale', 'reliability'],
    },
    {
      name: 'POST /api/sources/{id}/grades',
      method: 'post',
      path: () => `/api/sources/${sourceId}/grades`,
      role: 'reviewer',
      versionOf: () => `/api/sources/${sourceId}`,
      valid: () => ({ reliability: 'B', rationale: 'Held up.' }),
      required: ['rationale', 'reliability'],
    },
    {
      name: 'POST /api/claims',
      method: 'post',
      path: () => '/api/claims',
      role: 'editor',
      valid: () => ({ storyId, ...CLAIMS.munitions, citations: [citation(sourceId)] }),
      required: ['actors', 'kind', 'statement', 'storyId', 'topics'],
    },
    {
      name: 'POST /api/claims/{id}/citations',
      method: 'post',
      path: () => `/api/claims/${claimId}/citations`,
      role: 'editor',
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => citation(sourceId, { role: 'claimant' }),
      required: ['access', 'credibility', 'role', 'sourceId', 'stance'],
    },
    {
      name: 'DELETE /api/claims/{id}/citations/{citationId}',
      method: 'delete',
      path: () => `/api/claims/${claimId}/citations/${citationId}`,
      role: 'editor',
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ reason: 'Misattributed.' }),
      required: ['reason'],
    },
    {
      name: 'POST /api/claims/{id}/verdicts',
      method: 'post',
      path: () => `/api/claims/${claimId}/verdicts`,
      role: 'editor',
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ verdict: 'reported', reason: 'US officials said so.' }),
      required: ['reason', 'verdict'],
    },
    {
      name: 'POST /api/claims/{id}/rewordings',
      method: 'post',
      path: () => `/api/claims/${claimId}/rewordings`,
      role: 'editor',
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ statement: 'Kim wants food aid.', reason: 'Shorter.' }),
      required: ['reason', 'statement'],
    },
    {
      name: 'POST /api/claims/{id}/resolution',
      method: 'post',
      path: () => `/api/claims/${forecastId}/resolution`,
      role: 'editor',
      versionOf: () => `/api/claims/${forecastId}`,
      valid: () => ({ outcome: 'occurred_differently', reason: 'Kim skipped the forum.' }),
      required: ['outcome', 'reason'],
    },
    {
      name: 'POST /api/claims/{id}/relations',
      method: 'post',
      path: () => `/api/claims/${claimId}/relations`,
      role: 'editor',
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ relation: 'part_of', claimId: forecastId }),
      required: ['claimId', 'relation'],
    },
    {
      name: 'POST /api/claims/{id}/withdrawal',
      method: 'post',
      path: () => `/api/claims/${claimId}/withdrawal`,
      role: 'reviewer',
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ reason: 'Cut from the story.' }),
      required: ['reason'],
    },
    {
      name: 'POST /api/claims/{id}/reinstatement',
      method: 'post',
      path: () => `/api/claims/${claimId}/reinstatement`,
      role: 'reviewer',
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ reason: 'Restored.' }),
      required: ['reason'],
    },
  ];

  const byName = (name: string): Endpoint => {
    const endpoint = endpoints.find((e) => e.name === name);
    if (!endpoint) throw new Error(`no endpoint ${name}`);
    return endpoint;
  };

  const currentVersion = async (path: string): Promise<number> => {
    const res = await t.http.get(path).set(t.auth('reader'));
    expect(res.status).toBe(200);
    return Number(JSON.parse(res.headers.etag));
  };

  /** Sends the request as its role would, with a fresh If-Match where one is needed; `finish` adds the body. */
  const send = async (endpoint: Endpoint, finish: (req: Test) => Test, role: Role = endpoint.role): Promise<Response> => {
    const version = endpoint.versionOf ? await currentVersion(endpoint.versionOf()) : null;
    const req = t.http[endpoint.method](endpoint.path()).set(t.auth(role));
    return finish(version === null ? req : req.set(ifMatch(version)));
  };

  /** Sends a request that must be refused: a problem with this status, and not one event written. */
  const rejected = async (send: () => PromiseLike<Response>, status: number, code?: string): Promise<Response> => {
    const before = await t.eventCount();
    const res = await send();
    expectProblem(res, status, code);
    expect(await t.eventCount()).toBe(before);
    return res;
  };

  const sendJson = (endpoint: Endpoint, body: Record<string, unknown>) => () => send(endpoint, (req) => req.send(body));
  const sendRaw = (endpoint: Endpoint, raw: string, type = 'application/json') => () =>
    send(endpoint, (req) => req.set('Content-Type', type).send(raw));

  describe('bodies that do not fit the contract', () => {
    it.each(endpoints.map((e) => [e.name, e] as const))('When %s gets an unknown field, then it is a 400 that lists the field', async (_name, endpoint) => {
      const res = await rejected(sendJson(endpoint, { ...endpoint.valid(), bogus: 'x' }), 400, 'REQUEST.VALIDATION_FAILED');
      expect(res.body.errors).toEqual([{ field: 'bogus', message: 'unknown field' }]);
    });

    it.each(endpoints.map((e) => [e.name, e] as const))('When %s gets an empty object, then it is a 400 that lists every required field', async (_name, endpoint) => {
      const res = await rejected(sendJson(endpoint, {}), 400, 'REQUEST.VALIDATION_FAILED');
      expect(fieldsOf(res)).toEqual([...endpoint.required].sort());
      for (const error of res.body.errors as { field: string; message: string }[]) expect(error.message).toEqual(expect.any(String));
    });

    it('When a citation inside a new claim carries an unknown field, then the error names it by its path', async () => {
      const claims = byName('POST /api/claims');
      const res = await rejected(sendJson(claims, { ...claims.valid(), citations: [{ ...citation(sourceId), secretName: 'Jane' }] }), 400);
      expect(res.body.errors).toEqual([{ field: 'citations.0.secretName', message: 'unknown field' }]);
      expect(res.text).not.toContain('Jane');
    });

    it.each([
      ['POST /api/stories', { slug: 42 }, 'slug'],
      ['POST /api/stories', { desk: ['world'] }, 'desk'],
      ['POST /api/stories', { url: 'javascript:alert(1)' }, 'url'],
      ['POST /api/stories', { publishedAt: 'last Monday' }, 'publishedAt'],
      ['POST /api/stories/{id}/revisions', { body: { text: 'Kim arrived.' } }, 'body'],
      ['POST /api/sources', { anonymous: 'yes' }, 'anonymous'],
      ['POST /api/sources', { descriptor: '' }, 'descriptor'],
      ['POST /api/claims', { storyId: 'kim-jong-un-russia-visit' }, 'storyId'],
      ['POST /api/claims', { topics: 'food-aid' }, 'topics'],
      ['POST /api/claims', { topics: ['Food Aid'] }, 'topics'],
      ['POST /api/claims', { actors: [1, 2] }, 'actors'],
      ['POST /api/claims', { citations: { sourceId: 'x' } }, 'citations'],
      ['POST /api/claims', { citations: [null] }, 'citations.0'],
      ['POST /api/claims', { occurredAt: 'yesterday' }, 'occurredAt'],
      ['POST /api/claims', { statement: 'x'.repeat(2001) }, 'statement'],
      ['POST /api/claims/{id}/citations', { credibility: '1' }, 'credibility'],
      ['POST /api/claims/{id}/citations', { credibility: 2.5 }, 'credibility'],
      ['POST /api/claims/{id}/citations', { sourceId: 12 }, 'sourceId'],
      ['POST /api/claims/{id}/verdicts', { override: 'true' }, 'override'],
      ['POST /api/claims/{id}/verdicts', { reason: 42 }, 'reason'],
      ['POST /api/claims/{id}/relations', { claimId: 12 }, 'claimId'],
    ] as const)('When %s gets a value of the wrong type or shape (case %#), then it is a 400 that names the field', async (name, patch, field) => {
      const endpoint = byName(name);
      const res = await rejected(sendJson(endpoint, { ...endpoint.valid(), ...patch }), 400, 'REQUEST.VALIDATION_FAILED');
      const fields = fieldsOf(res);
      expect(fields).toContain(field);
      expect(fields.filter((f) => f !== field && !f.startsWith(`${field}.`))).toEqual([]);
    });

    it.each([
      ['POST /api/claims/{id}/verdicts', { verdict: 'true' }, 'verdict'],
      ['POST /api/claims/{id}/verdicts', { verdict: 'CONFIRMED' }, 'verdict'],
      ['POST /api/claims/{id}/citations', { role: 'witness' }, 'role'],
      ['POST /api/claims/{id}/citations', { stance: 'maybe' }, 'stance'],
      ['POST /api/claims/{id}/citations', { access: 'leaked' }, 'access'],
      ['POST /api/claims', { kind: 'rumour' }, 'kind'],
      ['POST /api/claims', { citations: [{ ...citation(UNKNOWN_ID), role: 'witness' }] }, 'citations.0.role'],
      ['POST /api/sources', { kind: 'blogger' }, 'kind'],
      ['POST /api/sources', { reliability: 'G' }, 'reliability'],
      ['POST /api/sources/{id}/grades', { reliability: 'a' }, 'reliability'],
      ['POST /api/claims/{id}/resolution', { outcome: 'maybe' }, 'outcome'],
      ['POST /api/claims/{id}/relations', { relation: 'likes' }, 'relation'],
      ['POST /api/stories/{id}/revisions', { kind: 'typo' }, 'kind'],
    ] as const)('When %s gets an unknown enumeration value (case %#), then it is a 400 that names the field', async (name, patch, field) => {
      const endpoint = byName(name);
      const res = await rejected(sendJson(endpoint, { ...endpoint.valid(), ...patch }), 400, 'REQUEST.VALIDATION_FAILED');
      expect(fieldsOf(res)).toEqual([field]);
    });

    it.each([0, 7, -1, 6.5])('When a citation has credibility %p, then it is a 400 that names credibility', async (credibility) => {
      const cite = byName('POST /api/claims/{id}/citations');
      expect(fieldsOf(await rejected(sendJson(cite, { ...cite.valid(), credibility }), 400))).toEqual(['credibility']);
      const record = byName('POST /api/claims');
      const res = await rejected(sendJson(record, { ...record.valid(), citations: [citation(sourceId, { credibility })] }), 400);
      expect(fieldsOf(res)).toEqual(['citations.0.credibility']);
    });
  });

  describe('bodies that are not JSON, or not storable', () => {
    it.each(['{"statement": ', '{"statement": "Kim",}', "{'statement': 'Kim'}", '{"statement": "Kim"} trailing'])(
      'When the body is the malformed JSON %j, then it is a 400 problem',
      async (raw) => {
        await rejected(sendRaw(byName('POST /api/claims'), raw), 400, 'REQUEST.MALFORMED_JSON');
      },
    );

    it.each(['null', '"Kim Jong-un"', '42', '[]', '[{"statement": "Kim"}]'])('When the JSON body is %s rather than an object, then it is a 400 problem', async (raw) => {
      await rejected(sendRaw(byName('POST /api/claims'), raw), 400);
    });

    it.each([
      ['text/plain', 'Kim Jong-un plans to visit Russia'],
      ['application/x-www-form-urlencoded', 'statement=Kim'],
      ['application/xml', '<claim>Kim</claim>'],
      ['application/json; charset=latin1', '{"statement": "Kim"}'],
    ])('When the body is sent as %s, then it is a 415 problem', async (type, raw) => {
      await rejected(sendRaw(byName('POST /api/claims'), raw, type), 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
    });

    it('When the body is over 100 kB, then it is a 413 problem', async () => {
      const claims = byName('POST /api/claims');
      const tooLarge = await rejected(sendJson(claims, { ...claims.valid(), statement: 'Kim Jong-un '.repeat(10_000) }), 413, 'REQUEST.TOO_LARGE');
      expect(tooLarge.body.detail).toBe('The body is larger than 100 kB.');
      const revision = byName('POST /api/stories/{id}/revisions');
      await rejected(sendJson(revision, { ...revision.valid(), body: 'x'.repeat(101 * 1024) }), 413, 'REQUEST.TOO_LARGE');
    });

    it.each([
      ['a NUL character in a value', '{"storyId": "%STORY%", "statement": "Kim\\u0000Jong-un", "kind": "assertion", "topics": [], "actors": []}', 'statement'],
      ['a lone high surrogate in a value', '{"storyId": "%STORY%", "statement": "Kim \\ud800", "kind": "assertion", "topics": [], "actors": []}', 'statement'],
      ['a lone low surrogate in a list', '{"storyId": "%STORY%", "statement": "Kim", "kind": "assertion", "topics": [], "actors": ["\\udc00"]}', 'actors.0'],
      ['a NUL character in a key', '{"storyId": "%STORY%", "statement": "Kim", "kind": "assertion", "topics": [], "actors": [], "a\\u0000b": 1}', null],
    ])('When the body carries %s, then it is a 400 problem', async (_label, raw, field) => {
      const res = await rejected(sendRaw(byName('POST /api/claims'), raw.replace('%STORY%', storyId)), 400);
      if (field !== null) expect(fieldsOf(res)).toEqual([field]);
    });

    it('When a query string carries a NUL character, then it is a 400 problem', async () => {
      expectProblem(await t.http.get('/api/claims').query({ q: 'Kim\u0000' }).set(t.auth('reader')), 400);
    });

    it.each([20, 5_000])('When the body is nested %i levels deep, then it is a 400 problem', async (depth) => {
      const claims = byName('POST /api/claims');
      await rejected(sendJson(claims, { ...claims.valid(), topics: deeplyNested(depth) }), 400);
    });

    it('When a deeply nested body carries an Idempotency-Key, then it is still a 400 problem', async () => {
      const claims = byName('POST /api/claims');
      const raw = `{"storyId": "${storyId}", "statement": "Kim", "kind": "assertion", "actors": [], "topics": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      await rejected(() => send(claims, (req) => req.set('Idempotency-Key', 'deep-nesting-1').set('Content-Type', 'application/json').send(raw)), 400);
    });

    it.each([
      ['__proto__ at the top', (valid: string) => `{"__proto__": {"polluted": "yes"}, ${valid}}`],
      ['__proto__ inside a citation', (valid: string) => `{${valid}, "citations": [{"__proto__": {"polluted": "yes"}, "sourceId": "${UNKNOWN_ID}", "role": "claimant", "stance": "supports", "credibility": 3, "access": "on_record"}]}`],
      ['constructor.prototype', (valid: string) => `{"constructor": {"prototype": {"polluted": "yes"}}, ${valid}}`],
    ])('When the body carries %s, then it is a 400 problem and no object is polluted', async (_label, build) => {
      const valid = `"storyId": "${storyId}", "statement": "Kim is seeking food aid.", "kind": "assertion", "topics": ["food-aid"], "actors": ["Kim Jong-un"]`;
      await rejected(sendRaw(byName('POST /api/claims'), build(valid)), 400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('When a number is 1e400, then it is a 400 problem, in a body and in a query', async () => {
      const cite = byName('POST /api/claims/{id}/citations');
      await rejected(sendRaw(cite, `{"sourceId": "${sourceId}", "role": "claimant", "stance": "supports", "credibility": 1e400, "access": "on_record"}`), 400);
      const claims = byName('POST /api/claims');
      await rejected(sendRaw(claims, `{"storyId": "${storyId}", "statement": 1e400, "kind": "assertion", "topics": [], "actors": []}`), 400);
      expectProblem(await t.http.get('/api/claims').query({ limit: '1e400' }).set(t.auth('reader')), 400);
      expectProblem(await t.http.get(`/api/claims/${claimId}`).query({ version: '1e400' }).set(t.auth('reader')), 400);
    });
  });

  describe('versions and ids', () => {
    it.each([
      ['POST /api/claims/{id}/verdicts', () => `/api/claims/${claimId}`],
      ['POST /api/stories/{id}/revisions', () => `/api/stories/${storyId}`],
      ['POST /api/sources/{id}/grades', () => `/api/sources/${sourceId}`],
      ['DELETE /api/claims/{id}/citations/{citationId}', () => `/api/claims/${claimId}`],
    ] as const)('When %s comes with a stale If-Match, then it is a 412 that carries the current version', async (name, resource) => {
      const endpoint = byName(name);
      const current = await currentVersion(resource());
      const res = await rejected(
        () => t.http[endpoint.method](endpoint.path()).set(t.auth(endpoint.role)).set(ifMatch(current - 1)).send(endpoint.valid()),
        412,
        'STREAM.VERSION_CONFLICT',
      );
      expect(res.body.currentVersion).toBe(current);
    });

    it.each(['abc', '*', '"-1"', '"1", "2"', '"99999999999"'])('When If-Match is %j, then it is a 400 problem', async (value) => {
      const endpoint = byName('POST /api/claims/{id}/verdicts');
      await rejected(() => t.http.post(endpoint.path()).set(t.auth('editor')).set('If-Match', value).send(endpoint.valid()), 400, 'REQUEST.INVALID_IF_MATCH');
    });

    it.each([
      ['get', '/api/claims/123'],
      ['get', '/api/claims/not-a-uuid/history'],
      ['get', '/api/claims/not-a-uuid/claimreview'],
      ['get', '/api/stories/kim-jong-un-russia-visit'],
      ['get', '/api/stories/kim/revisions'],
      ['get', '/api/stories/kim/diff?from=1&to=2'],
      ['get', '/api/sources/us-officials'],
      ['get', `/api/claims/${UNKNOWN_ID.toUpperCase()}x`],
      ['post', '/api/claims/123/verdicts'],
      ['post', '/api/stories/kim/revisions'],
      ['post', '/api/sources/us-officials/grades'],
      ['delete', '/api/claims/123/citations/456'],
      ['delete', `/api/claims/%CLAIM%/citations/456`],
    ] as const)('When %s %s names an id that is not a UUID, then it is a 404 or 400 problem, never a 500', async (method, path) => {
      const before = await t.eventCount();
      const req = t.http[method](path.replace('%CLAIM%', claimId)).set(t.auth(method === 'get' ? 'reader' : 'reviewer'));
      const res = method === 'get' ? await req : await req.set(ifMatch(1)).send({ verdict: 'reported', reason: 'Reported.' });
      expect([400, 404]).toContain(res.status);
      expectProblem(res, res.status);
      expect(await t.eventCount()).toBe(before);
    });

    it('When an id is long, then it is the 404 any id that is not a UUID gets, up to 500 characters, and a 414 problem beyond', async () => {
      const missing = await t.http.get('/api/claims/not-a-uuid').set(t.auth('reader'));
      expectProblem(missing, 404, 'CLAIM.NOT_FOUND');
      const long = await t.http.get(`/api/claims/${'a'.repeat(500)}`).set(t.auth('reader'));
      expect({ status: long.status, body: long.body }).toEqual({ status: 404, body: missing.body });
      const before = await t.eventCount();
      for (const res of [
        await t.http.get(`/api/claims/${'a'.repeat(501)}`).set(t.auth('reader')),
        await t.http.post(`/api/claims/${'a'.repeat(501)}/verdicts`).set(t.auth('reviewer')).set(ifMatch(1)).send({ verdict: 'reported', reason: 'Reported.' }),
      ]) {
        expectProblem(res, 414, 'REQUEST.URI_TOO_LONG');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
      expect(await t.eventCount()).toBe(before);
    });

    it.each(['/api/claims/%', '/api/claims/%E0%A4%A', `/api/claims/%CLAIM%/%ZZ`])(
      'When the path %s is not valid percent-encoding, then it is a 400 problem that says so',
      async (path) => {
        const before = await t.eventCount();
        const res = await t.http.get(path.replace('%CLAIM%', claimId)).set(t.auth('reader'));
        expectProblem(res, 400, 'REQUEST.MALFORMED_URL');
        expect(res.body.detail).toContain('%25');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(await t.eventCount()).toBe(before);
      },
    );

    it.each([
      ['garbage', 'not-a-cursor'],
      ['a plain position', 'p:1'],
      ['a position past every row of bigint', Buffer.from('p:9999999999999999999').toString('base64url')],
      ['a negative position', Buffer.from('p:-1').toString('base64url')],
    ])('When a list gets a cursor that is %s, then it is a 400 problem', async (_label, cursor) => {
      for (const path of ['/api/stories', '/api/sources', '/api/claims']) {
        expectProblem(await t.http.get(path).query({ cursor }).set(t.auth('reader')), 400, 'REQUEST.INVALID_CURSOR');
      }
    });

    it.each(['0', '101', 'ten', '1.5', '-1', ''])('When a list gets limit=%j, then it is a 400 problem', async (limit) => {
      expectProblem(await t.http.get('/api/claims').query({ limit }).set(t.auth('reader')), 400, 'REQUEST.VALIDATION_FAILED');
    });

    it('When a list gets an unknown or repeated query parameter, then it is a 400 problem', async () => {
      const unknown = await t.http.get('/api/claims').query({ bogus: '1' }).set(t.auth('reader'));
      expectProblem(unknown, 400, 'REQUEST.VALIDATION_FAILED');
      expect(unknown.body.errors).toEqual([{ field: 'bogus', message: 'unknown field' }]);
      expectProblem(await t.http.get('/api/claims?limit=1&limit=2').set(t.auth('reader')), 400, 'REQUEST.VALIDATION_FAILED');
    });

    it.each(['yesterday', 'September 5, 2023', '2023-09-05T25:00:00Z', '2023-02-30T00:00:00Z', '2023-W36', '2023-248', '2023-09-05T12:00:00Z[Asia/Seoul]', ''])(
      'When a read gets asOf=%j, then it is a 400 problem',
      async (asOf) => {
        for (const path of [`/api/claims/${claimId}`, `/api/stories/${storyId}`, `/api/sources/${sourceId}`]) {
          expectProblem(await t.http.get(path).query({ asOf }).set(t.auth('reader')), 400);
        }
      },
    );

    it.each(['0', '-1', 'two', '2.5', '99999999999'])('When a read gets version=%j, then it is a 400 problem', async (version) => {
      expectProblem(await t.http.get(`/api/claims/${claimId}`).query({ version }).set(t.auth('reader')), 400, 'REQUEST.VALIDATION_FAILED');
    });
  });

  describe('credentials and roles', () => {
    const claimBody = () => ({ storyId, ...CLAIMS.foodAid });

    it.each([
      ['no Authorization header', null],
      ['a Basic credential', 'Basic dGVzdC1lZGl0b3I6c2VjcmV0'],
      ['a bearer token that is too short', 'Bearer short'],
      ['a malformed bearer token', 'Bearer ct_has spaces in it and more'],
      ['an unknown key', 'Bearer ct_3q2-7wEVjiJ2ztgJ8xTRr7cjb7sF6kUQxAzR6VVcDQ8'],
      ['the scheme without a token', 'Bearer '],
    ])('When a request comes with %s, then it is a 401 problem and nothing is written', async (_label, header) => {
      const post = t.http.post('/api/claims');
      const get = t.http.get('/api/claims');
      const [posted, got] = header === null ? [post, get] : [post.set('Authorization', header), get.set('Authorization', header)];
      await rejected(() => posted.send(claimBody()), 401, 'AUTH.UNAUTHENTICATED');
      await rejected(() => got, 401, 'AUTH.UNAUTHENTICATED');
    });

    it('When a key is revoked, then the requests it makes afterwards are a 401 problem', async () => {
      const keys = t.app.get(ApiKeys);
      const { token } = await keys.create('night-desk-editor', 'editor', ['world']);
      const auth = { Authorization: `Bearer ${token}` };
      expect((await t.http.get(`/api/claims/${claimId}`).set(auth)).status).toBe(200);

      expect(await keys.revoke('night-desk-editor')).toBe(1);

      await rejected(() => t.http.get(`/api/claims/${claimId}`).set(auth), 401, 'AUTH.UNAUTHENTICATED');
      await rejected(() => t.http.post('/api/claims').set(auth).send(claimBody()), 401, 'AUTH.UNAUTHENTICATED');
    });

    it.each(endpoints.map((e) => [e.name, e] as const))('When a reader sends %s, then it is a 403 problem and nothing is written', async (_name, endpoint) => {
      await rejected(() => send(endpoint, (req) => req.send(endpoint.valid()), 'reader'), 403, 'AUTH.FORBIDDEN');
    });

    it('When a route does not exist, then it is a 404 problem', async () => {
      expectProblem(await t.http.get('/api/verdicts').set(t.auth('reader')), 404);
      expectProblem(await t.http.post('/api/claims/bulk').set(t.auth('editor')).send({}), 404);
    });
  });
});
