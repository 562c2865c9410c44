import { randomBytes } from 'node:crypto';
import { ConfidentialIdentities } from '../../src/sources/confidential-identities';
import type { SealedIdentity } from '../../src/sources/source.decider';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Confidential identities of anonymous sources', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('When an editor records who the anonymous officials are, then no read returns it, and it is sealed in the log and recoverable with its key', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const created = await t.http
      .post('/api/sources')
      .set(t.auth('editor'))
      .send({
        kind: 'anonymous_group',
        descriptor: 'US officials',
        anonymous: true,
        reliability: 'C',
        rationale: 'Officials who spoke on condition of anonymity about the arms talks.',
        confidentialIdentity: canary,
      })
      .expect(201);
    expect(created.body.confidential).toBe(true);
    const reads = await Promise.all([
      t.http.get(`/api/sources/${created.body.id}`).set(t.auth('reader')),
      t.http.get(`/api/sources/${created.body.id}?version=1`).set(t.auth('reader')),
      t.http.get('/api/sources?q=officials').set(t.auth('editor')),
      t.http.get('/api/events').set(t.auth('reader')),
      t.http.get('/api/audit').set(t.auth('reviewer')),
    ]);
    for (const read of [created, ...reads]) {
      expect(read.status).toBeLessThan(300);
      expect(JSON.stringify(read.body)).not.toContain(canary);
      expect(JSON.stringify(read.headers)).not.toContain(canary);
    }
    const [event] = await t.db.query<{ data: { sealedIdentity: SealedIdentity } }>(
      `SELECT data FROM events WHERE stream_id = $1 AND type = 'SourceRegistered'`,
      [`source-${created.body.id}`],
    );
    expect(JSON.stringify(event.data)).not.toContain(canary);
    expect(await t.app.get(ConfidentialIdentities).open(created.body.id, event.data.sealedIdentity)).toBe(canary);
  });

  it('When a named source comes with a confidential identity, then 400 and nothing is stored', async () => {
    const before = await t.eventCount();
    const res = await t.http
      .post('/api/sources')
      .set(t.auth('editor'))
      .send({ kind: 'person', descriptor: 'Kim Jong-un', name: 'Kim Jong-un', anonymous: false, reliability: 'D', rationale: 'State media.', confidentialIdentity: 'x' })
      .expect(400);
    expect(res.body.code).toBe('SOURCE.IDENTITY_NEEDS_ANONYMOUS');
    expect(await t.eventCount()).toBe(before);
    const [{ keys }] = await t.db.query<{ keys: number }>('SELECT count(*)::int AS keys FROM source_keys');
    expect(keys).toBe(1);
  });
});

describe('A server with no master key', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ CONFIDENTIAL_MASTER_KEY: '' })));
  afterAll(() => t.close());

  it('When a confidential identity is sent, then 409 says which setting is missing and nothing is stored', async () => {
    const before = await t.eventCount();
    const res = await t.http
      .post('/api/sources')
      .set(t.auth('editor'))
      .send({ kind: 'anonymous_group', descriptor: 'US officials', anonymous: true, reliability: 'C', rationale: 'Unnamed.', confidentialIdentity: 'someone' })
      .expect(409);
    expect(res.body.code).toBe('SOURCE.CONFIDENTIAL_DISABLED');
    expect(res.body.detail).toContain('CONFIDENTIAL_MASTER_KEY');
    expect(await t.eventCount()).toBe(before);
  });
});
