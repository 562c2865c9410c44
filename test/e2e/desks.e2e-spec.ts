import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { ApiKeys } from '../../src/auth/api-keys.service';
import type { Role } from '../../src/common/decider';
import { newSigningKey } from '../support/audit-test-app';
import { CLAIMS, citation, ifMatch, SOURCES, storyBody } from '../support/fixtures';
import { routeName, routesOf, type Route } from '../support/routes';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Desks, as a matrix: every route the router answers × every role × own desk / another desk, plus no
 * key. The routes come from Express's router; a route missing from POLICY below fails the suite, so a new
 * route cannot ship without being classified here.
 *
 * The scene: the world desk's draft story (not yet published) with two claims, a confidential source
 * of the world desk, and a published world story. Keys: reader, editor and reviewer on "world" (own),
 * the same on "politics" (other), an admin with no desk.
 */

type Scope = 'story' | 'claim' | 'source' | 'none';
interface Policy {
  /** the least role that may use the route */
  readonly role: Role | 'public';
  /** what the route's id (or body) points at in the scene: a draft of the world desk, or its source */
  readonly scope: Scope;
  /** 'confide': only reviewers working on the desk by name; 'change': desk members (and admins) */
  readonly access?: 'see' | 'change' | 'confide';
  readonly body?: (s: Scene) => Record<string, unknown>;
}

interface Scene {
  draftStory: string;
  draftClaim: string;
  otherDraftClaim: string;
  citationId: string;
  source: string;
  publishedStory: string;
  publishedClaim: string;
  keyId: string;
}

const POLICY: Record<string, Policy> = {
  'GET /health/live': { role: 'public', scope: 'none' },
  'GET /health/ready': { role: 'public', scope: 'none' },
  'GET /metrics': { role: 'public', scope: 'none' },
  'GET /api/openapi.json': { role: 'public', scope: 'none' },
  'POST /api/keys': { role: 'admin', scope: 'none', body: () => ({ name: 'matrix-key', role: 'reader', desks: ['world'] }) },
  'GET /api/keys': { role: 'admin', scope: 'none' },
  'DELETE /api/keys/:id': { role: 'admin', scope: 'none' },
  'GET /api/events': { role: 'reader', scope: 'none' },
  'GET /api/events/stream': { role: 'reader', scope: 'none' },
  'GET /api/audit': { role: 'reader', scope: 'none' },
  'GET /api/audit/checkpoints': { role: 'reader', scope: 'none' },
  'POST /api/audit/checkpoints': { role: 'reviewer', scope: 'none' },
  'GET /api/audit/proof': { role: 'reader', scope: 'none' },
  'GET /api/audit/verify': { role: 'reader', scope: 'none' },
  'GET /api/corrections': { role: 'reader', scope: 'none' },
  'GET /api/dashboard': { role: 'reader', scope: 'none' },
  'POST /api/stories': { role: 'editor', scope: 'none', body: () => ({ desk: 'world' }) },
  'GET /api/stories': { role: 'reader', scope: 'none' },
  'GET /api/stories/:id': { role: 'reader', scope: 'story' },
  'GET /api/stories/:id/revisions': { role: 'reader', scope: 'story' },
  'GET /api/stories/:id/diff': { role: 'reader', scope: 'story' },
  'POST /api/stories/:id/revisions': { role: 'editor', scope: 'story', access: 'change' },
  'POST /api/stories/:id/archival': { role: 'reviewer', scope: 'story', access: 'change' },
  'POST /api/sources': { role: 'editor', scope: 'none', body: () => ({ desk: 'world' }) },
  'GET /api/sources': { role: 'reader', scope: 'none' },
  'GET /api/sources/:id': { role: 'reader', scope: 'source' },
  'POST /api/sources/:id/grades': { role: 'reviewer', scope: 'source', access: 'change' },
  'GET /api/sources/:id/identity': { role: 'reviewer', scope: 'source', access: 'confide' },
  'POST /api/sources/:id/shred': { role: 'admin', scope: 'source', access: 'change' },
  'POST /api/claims': { role: 'editor', scope: 'story', access: 'change', body: (s) => ({ storyId: s.draftStory }) },
  'GET /api/claims': { role: 'reader', scope: 'none' },
  'GET /api/claims/:id': { role: 'reader', scope: 'claim' },
  'GET /api/claims/:id/history': { role: 'reader', scope: 'claim' },
  'GET /api/claims/:id/claimreview': { role: 'reader', scope: 'claim' },
  'POST /api/claims/:id/citations': { role: 'editor', scope: 'claim', access: 'change' },
  'DELETE /api/claims/:id/citations/:citationId': { role: 'editor', scope: 'claim', access: 'change' },
  'POST /api/claims/:id/verdicts': { role: 'editor', scope: 'claim', access: 'change' },
  'POST /api/claims/:id/rewordings': { role: 'editor', scope: 'claim', access: 'change' },
  'POST /api/claims/:id/resolution': { role: 'editor', scope: 'claim', access: 'change' },
  'POST /api/claims/:id/relations': { role: 'editor', scope: 'claim', access: 'change', body: (s) => ({ claimId: s.otherDraftClaim }) },
  'POST /api/claims/:id/withdrawal': { role: 'reviewer', scope: 'claim', access: 'change' },
  'POST /api/claims/:id/reinstatement': { role: 'reviewer', scope: 'claim', access: 'change' },
};

