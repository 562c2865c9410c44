import { createHash } from 'node:crypto';
import { CLAIMS, expectProblem, scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const UNKNOWN_ID = '7c0a4b1e-2d3f-4a5b-9c6d-8e7f0a1b2c3d';

describe('API keys over HTTP', () => {
  let t: TestApp;
  let storyId: string;

  beforeAll(async () => {
    t = await startTestApp();
    storyId = (await scene(t).story('kim-visit-keys')).id;
  });
  afterAll(() => t.close());

  const create = (body: Record<string, unknown>, role: 'admin' | 'reviewer' | 'editor' | 'reader' = 'admin') =>
    t.http.post('/api/keys').set(t.auth(role)).send(body);

  it('When an admin creates a key, then it is a 201 that shows the token once, and the token works with its role', async () => {
    const res = await create({ name: 'Ana Editor', role: 'editor', desks: ['world'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Ana Editor',
      role: 'editor',
      desks: ['world'],
      token: expect.stringMatching(/^ct_[A-Za-z0-9_-]{43}$/),
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.location).toBe(`/api/keys/${res.body.id}`);
    const auth = { Authorization: `Bearer ${res.body.token as string}` };
    const claim = await t.http.post('/api/claims').set(auth).send({ storyId, ...CLAIMS.foodAid });
    expect(claim.status).toBe(201);
    expectProblem(await t.http.post('/api/keys').set(auth).send({ name: 'self-promotion', role: 'admin' }), 403, 'AUTH.FORBIDDEN');

    const [{ key_hash: stored }] = await t.db.query<{ key_hash: Buffer }>('SELECT key_hash FROM api_keys WHERE id = $1', [res.body.id]);
    expect(stored.equals(createHash('sha256').update(res.body.token as string).digest())).toBe(true);
  });

  it('When an admin lists keys, then each shows id, name, role and times, with the last use, and never a token or hash', async () => {
    const made = await create({ name: 'Lee Reader', role: 'reader', desks: ['world'] });
    const token = made.body.token as string;
    expect((await t.http.get('/api/claims').set({ Authorization: `Bearer ${token}` })).status).toBe(200);
    const res = await t.http.get('/api/keys').set(t.auth('admin'));
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    const items = res.body.items as Record<string, unknown>[];
    for (const item of items) expect(Object.keys(item).sort()).toEqual(['createdAt', 'desks', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role']);
    expect(items.find((k) => k.id === made.body.id)).toEqual(
      expect.objectContaining({ name: 'Lee Reader', role: 'reader', lastUsedAt: expect.any(String), revokedAt: null }),
    );
    expect(res.text).not.toContain(token);
    expect(res.text).not.toContain(token.slice(3));
    for (const role of ['reader', 'editor', 'reviewer', 'admin'] as const) expect(res.text).not.toContain(t.keys[role].slice(3));
    expect(res.text).not.toMatch(/hash/i);
  });

  it('When an admin revokes a key, then it answers with revokedAt and the key gets 401 afterwards; revoking again changes nothing', async () => {
    const made = await create({ name: 'Night Desk', role: 'reviewer', desks: ['world'] });
    const auth = { Authorization: `Bearer ${made.body.token as string}` };
    expect((await t.http.get('/api/claims').set(auth)).status).toBe(200);
    const revoked = await t.http.delete(`/api/keys/${made.body.id as string}`).set(t.auth('admin'));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual(expect.objectContaining({ id: made.body.id, revokedAt: expect.any(String) }));
    expectProblem(await t.http.get('/api/claims').set(auth), 401, 'AUTH.UNAUTHENTICATED');
    expectProblem(await t.http.post('/api/claims').set(auth).send({ storyId, ...CLAIMS.forum }), 401, 'AUTH.UNAUTHENTICATED');
    const again = await t.http.delete(`/api/keys/${made.body.id as string}`).set(t.auth('admin'));
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  });

  it('When a key is named like another key id, then revoking by id touches only the key with that id', async () => {
    const target = await create({ name: 'target', role: 'reader', desks: ['world'] });
    const lookalike = await create({ name: target.body.id as string, role: 'reader', desks: ['world'] });
    expect((await t.http.delete(`/api/keys/${target.body.id as string}`).set(t.auth('admin'))).status).toBe(200);
    expect((await t.http.get('/api/claims').set({ Authorization: `Bearer ${lookalike.body.token as string}` })).status).toBe(200);
  });

  it.each(['reader', 'editor', 'reviewer'] as const)('When the %s key calls the key endpoints, then each is a 403 and no key is made or revoked', async (role) => {
    const before = await t.db.query<{ id: string; revoked_at: Date | null }>('SELECT id, revoked_at FROM api_keys ORDER BY id');
    expectProblem(await create({ name: 'sneaky', role: 'admin' }, role), 403, 'AUTH.FORBIDDEN');
    expectProblem(await t.http.get('/api/keys').set(t.auth(role)), 403, 'AUTH.FORBIDDEN');
    expectProblem(await t.http.delete(`/api/keys/${before[0].id}`).set(t.auth(role)), 403, 'AUTH.FORBIDDEN');
    expect(await t.db.query('SELECT id, revoked_at FROM api_keys ORDER BY id')).toEqual(before);
  });

  it('When the key endpoints are called without a key, then each is a 401', async () => {
    expectProblem(await t.http.post('/api/keys').send({ name: 'x', role: 'admin' }), 401);
    expectProblem(await t.http.get('/api/keys'), 401);
    expectProblem(await t.http.delete(`/api/keys/${UNKNOWN_ID}`), 401);
  });

  it.each([UNKNOWN_ID, 'not-a-uuid', '1'])('When an admin revokes the key %s that does not exist, then it is a 404', async (id) => {
    expectProblem(await t.http.delete(`/api/keys/${id}`).set(t.auth('admin')), 404, 'KEY.NOT_FOUND');
  });

  it.each([
    [{ name: 'x', role: 'root' }, 'role'],
    [{ name: '', role: 'editor' }, 'name'],
    [{ name: ' padded ', role: 'editor' }, 'name'],
    [{ name: 'x'.repeat(101), role: 'editor' }, 'name'],
    [{ name: 42, role: 'editor' }, 'name'],
    [{ role: 'editor' }, 'name'],
    [{ name: 'no-desk', role: 'editor' }, 'desks'],
    [{ name: 'empty-desks', role: 'reviewer', desks: [] }, 'desks'],
    [{ name: 'bad-desk', role: 'reader', desks: ['World Desk'] }, 'desks'],
    [{ name: 'not-a-list', role: 'reader', desks: 'world' }, 'desks'],
    [{ name: 'x', role: 'editor', token: 'ct_chosen_by_the_caller_000000000000000000000' }, 'token'],
    [{ name: 'x', role: 'editor', id: UNKNOWN_ID }, 'id'],
    [{ name: 'x', role: 'editor', keyHash: 'ab' }, 'keyHash'],
    [{ name: 'x', role: 'editor', revokedAt: null }, 'revokedAt'],
  ])('When an admin sends the key body %j, then it is a 400 naming %s and no key is made', async (body, field) => {
    const before = await t.db.query<{ count: string }>('SELECT count(*) FROM api_keys');
    const res = await create(body);
    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
    expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    expect(await t.db.query('SELECT count(*) FROM api_keys')).toEqual(before);
  });
});
