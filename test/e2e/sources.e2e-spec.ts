import { SOURCES, expectProblem, ifMatch, scene, type Scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UPGRADE = { reliability: 'B', rationale: 'Their account of the Vladivostok meeting and the armored train held up.' };

describe('Sources over HTTP', () => {
  let t: TestApp;
  let s: Scene;
  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
  });
  afterAll(() => t.close());

  const regrade = (id: string, role: 'editor' | 'reviewer' | 'admin', version: number, body: Record<string, unknown> = UPGRADE) =>
    t.http.post(`/api/sources/${id}/grades`).set(t.auth(role)).set(ifMatch(version)).send(body);

  describe('registering', () => {
    it('When an editor registers the anonymous US officials, then they are created with Location, ETag "1" and their first grade', async () => {
      const before = await t.eventCount();
      const res = await t.http.post('/api/sources').set(t.auth('editor')).send(SOURCES.usOfficials);

      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"1"');
      expect(res.headers.location).toBe(`/api/sources/${res.body.id}`);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        kind: 'anonymous_group',
        descriptor: 'US officials',
        name: null,
        anonymous: true,
        affiliation: 'United States government',
        reliability: 'C',
        rationale: SOURCES.usOfficials.rationale,
        grades: [{ reliability: 'C', rationale: SOURCES.usOfficials.rationale, at: expect.stringMatching(ISO), by: 'test-editor' }],
        confidential: false,
        desk: 'world',
        shredded: null,
        version: 1,
        createdAt: expect.stringMatching(ISO),
        updatedAt: res.body.createdAt,
      });
      expect(await t.eventCount()).toBe(before + 1);

      const read = await t.http.get(`/api/sources/${res.body.id}`).set(t.auth('reader'));
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe('"1"');
      expect(read.body).toEqual(res.body);
    });

    it('When a reviewer registers Kim Jong-un by name, then the name is kept', async () => {
      const res = await t.http.post('/api/sources').set(t.auth('reviewer')).send(SOURCES.kim);
      expect(res.status).toBe(201);
      expect(res.body).toEqual(expect.objectContaining({ kind: 'person', name: 'Kim Jong-un', anonymous: false, reliability: 'D' }));
      expect(res.body.grades[0].by).toBe('test-reviewer');
    });

    it('When a reader tries to register a source, then it is refused with 403 and nothing is written', async () => {
      const before = await t.eventCount();
      expectProblem(await t.http.post('/api/sources').set(t.auth('reader')).send(SOURCES.kremlin), 403, 'AUTH.FORBIDDEN');
      expect(await t.eventCount()).toBe(before);
    });

    it('When an anonymous source is given a name, then it is refused as a 400 problem that does not repeat the name', async () => {
      const before = await t.eventCount();
      const res = await t.http
        .post('/api/sources')
        .set(t.auth('editor'))
        .send({ ...SOURCES.usOfficials, name: 'Jane Whistleblower-Doe' });

      expectProblem(res, 400, 'SOURCE.ANONYMOUS_WITH_NAME');
      expect(res.text).not.toContain('Jane Whistleblower-Doe');
      expect(await t.eventCount()).toBe(before);
    });

    it('When the rationale is blank, then it is refused as SOURCE.RATIONALE_REQUIRED', async () => {
      const res = await t.http.post('/api/sources').set(t.auth('editor')).send({ ...SOURCES.kremlin, rationale: '   ' });
      expectProblem(res, 400, 'SOURCE.RATIONALE_REQUIRED');
    });

    it('When a source id is unknown or not a UUID, then it is a 404 problem', async () => {
      expectProblem(await t.http.get('/api/sources/0b6a1d3e-8f2c-4e57-b9a4-5c7d2e1f9a30').set(t.auth('reader')), 404, 'SOURCE.NOT_FOUND');
      expectProblem(await t.http.get('/api/sources/us-officials').set(t.auth('reader')), 404, 'SOURCE.NOT_FOUND');
    });
  });

  describe('listing', () => {
    it('When sources are listed by kind and by words in the descriptor, then only the matching ones come back in registration order', async () => {
      const tass = await s.source('nyt', { kind: 'news_outlet', descriptor: 'listing TASS news agency' });
      const kcna = await s.source('kremlin', { kind: 'government_body', descriptor: 'listing KCNA state media' });
      const yonhap = await s.source('yonhap', { kind: 'wire', descriptor: 'listing Yonhap wire' });
      const reuters = await s.source('yonhap', { kind: 'wire', descriptor: 'listing Reuters wire' });

      const wires = await t.http.get('/api/sources').query({ kind: 'wire', q: 'listing' }).set(t.auth('reader'));
      expect(wires.status).toBe(200);
      expect(wires.body).toEqual({ items: [expect.objectContaining({ id: yonhap, kind: 'wire' }), expect.objectContaining({ id: reuters })], nextCursor: null });

      const words = await t.http.get('/api/sources').query({ q: 'LISTING k' }).set(t.auth('reader'));
      expect(words.body.items.map((source: { id: string }) => source.id)).toEqual([kcna]);

      const all = await t.http.get('/api/sources').query({ q: 'listing' }).set(t.auth('reader'));
      expect(all.body.items.map((source: { id: string }) => source.id)).toEqual([tass, kcna, yonhap, reuters]);

      const unknownKind = await t.http.get('/api/sources').query({ kind: 'rumour_mill' }).set(t.auth('reader'));
      expectProblem(unknownKind, 400, 'REQUEST.VALIDATION_FAILED');
      expect(unknownKind.body.errors).toEqual([expect.objectContaining({ field: 'kind' })]);
    });

    it('When sources are read one at a time, then following nextCursor visits each once and ends with null', async () => {
      const created: string[] = [];
      for (const n of [1, 2, 3]) created.push(await s.source('yonhap', { descriptor: `paging wire ${n}` }));

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await t.http
          .get('/api/sources')
          .query({ q: 'paging wire', limit: 1, ...(cursor ? { cursor } : {}) })
          .set(t.auth('reader'));
        expect(res.status).toBe(200);
        expect(res.body.items).toHaveLength(1);
        seen.push(res.body.items[0].id);
        if (res.body.nextCursor === null) break;
        cursor = res.body.nextCursor;
      }
      expect(seen).toEqual(created);
    });
  });

  describe('regrading', () => {
    it('When a reviewer regrades the US officials from C to B, then the grade, its history and the ETag move on', async () => {
      const id = await s.source('usOfficials');

      const res = await regrade(id, 'reviewer', 1);

      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"2"');
      expect(res.body).toEqual(
        expect.objectContaining({
          id,
          reliability: 'B',
          rationale: UPGRADE.rationale,
          version: 2,
          grades: [
            expect.objectContaining({ reliability: 'C', by: 'test-editor' }),
            { reliability: 'B', rationale: UPGRADE.rationale, at: expect.stringMatching(ISO), by: 'test-reviewer' },
          ],
        }),
      );
      const read = await t.http.get(`/api/sources/${id}`).set(t.auth('reader'));
      expect(read.headers.etag).toBe('"2"');
      expect(read.body.reliability).toBe('B');
    });

    it('When an editor tries to regrade a source, then it is refused with 403 and nothing is written', async () => {
      const id = await s.source('usIntelligence');
      const before = await t.eventCount();
      expectProblem(await regrade(id, 'editor', 1), 403, 'AUTH.FORBIDDEN');
      expect(await t.eventCount()).toBe(before);
    });

    it('When the new grade is the grade the source already has, then it is refused as SOURCE.GRADE_UNCHANGED', async () => {
      const id = await s.source('nyt');
      const before = await t.eventCount();
      const res = await regrade(id, 'reviewer', 1, { reliability: 'B', rationale: 'A fresh look at their corrections record.' });
      expectProblem(res, 409, 'SOURCE.GRADE_UNCHANGED');
      expect(await t.eventCount()).toBe(before);
    });

    it('When the regrade is made against a stale version, then it is refused with 412 and the current version', async () => {
      const id = await s.source('yonhap');
      await regrade(id, 'reviewer', 1, { reliability: 'B', rationale: 'Right about the armored train.' }).expect(201);
      const before = await t.eventCount();

      const stale = await regrade(id, 'reviewer', 1, { reliability: 'D', rationale: 'Wrong about Moscow.' });

      expectProblem(stale, 412, 'STREAM.VERSION_CONFLICT');
      expect(stale.body.currentVersion).toBe(2);
      expect(await t.eventCount()).toBe(before);
    });

    it('When a regrade comes without If-Match, then it is refused with 428', async () => {
      const id = await s.source('kremlin');
      const res = await t.http.post(`/api/sources/${id}/grades`).set(t.auth('reviewer')).send({ reliability: 'E', rationale: 'Denied what later happened.' });
      expectProblem(res, 428, 'REQUEST.IF_MATCH_REQUIRED');
    });

    it('When an unknown source is regraded, then it is a 404 problem whatever the If-Match', async () => {
      expectProblem(await regrade('0b6a1d3e-8f2c-4e57-b9a4-5c7d2e1f9a30', 'reviewer', 1), 404, 'SOURCE.NOT_FOUND');
      expectProblem(await regrade('0b6a1d3e-8f2c-4e57-b9a4-5c7d2e1f9a30', 'reviewer', 0), 404, 'SOURCE.NOT_FOUND');
    });

    it('When a regraded source is read at ?version=1, then it shows the grade it had then', async () => {
      const id = await s.source('usOfficials', { descriptor: 'US officials (version read)' });
      await regrade(id, 'reviewer', 1).expect(201);

      const first = await t.http.get(`/api/sources/${id}`).query({ version: 1 }).set(t.auth('reader'));

      expect(first.status).toBe(200);
      expect(first.headers.etag).toBe('"1"');
      expect(first.body).toEqual(expect.objectContaining({ id, reliability: 'C', version: 1, rationale: SOURCES.usOfficials.rationale }));
      expect(first.body.grades).toHaveLength(1);

      const current = await t.http.get(`/api/sources/${id}`).set(t.auth('reader'));
      expect(current.body).toEqual(expect.objectContaining({ reliability: 'B', version: 2 }));
    });
  });
});