/** Routes of the API itself: the docs UI's files and the catch-all for unknown paths are not resources. */
const apiRoutes = (t: TestApp): Route[] => routesOf(t.app).filter((r) => !r.path.startsWith('/api/docs') && !r.path.includes('splat'));

/** The status, when it is one of these; else the list, so a failure shows both. */
const oneOf = (status: number, allowed: readonly number[]): number | readonly number[] => (allowed.includes(status) ? status : allowed);
const PASSED = [200, 201, 400, 409, 412, 428];

const RANK: Record<Role, number> = { reader: 0, editor: 1, reviewer: 2, admin: 3 };
const ROLES: Exclude<Role, 'admin'>[] = ['reader', 'editor', 'reviewer'];

describe('Desks: every route × every role × own desk / another desk', () => {
  let t: TestApp;
  let s: Scene;
  const keys: Record<string, string> = {};

  const as = (who: string) => (who === 'nobody' ? {} : who === 'malformed' ? { Authorization: 'Basic ZWRpdG9yOmVkaXRvcg==' } : { Authorization: `Bearer ${keys[who]}` });

  const call = (route: Route, who: string, ids: Partial<Scene> = {}): Promise<Response> => {
    const scene = { ...s, ...ids };
    const idOf: Record<Scope, string> = { story: scene.draftStory, claim: scene.draftClaim, source: scene.source, none: scene.keyId };
    const policy = POLICY[routeName(route)];
    const path = route.path.replace(':citationId', scene.citationId).replace(':id', idOf[policy.scope]);
    const query = route.path === '/api/audit/proof' ? '?position=1' : route.path.endsWith('/diff') ? '?from=1&to=1' : '';
    const http = t.http[route.method.toLowerCase() as 'get' | 'post' | 'delete'](path + query).set(as(who));
    // The live feed never ends: its status and headers are the answer; the stream is dropped.
    if (route.path === '/api/events/stream') {
      return http.buffer(false).parse((res, done) => {
        (res as unknown as { destroy(): void }).destroy();
        done(null, '');
      });
    }
    return route.method === 'GET' ? http : http.send(policy.body?.(scene) ?? {});
  };

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_SIGNING_KEY: newSigningKey(), AUDIT_CHECKPOINT_EVERY: '0' });
    const apiKeys = t.app.get(ApiKeys);
    for (const role of ROLES) {
      keys[`${role}@world`] = (await apiKeys.create(`world-${role}`, role, ['world'])).token;
      keys[`${role}@politics`] = (await apiKeys.create(`politics-${role}`, role, ['politics'])).token;
    }
    keys.admin = (await apiKeys.create('matrix-admin', 'admin', [])).token;
    keys.wrong = `ct_${randomBytes(32).toString('base64url')}`;
    keys.revoked = (await apiKeys.create('matrix-revoked', 'admin', [])).token;
    expect(await apiKeys.revoke('matrix-revoked')).toBe(1);
    const editor = as('editor@world');
    const draft = await t.http.post('/api/stories').set(editor).send(storyBody('desk-matrix-draft', { publishedAt: undefined }));
    const published = await t.http.post('/api/stories').set(editor).send(storyBody('desk-matrix-published'));
    const source = await t.http
      .post('/api/sources')
      .set(editor)
      .send({ ...SOURCES.usOfficials, confidentialIdentity: 'a colonel on the Vostochny delegation' });
    const claim = await t.http.post('/api/claims').set(editor).send({ storyId: draft.body.id, ...CLAIMS.munitions });
    const other = await t.http.post('/api/claims').set(editor).send({ storyId: draft.body.id, ...CLAIMS.foodAid });
    const publishedClaim = await t.http.post('/api/claims').set(editor).send({ storyId: published.body.id, ...CLAIMS.foodAid });
    const cited = await t.http.post(`/api/claims/${claim.body.id}/citations`).set(editor).set(ifMatch(1)).send(citation(source.body.id));
    for (const res of [draft, published, source, claim, other, publishedClaim, cited]) expect(res.status).toBe(201);
    s = {
      draftStory: draft.body.id,
      draftClaim: claim.body.id,
      otherDraftClaim: other.body.id,
      citationId: (cited.body.citations as { id: string }[])[0].id,
      source: source.body.id,
      publishedStory: published.body.id,
      publishedClaim: publishedClaim.body.id,
      keyId: (await apiKeys.create('matrix-victim', 'reader', ['world'])).id,
    };
    // A signed checkpoint, so that an inclusion proof can be asked for.
    const signed = await t.http.post('/api/audit/checkpoints').set(t.auth('reviewer'));
    expect({ status: signed.status, body: signed.body }).toEqual({ status: 200, body: expect.anything() });
  });

  afterAll(async () => t.close());

  it('Every route the router answers is classified here (a new route must say who may use it)', () => {
    const unclassified = apiRoutes(t).map(routeName).filter((name) => !(name in POLICY));
    expect(unclassified).toEqual([]);
    expect(apiRoutes(t).length).toBeGreaterThanOrEqual(40);
  });

  it.each(['nobody', 'malformed', 'wrong', 'revoked'])('With %s credentials, every route but the public ones is a 401, and nothing is stored', async (who) => {
    const before = await t.eventCount();
    for (const route of apiRoutes(t)) {
      const res = await call(route, who);
      const expected = POLICY[routeName(route)].role === 'public' ? [200, 503] : [401];
      expect({ route: routeName(route), status: res.status }).toEqual({ route: routeName(route), status: oneOf(res.status, expected) });
    }
    expect(await t.eventCount()).toBe(before);
  });

  it.each(ROLES)('As a %s of another desk, the world desk’s drafts do not exist: 404 with the body of a missing id; its sources are seen but not changed', async (role) => {
    const before = await t.eventCount();
    for (const route of apiRoutes(t)) {
      const policy = POLICY[routeName(route)];
      if (policy.role === 'public' || policy.scope === 'none') continue;
      const res = await call(route, `${role}@politics`);
      const name = routeName(route);
      if (policy.scope === 'source') {
        const expected = RANK[role] < RANK[policy.role] ? 'AUTH.FORBIDDEN' : policy.access === 'see' || !policy.access ? null : 'AUTH.DESK';
        if (expected === null) expect({ name, status: res.status }).toEqual({ name, status: 200 });
        else expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 403, code: expected });
        continue;
      }
      const missingId = randomUUID();
      const missing = await call(route, `${role}@politics`, policy.scope === 'story' ? { draftStory: missingId } : { draftClaim: missingId, otherDraftClaim: missingId });
      const hiddenId = policy.scope === 'story' ? s.draftStory : s.draftClaim;
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
      expect({ name, body: JSON.stringify(res.body).replaceAll(hiddenId, '<id>') }).toEqual({
        name,
        body: JSON.stringify(missing.body).replaceAll(missingId, '<id>'),
      });
      expect(JSON.stringify(res.headers)).not.toContain(hiddenId);
    }
    expect(await t.eventCount()).toBe(before);
  });

  it.each(ROLES)('As a %s of the world desk, each route is refused only for the role (403 AUTH.FORBIDDEN), never for the desk', async (role) => {
    for (const route of apiRoutes(t)) {
      const policy = POLICY[routeName(route)];
      if (policy.role === 'public') continue;
      const res = await call(route, `${role}@world`);
      const name = routeName(route);
      if (RANK[role] < RANK[policy.role]) {
        expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 403, code: 'AUTH.FORBIDDEN' });
      } else {
        // Past every check of who may: what is left is the request itself (400, 409, 412, 428) or success.
        expect({ name, status: res.status }).toEqual({ name, status: oneOf(res.status, PASSED) });
      }
    }
  });

  it('As an admin, every route passes the checks of who may, except reading a confidential identity (reviewers of the desk only)', async () => {
    for (const route of apiRoutes(t)) {
      const policy = POLICY[routeName(route)];
      if (policy.role === 'public') continue;
      const res = await call(route, 'admin');
      const name = routeName(route);
      if (policy.access === 'confide') expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 403, code: 'AUTH.DESK' });
      else expect({ name, status: res.status }).toEqual({ name, status: oneOf(res.status, PASSED) });
    }
  });

  it('A published story of the world desk is read by every desk, and changed only by its own', async () => {
    for (const who of ['reader@politics', 'editor@politics']) {
      expect((await t.http.get(`/api/stories/${s.publishedStory}`).set(as(who))).status).toBe(200);
      expect((await t.http.get(`/api/claims/${s.publishedClaim}`).set(as(who))).status).toBe(200);
    }
    const claim = await t.http.get(`/api/claims/${s.publishedClaim}`).set(as('editor@politics'));
    const refused = await t.http
      .post(`/api/claims/${s.publishedClaim}/rewordings`)
      .set(as('editor@politics'))
      .set(ifMatch(claim.body.version as number))
      .send({ statement: 'Kim will sell shells to Russia.', reason: 'tighter wording' });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'AUTH.DESK' });
    const allowed = await t.http
      .post(`/api/claims/${s.publishedClaim}/rewordings`)
      .set(as('editor@world'))
      .set(ifMatch(claim.body.version as number))
      .send({ statement: 'Kim is seeking food aid from Russia.', reason: 'tighter wording' });
    expect(allowed.status).toBe(201);
  });

  it('Lists, searches, the log and the dashboard show another desk’s published work and never its drafts', async () => {
    const hidden = [s.draftStory, s.draftClaim, s.otherDraftClaim];
    const lists = ['/api/stories', '/api/claims', '/api/claims?q=artillery', '/api/events?limit=1000', '/api/audit?limit=100', '/api/dashboard', '/api/corrections'];
    for (const who of ['reader@politics', 'editor@politics', 'reviewer@politics']) {
      for (const path of lists) {
        const res = await t.http.get(path).set(as(who));
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        for (const id of hidden) expect({ path, leaked: JSON.stringify(res.body).includes(id) }).toEqual({ path, leaked: false });
      }
      expect(JSON.stringify((await t.http.get('/api/stories').set(as(who))).body)).toContain(s.publishedStory);
      expect(JSON.stringify((await t.http.get('/api/claims').set(as(who))).body)).toContain(s.publishedClaim);
    }
    for (const who of ['reader@world', 'admin']) {
      const stories = await t.http.get('/api/stories').set(as(who));
      expect(JSON.stringify(stories.body)).toContain(s.draftStory);
      const events = await t.http.get('/api/events?limit=1000').set(as(who));
      expect(JSON.stringify(events.body)).toContain(s.draftClaim);
    }
  });

  it('A new story or source goes to the key’s home desk, and naming a desk the key does not work on is a 403', async () => {
    const home = await t.http.post('/api/stories').set(as('editor@politics')).send(storyBody('desk-matrix-home', { desk: undefined }));
    expect({ status: home.status, desk: home.body.desk }).toEqual({ status: 201, desk: 'politics' });
    const foreign = await t.http.post('/api/stories').set(as('editor@politics')).send(storyBody('desk-matrix-foreign', { desk: 'world' }));
    expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 403, code: 'AUTH.DESK' });
    const source = await t.http.post('/api/sources').set(as('editor@politics')).send(SOURCES.usIntelligence);
    expect({ status: source.status, desk: source.body.desk }).toEqual({ status: 201, desk: 'politics' });
    const noHome = await t.http.post('/api/stories').set(as('admin')).send(storyBody('desk-matrix-no-home', { desk: undefined }));
    expect({ status: noHome.status, code: noHome.body.code }).toEqual({ status: 400, code: 'DESK.REQUIRED' });
    expect(await t.db.query("SELECT slug FROM story_view WHERE slug IN ('desk-matrix-foreign', 'desk-matrix-no-home')")).toEqual([]);
  });

  it('A key on every desk (*) reads every desk’s drafts, but who read a confidential identity is for admins only', async () => {
    const everyDesk = { Authorization: `Bearer ${(await t.app.get(ApiKeys).create('standards-reader', 'reader', ['*'])).token}` };
    expect((await t.http.get(`/api/sources/${s.source}/identity`).set(as('reviewer@world'))).status).toBe(200);
    const seen = JSON.stringify((await t.http.get('/api/events?limit=1000').set(everyDesk)).body);
    expect(seen).toContain(s.draftClaim);
    expect(seen).not.toContain('identity-reads-');
    const audit = JSON.stringify((await t.http.get('/api/audit?type=ConfidentialIdentityRead').set(everyDesk)).body);
    expect(audit).not.toContain('identity-reads-');
    expect(JSON.stringify((await t.http.get('/api/events?limit=1000').set(as('admin'))).body)).toContain(`identity-reads-${s.source}`);
    expect(JSON.stringify((await t.http.get('/api/audit?type=ConfidentialIdentityRead').set(as('admin'))).body)).toContain(`identity-reads-${s.source}`);
  });
});
