import type { Response } from 'supertest';
import { CLAIMS, SOURCES, citation, expectProblem, ifMatch, scene, storyBody, type Scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

type Role = 'editor' | 'reviewer';

interface Endpoint {
  readonly name: string;
  readonly method: 'post' | 'delete';
  readonly role: Role;
  readonly path: () => string;
  readonly versionOf?: () => string;
  readonly valid: () => Record<string, unknown>;
}

/** What the server decides and a client may never send: ids, versions, who, when, the chain, derived state. */
const SERVER_OWNED: Record<string, unknown> = {
  id: '7c0a4b1e-2d3f-4a5b-9c6d-8e7f0a1b2c3d',
  version: 99,
  actor: 'chief-editor',
  role: 'admin',
  hash: 'deadbeef',
  prevHash: 'deadbeef',
  position: 1,
  globalPosition: 1,
  checkpoint: '1',
  streamId: 'claim-7c0a4b1e-2d3f-4a5b-9c6d-8e7f0a1b2c3d',
  eventId: '7c0a4b1e-2d3f-4a5b-9c6d-8e7f0a1b2c3d',
  createdAt: '2023-09-04T22:00:00Z',
  updatedAt: '2023-09-04T22:00:00Z',
  recordedAt: '2023-09-04T22:00:00Z',
  citedBy: ['7c0a4b1e-2d3f-4a5b-9c6d-8e7f0a1b2c3d'],
  withdrawn: false,
  archived: false,
  citations: undefined,
  relations: [],
  resolution: 'occurred',
  grades: [],
  revisions: [],
};

describe('Mass assignment of server-owned fields', () => {
  let t: TestApp;
  let s: Scene;
  let storyId: string;
  let sourceId: string;
  let claimId: string;
  let forecastId: string;
  let otherClaimId: string;

  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
    storyId = (await s.story('kim-visit-mass-assignment')).id;
    sourceId = await s.source('usOfficials');
    claimId = (await s.claim(storyId, 'foodAid')).id;
    otherClaimId = (await s.claim(storyId, 'technology')).id;
    forecastId = (await s.claim(storyId, 'forum')).id;
  });
  afterAll(() => t.close());

  const endpoints: Endpoint[] = [
    { name: 'POST /api/stories', method: 'post', role: 'editor', path: () => '/api/stories', valid: () => storyBody('never-written') },
    {
      name: 'POST /api/stories/{id}/revisions',
      method: 'post',
      role: 'editor',
      path: () => `/api/stories/${storyId}/revisions`,
      versionOf: () => `/api/stories/${storyId}`,
      valid: () => ({ body: 'Kim arrived.', kind: 'update', note: 'Arrived.' }),
    },
    { name: 'POST /api/sources', method: 'post', role: 'editor', path: () => '/api/sources', valid: () => ({ ...SOURCES.kremlin }) },
    {
      name: 'POST /api/sources/{id}/grades',
      method: 'post',
      role: 'reviewer',
      path: () => `/api/sources/${sourceId}/grades`,
      versionOf: () => `/api/sources/${sourceId}`,
      valid: () => ({ reliability: 'B', rationale: 'Held up.' }),
    },
    { name: 'POST /api/claims', method: 'post', role: 'editor', path: () => '/api/claims', valid: () => ({ storyId, ...CLAIMS.munitions }) },
    {
      name: 'POST /api/claims/{id}/citations',
      method: 'post',
      role: 'editor',
      path: () => `/api/claims/${claimId}/citations`,
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => citation(sourceId),
    },
    {
      name: 'POST /api/claims/{id}/verdicts',
      method: 'post',
      role: 'reviewer',
      path: () => `/api/claims/${claimId}/verdicts`,
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ verdict: 'reported', reason: 'Officials said so.' }),
    },
    {
      name: 'POST /api/claims/{id}/rewordings',
      method: 'post',
      role: 'editor',
      path: () => `/api/claims/${claimId}/rewordings`,
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ statement: 'Kim wants food aid.', reason: 'Shorter.' }),
    },
    {
      name: 'POST /api/claims/{id}/resolution',
      method: 'post',
      role: 'reviewer',
      path: () => `/api/claims/${forecastId}/resolution`,
      versionOf: () => `/api/claims/${forecastId}`,
      valid: () => ({ outcome: 'occurred', reason: 'Both attended.' }),
    },
    {
      name: 'POST /api/claims/{id}/relations',
      method: 'post',
      role: 'editor',
      path: () => `/api/claims/${claimId}/relations`,
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ relation: 'supports', claimId: otherClaimId }),
    },
    {
      name: 'POST /api/claims/{id}/withdrawal',
      method: 'post',
      role: 'reviewer',
      path: () => `/api/claims/${claimId}/withdrawal`,
      versionOf: () => `/api/claims/${claimId}`,
      valid: () => ({ reason: 'Cut.' }),
    },
    {
      name: 'POST /api/stories/{id}/archival',
      method: 'post',
      role: 'reviewer',
      path: () => `/api/stories/${storyId}/archival`,
      versionOf: () => `/api/stories/${storyId}`,
      valid: () => ({ reason: 'Superseded.' }),
    },
  ];

  const send = async (endpoint: Endpoint, body: Record<string, unknown>): Promise<Response> => {
    const req = t.http[endpoint.method](endpoint.path()).set(t.auth(endpoint.role));
    if (!endpoint.versionOf) return req.send(body);
    const read = await t.http.get(endpoint.versionOf()).set(t.auth('reader'));
    return req.set(ifMatch(Number(JSON.parse(read.headers.etag)))).send(body);
  };

  /** The field is refused by name, and not one event is written. */
  const refused = async (endpoint: Endpoint, body: Record<string, unknown>, field: string) => {
    const before = await t.eventCount();
    const res = await send(endpoint, body);
    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    expect(await t.eventCount()).toBe(before);
  };

  const cases = endpoints.flatMap((endpoint) =>
    Object.keys(SERVER_OWNED)
      .filter((field) => !(field in endpoint.valid()) && !(field === 'citations' && endpoint.name === 'POST /api/claims'))
      .map((field) => [endpoint.name, field, endpoint] as const),
  );

  it.each(cases)('When %s carries the server-owned field %s, then it is a 400 naming it and nothing is stored', async (_name, field, endpoint) => {
    await refused(endpoint, { ...endpoint.valid(), [field]: SERVER_OWNED[field] ?? 'x' }, field);
  });

  it.each(endpoints.filter((e) => e.name !== 'POST /api/stories' && e.name !== 'POST /api/sources').map((e) => [e.name, e] as const))(
    'When %s carries a desk, then it is a 400: the desk is given when a story or source is created, never by a change',
    async (_name, endpoint) => {
      await refused(endpoint, { ...endpoint.valid(), desk: 'world' }, 'desk');
    },
  );

  it.each(['unverified', 'confirmed', 'false'])('When a new claim carries verdict %s, then it is a 400 and no claim is recorded', async (verdict) => {
    await refused(endpoints.find((e) => e.name === 'POST /api/claims')!, { storyId, ...CLAIMS.munitions, verdict }, 'verdict');
  });

  it.each(['id', 'actor', 'createdAt', 'citedBy', 'position', 'hash'])('When a citation inside a new claim carries %s, then it is a 400 naming citations.0.%s', async (field) => {
    const claims = endpoints.find((e) => e.name === 'POST /api/claims')!;
    await refused(claims, { storyId, ...CLAIMS.munitions, citations: [{ ...citation(sourceId), [field]: SERVER_OWNED[field] }] }, `citations.0.${field}`);
  });

  it('When a write names another actor in its headers, then the recorded actor and role are still the key’s', async () => {
    const res = await t.http
      .post('/api/claims')
      .set(t.auth('editor'))
      .set({ 'X-Actor': 'chief-editor', 'X-Role': 'admin', 'X-Forwarded-User': 'chief-editor' })
      .send({ storyId, ...CLAIMS.usWarning });
    expect(res.status).toBe(201);
    expect(res.body.verdict).toBe('unverified');
    expect(res.body.version).toBe(1);
    const history = await t.http.get(`/api/claims/${res.body.id as string}/history`).set(t.auth('reader'));
    expect(history.body).toEqual([expect.objectContaining({ actor: 'test-editor', role: 'editor' })]);
  });
});
