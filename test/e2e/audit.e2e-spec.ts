import { resolve } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { verifyInclusion } from '../../src/audit/merkle';
import { verifyStatement } from '../../src/audit/signing-key';
import { importStory, readStoryImport } from '../../src/import/story-importer';
import { newSigningKey, startAuditTestApp } from '../support/audit-test-app';
import { expectProblem, ifMatch, pause, scene, type Scene } from '../support/fixtures';
import type { TestApp } from '../support/test-app';

const SAMPLE = resolve(__dirname, '..', '..', 'data', 'sample-story.json');

describe('The audit trail over HTTP', () => {
  let t: TestApp;
  let s: Scene;
  let storyId: string;

  beforeAll(async () => {
    t = await startAuditTestApp({ AUDIT_SIGNING_KEY: newSigningKey(), AUDIT_CHECKPOINT_EVERY: '0' });
    s = scene(t);
    storyId = (await importStory(t.app.get(CommandBus), readStoryImport(SAMPLE), { actor: 'sample-import', role: 'editor', now: new Date().toISOString() }))
      .storyId;
  });
  afterAll(() => t.close());

  const story = async () => {
    const res = await t.http.get(`/api/stories/${storyId}`).set(t.auth('reader'));
    expect(res.status).toBe(200);
    return res.body as { version: number; body: string; headline: string };
  };
  const revise = async (body: Record<string, unknown>) => {
    const res = await t.http
      .post(`/api/stories/${storyId}/revisions`)
      .set(t.auth('editor'))
      .set(ifMatch((await story()).version))
      .send(body);
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.anything() });
  };

  describe('story revisions and corrections', () => {
    beforeAll(async () => {
      const original = await story();
      await revise({
        body: original.body.replace('this month', 'this month, perhaps by armoured train,'),
        kind: 'update',
        note: 'Adds how Kim is expected to travel.',
      });
      await pause(5);
      await revise({
        headline: 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Arms Deal',
        body: (await story()).body.replace('antitank missiles', 'anti-tank missiles and artillery rockets'),
        kind: 'correction',
        note: 'An earlier version misstated the weapons Russia is seeking.',
      });
    });

    it('When the sample story is revised twice, then it lists the original and both revisions with kind, note, editor and time', async () => {
      const res = await t.http.get(`/api/stories/${storyId}/revisions`).set(t.auth('reader'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        expect.objectContaining({ revision: 1, kind: 'original', by: 'sample-import' }),
        expect.objectContaining({ revision: 2, kind: 'update', note: 'Adds how Kim is expected to travel.', by: 'test-editor', at: expect.any(String) }),
        expect.objectContaining({
          revision: 3,
          kind: 'correction',
          note: 'An earlier version misstated the weapons Russia is seeking.',
          by: 'test-editor',
          headline: 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Arms Deal',
        }),
      ]);
    });

    it('When the correction is diffed against the revision before it, then the word diff shows exactly what changed', async () => {
      const res = await t.http.get(`/api/stories/${storyId}/diff`).query({ from: 2, to: 3 }).set(t.auth('reader'));
      expect(res.status).toBe(200);
      expect(res.body.headline).toEqual({
        from: 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Weaponry Deal',
        to: 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Arms Deal',
      });
      const changes = res.body.changes as { op: string; text: string }[];
      expect(changes.filter((c) => c.op === 'delete').map((c) => c.text.trim())).toEqual(['antitank']);
      expect(changes.filter((c) => c.op === 'insert').map((c) => c.text.trim())).toEqual(['anti-tank', 'and artillery rockets']);
      expect(changes.map((c) => (c.op === 'delete' ? '' : c.text)).join('')).toBe((await story()).body);
    });

    it('When the site-wide corrections feed is read, then it lists corrections only, newest first, each with its note and a link to its diff', async () => {
      const forum = await s.story('eastern-economic-forum-2023');
      const corrected = await t.http
        .post(`/api/stories/${forum.id}/revisions`)
        .set(t.auth('reviewer'))
        .set(ifMatch(forum.version))
        .send({ body: 'Both leaders are expected at the forum from September 10 to 13.', kind: 'correction', note: 'The forum opens on the 10th, not the 11th.' });
      expect(corrected.status).toBe(201);
      await revise({ body: `${(await story()).body}\n\nUpdated with reporting from Seoul.`, kind: 'clarification', note: 'Adds sourcing.' });
      const res = await t.http.get('/api/corrections').set(t.auth('reader'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        items: [
          expect.objectContaining({ storyId: forum.id, revision: 2, note: 'The forum opens on the 10th, not the 11th.', actor: 'test-reviewer' }),
          {
            storyId,
            revision: 3,
            headline: 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Arms Deal',
            note: 'An earlier version misstated the weapons Russia is seeking.',
            actor: 'test-editor',
            at: expect.any(String),
            position: expect.stringMatching(/^\d+$/),
            diff: `/api/stories/${storyId}/diff?from=2&to=3`,
          },
        ],
        nextCursor: null,
      });
    });
  });

  describe('claim history and search', () => {
    let claimId: string;
    let officials: string;

    beforeAll(async () => {
      officials = await s.source('usOfficials');
      const yonhap = await s.source('yonhap');
      const claim = await s.claim(storyId, 'munitions');
      claimId = claim.id;
      await s.cite(claimId, officials, { access: 'anonymous' });
      expect((await s.verdict(claimId, 'reported', 'editor')).status).toBe(201);
      await s.cite(claimId, yonhap, { role: 'corroborates', credibility: 2 });
      const { version } = await s.read(claimId);
      const reworded = await t.http
        .post(`/api/claims/${claimId}/rewordings`)
        .set(t.auth('editor'))
        .set(ifMatch(version))
        .send({ statement: 'Putin wants North Korea to supply artillery shells and antitank missiles.', reason: 'Names the supplier.' });
      expect(reworded.status).toBe(201);
    });

    it('When a claim’s history is read, then each change is told in plain words, with who and why', async () => {
      const res = await t.http.get(`/api/claims/${claimId}/history`).set(t.auth('reader'));
      expect(res.status).toBe(200);
      expect(res.body.map((e: { summary: string }) => e.summary)).toEqual([
        'recorded the assertion “Putin wants Kim to supply Russia with artillery shells and antitank missiles.”',
        'cited US officials (original source, supports, credibility 3)',
        'verdict changed from unverified to reported',
        'cited Yonhap News Agency (corroborates, supports, credibility 2)',
        'statement reworded from “Putin wants Kim to supply Russia with artillery shells and antitank missiles.” to “Putin wants North Korea to supply artillery shells and antitank missiles.”',
      ]);
      expect(res.body[2]).toEqual(
        expect.objectContaining({ version: 3, type: 'VerdictChanged', actor: 'test-editor', role: 'editor', reason: 'Set to reported after checking the citations.' }),
      );
    });

    it('When the whole log is searched by actor, type and time, then it pages through the matches, newest first', async () => {
      const from = new Date(Date.now() - 60_000).toISOString();
      const first = await t.http.get('/api/audit').query({ actor: 'test-editor', type: 'CitationAdded,ClaimReworded', from, limit: 2 }).set(t.auth('reader'));
      expect(first.status).toBe(200);
      expect(first.body.items.map((e: { type: string }) => e.type)).toEqual(['ClaimReworded', 'CitationAdded']);
      expect(first.body.items[0]).toEqual(expect.objectContaining({ streamId: `claim-${claimId}`, actor: 'test-editor', reason: 'Names the supplier.' }));
      const second = await t.http.get('/api/audit').query({ actor: 'test-editor', type: 'CitationAdded,ClaimReworded', from, limit: 2, cursor: first.body.nextCursor }).set(t.auth('reader'));
      expect(second.body.items.map((e: { type: string }) => e.type)).toEqual(['CitationAdded']);
      expect(second.body.nextCursor).toBeNull();
      const none = await t.http.get('/api/audit').query({ actor: 'test-editor', to: '2023-09-01T00:00:00Z' }).set(t.auth('reader'));
      expect(none.body).toEqual({ items: [], nextCursor: null });
      expectProblem(await t.http.get('/api/audit').query({ from: '2023-09-10T00:00:00Z', to: '2023-09-01T00:00:00Z' }).set(t.auth('reader')), 400, 'AUDIT.INVALID_RANGE');
      expectProblem(await t.http.get('/api/audit').query({ from: 'September 5' }).set(t.auth('reader')), 400);
    });

    it('When the claim list is asked as of a past instant, then it shows the claims that existed then with their verdicts then', async () => {
      const before = (await t.http.get('/api/claims').query({ storyId, limit: 100 }).set(t.auth('reader'))).body.items as { id: string }[];
      await pause(10);
      const then = new Date().toISOString();
      await pause(10);
      const food = await s.claim(storyId, 'foodAid');
      expect((await s.verdict(claimId, 'disputed', 'reviewer')).status).toBe(201);
      const past = await t.http.get('/api/claims').query({ storyId, asOf: then, limit: 100 }).set(t.auth('reader'));
      expect(past.status).toBe(200);
      expect(past.body.items.map((c: { id: string }) => c.id)).toEqual(before.map((c) => c.id));
      expect(past.body.items.find((c: { id: string }) => c.id === claimId)).toEqual(expect.objectContaining({ verdict: 'reported' }));
      const reported = await t.http.get('/api/claims').query({ storyId, asOf: then, verdict: 'reported', q: 'artillery', limit: 100 }).set(t.auth('reader'));
      expect(reported.body.items.map((c: { id: string }) => c.id)).toContain(claimId);
      const paged = await t.http.get('/api/claims').query({ storyId, asOf: then, limit: 3 }).set(t.auth('reader'));
      const next = await t.http.get('/api/claims').query({ storyId, asOf: then, limit: 3, cursor: paged.body.nextCursor }).set(t.auth('reader'));
      expect([...paged.body.items, ...next.body.items].map((c: { id: string }) => c.id)).toEqual(before.slice(0, 6).map((c) => c.id));
      const now = await t.http.get('/api/claims').query({ storyId, limit: 100 }).set(t.auth('reader'));
      expect(now.body.items.map((c: { id: string }) => c.id)).toContain(food.id);
      expect(now.body.items.find((c: { id: string }) => c.id === claimId)).toEqual(expect.objectContaining({ verdict: 'disputed' }));
      const storyThen = await t.http.get(`/api/stories/${storyId}`).query({ asOf: then }).set(t.auth('reader'));
      expect(storyThen.body.claims.map((c: { id: string }) => c.id)).toEqual(before.map((c) => c.id));
      const sourceThen = await t.http.get(`/api/sources/${officials}`).query({ asOf: then }).set(t.auth('reader'));
      expect(sourceThen.body).toEqual(expect.objectContaining({ descriptor: 'US officials', version: 1 }));
    });
  });

  describe('checkpoints, proofs and verify', () => {
    it('When a checkpoint is signed on demand, then every event has an inclusion proof against its signed root', async () => {
      expectProblem(await t.http.post('/api/audit/checkpoints').set(t.auth('editor')), 403);
      const signed = await t.http.post('/api/audit/checkpoints').set(t.auth('reviewer'));
      expect(signed.status).toBe(200);
      const [checkpoint] = signed.body.items;
      expect(checkpoint).toEqual(
        expect.objectContaining({ seq: 1, treeSize: await t.eventCount(), rootHash: expect.stringMatching(/^[0-9a-f]{64}$/), keyId: expect.stringMatching(/^[0-9a-f]{16}$/) }),
      );
      expect(verifyStatement(checkpoint.signed, Buffer.from(checkpoint.signature, 'hex'), Buffer.from(checkpoint.publicKey, 'hex'))).toBe(true);
      expect((await t.http.post('/api/audit/checkpoints').set(t.auth('reviewer'))).body).toEqual({ items: [] });

      const list = await t.http.get('/api/audit/checkpoints').set(t.auth('reader'));
      expect(list.body).toEqual({ items: [checkpoint], nextCursor: null });

      const positions = (await t.http.get('/api/audit').query({ limit: 100 }).set(t.auth('reader'))).body.items.map((e: { position: string }) => e.position);
      for (const position of [positions[0], positions[positions.length - 1], positions[Math.floor(positions.length / 2)]]) {
        const proof = await t.http.get('/api/audit/proof').query({ position }).set(t.auth('reader'));
        expect(proof.status).toBe(200);
        const { eventHash, leafIndex, treeSize, auditPath } = proof.body;
        const ok = verifyInclusion(Buffer.from(eventHash, 'hex'), leafIndex, treeSize, auditPath.map((h: string) => Buffer.from(h, 'hex')), Buffer.from(checkpoint.rootHash, 'hex'));
        expect(ok).toBe(true);
      }
      expectProblem(await t.http.get('/api/audit/proof').query({ position: '999999999' }).set(t.auth('reader')), 404, 'AUDIT.EVENT_NOT_FOUND');
      expectProblem(await t.http.get('/api/audit/proof').query({ position: 'latest' }).set(t.auth('reader')), 400);
      await s.source('kremlin');
      const [newest] = (await t.http.get('/api/audit').query({ limit: 1 }).set(t.auth('reader'))).body.items;
      expectProblem(await t.http.get('/api/audit/proof').query({ position: newest.position }).set(t.auth('reader')), 409, 'AUDIT.NOT_YET_CHECKPOINTED');
    });

    it('When the untouched log is verified over HTTP, then it is ok and says what the last checkpoint does not cover', async () => {
      const res = await t.http.get('/api/audit/verify').set(t.auth('reader'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({ ok: true, eventsChecked: await t.eventCount(), firstBadPosition: null, reason: null, problems: [], checkpointsChecked: 1 }),
      );
      expect(res.body.notes).toEqual([expect.stringMatching(/^1 event\(s\) after checkpoint #1/)]);
    });

    it('When an event is altered behind the app’s back, then verify over HTTP names it', async () => {
      const [target] = (await t.http.get('/api/audit').query({ type: 'VerdictChanged', limit: 1 }).set(t.auth('reader'))).body.items;
      const owner = await t.ownerDb();
      await owner.transaction(async (tx) => {
        await tx.query(`SET LOCAL claimtrail.maintenance = 'on'`);
        await tx.query(`UPDATE events SET data = jsonb_set(data, '{to}', '"confirmed"') WHERE global_position = $1`, [target.position]);
      });
      const res = await t.http.get('/api/audit/verify').set(t.auth('reader'));
      expect(res.body).toEqual(expect.objectContaining({ ok: false, firstBadPosition: target.position, problemCount: 1 }));
      expect(res.body.reason).toMatch(/no longer hash to its stored hash/);
    });
  });
});

describe('Checkpoints signed every N events', () => {
  it('When AUDIT_CHECKPOINT_EVERY events have been written, then a checkpoint appears by itself', async () => {
    const t = await startAuditTestApp({ AUDIT_SIGNING_KEY: newSigningKey(), AUDIT_CHECKPOINT_EVERY: '3', AUDIT_CHECKPOINT_POLL_SECONDS: '0.05' });
    try {
      const s = scene(t);
      await s.story('kim-jong-un-vostochny');
      expect((await t.http.get('/api/audit/checkpoints').set(t.auth('reader'))).body.items).toEqual([]);
      await s.source('kim');
      await s.source('kremlin');
      let items: { treeSize: number }[] = [];
      for (let i = 0; i < 100 && items.length === 0; i++) {
        await pause(20);
        items = (await t.http.get('/api/audit/checkpoints').set(t.auth('reader'))).body.items;
      }
      expect(items).toEqual([expect.objectContaining({ seq: 1, treeSize: 3 })]);
    } finally {
      await t.close();
    }
  });

  it('When the server has no signing key, then asking for a checkpoint says how to configure one', async () => {
    const t = await startAuditTestApp({});
    try {
      expectProblem(await t.http.post('/api/audit/checkpoints').set(t.auth('reviewer')), 409, 'AUDIT.CHECKPOINTS_OFF');
      const verify = await t.http.get('/api/audit/verify').set(t.auth('reader'));
      expect(verify.body).toEqual(expect.objectContaining({ ok: true, notes: [expect.stringMatching(/^No checkpoint is signed yet/)] }));
    } finally {
      await t.close();
    }
  });
});
