import { KIM_BODY, KIM_HEADLINE, expectProblem, ifMatch, pause, scene, storyBody, type Scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const CLARIFIED_BODY = KIM_BODY.replace('According to officials', 'According to American officials');
const CORRECTED_HEADLINE = 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Arms Deal';

describe('Stories over HTTP', () => {
  let t: TestApp;
  let s: Scene;
  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
  });
  afterAll(() => t.close());

  const revise = (id: string, version: number | null, body: Record<string, unknown>, role: 'editor' | 'reviewer' = 'editor') => {
    const req = t.http.post(`/api/stories/${id}/revisions`).set(t.auth(role));
    return (version === null ? req : req.set(ifMatch(version))).send(body);
  };

  const clarification = { body: CLARIFIED_BODY, kind: 'clarification', note: 'Makes clear the officials cited are American.' };

  describe('opening and reading', () => {
    it('When an editor opens a story, then it is created with Location, ETag "1" and its text, and a reader reads the same back', async () => {
      const before = await t.eventCount();
      const opened = await t.http.post('/api/stories').set(t.auth('editor')).send(storyBody('kim-jong-un-russia-visit'));

      expect(opened.status).toBe(201);
      expect(opened.headers['content-type']).toMatch(/^application\/json/);
      expect(opened.headers.etag).toBe('"1"');
      expect(opened.headers.location).toBe(`/api/stories/${opened.body.id}`);
      expect(opened.headers['x-checkpoint']).toMatch(/^\d+-\d+$/);
      expect(opened.body).toEqual({
        id: expect.stringMatching(UUID),
        slug: 'kim-jong-un-russia-visit',
        headline: KIM_HEADLINE,
        body: KIM_BODY,
        url: null,
        desk: 'world',
        publishedAt: '2023-09-04T22:00:00Z',
        archived: false,
        archivedReason: null,
        revisionCount: 1,
        version: 1,
        createdAt: expect.stringMatching(ISO),
        updatedAt: opened.body.createdAt,
        claims: [],
      });
      expect(await t.eventCount()).toBe(before + 1);

      const read = await t.http.get(opened.headers.location).set(t.auth('reader'));
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe('"1"');
      expect(read.body).toEqual(opened.body);
    });

    it('When a second story asks for a slug already taken, then it is refused as a 409 problem and nothing is written', async () => {
      await s.story('eastern-economic-forum-2023');
      const before = await t.eventCount();

      const again = await t.http
        .post('/api/stories')
        .set(t.auth('editor'))
        .send(storyBody('eastern-economic-forum-2023', { headline: 'Putin and Kim expected at the Eastern Economic Forum' }));

      expectProblem(again, 409, 'STORY.SLUG_TAKEN');
      expect(again.body.detail).toContain('eastern-economic-forum-2023');
      expect(await t.eventCount()).toBe(before);
    });

    it('When a story has claims, then reading it lists them summarised, in the order they were recorded', async () => {
      const story = await s.story('kim-claims-summary');
      const munitions = await s.claim(story.id, 'munitions');
      const forum = await s.claim(story.id, 'forum');

      const read = await t.http.get(`/api/stories/${story.id}`).set(t.auth('reader'));

      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe('"1"');
      expect(read.body.claims).toEqual([
        {
          id: munitions.id,
          statement: 'Putin wants Kim to supply Russia with artillery shells and antitank missiles.',
          kind: 'assertion',
          verdict: 'unverified',
          topics: ['arms-for-technology', 'military-cooperation'],
          withdrawn: false,
        },
        {
          id: forum.id,
          statement: 'Both leaders are expected to attend the Eastern Economic Forum in Vladivostok from September 10 to 13.',
          kind: 'forecast',
          verdict: 'unverified',
          topics: ['summit', 'travel'],
          withdrawn: false,
        },
      ]);
    });

    it('When a story id is unknown or not a UUID, then it is a 404 problem', async () => {
      expectProblem(await t.http.get('/api/stories/6f1c2a9e-4b7d-4c1e-9a52-3d8e0f7b1c44').set(t.auth('reader')), 404, 'STORY.NOT_FOUND');
      expectProblem(await t.http.get('/api/stories/kim-jong-un-russia-visit').set(t.auth('reader')), 404, 'STORY.NOT_FOUND');
    });
  });

  describe('listing', () => {
    it('When stories are listed by desk and by words in the headline, then only the matching ones come back, newest first', async () => {
      const summit = await s.story('list-vostochny-summit', { desk: 'list-asia', headline: 'Kim and Putin meet at the Vostochny Cosmodrome' });
      const train = await s.story('list-armored-train', { desk: 'list-asia', headline: 'Kim’s armored train crosses into Russia' });
      const forum = await s.story('list-forum', { desk: 'list-europe', headline: 'Putin opens the Eastern Economic Forum' });
      const turnout = await s.story('list-turnout', { desk: 'list-europe', headline: 'Forum attendance up 100% on last year' });

      const byDesk = await t.http.get('/api/stories').query({ desk: 'list-asia' }).set(t.auth('reader'));
      expect(byDesk.status).toBe(200);
      expect(byDesk.body).toEqual({ items: [expect.objectContaining({ id: train.id }), expect.objectContaining({ id: summit.id })], nextCursor: null });
      expect(byDesk.body.items[0]).toEqual(expect.objectContaining({ slug: 'list-armored-train', desk: 'list-asia', version: 1, archived: false }));
      expect(byDesk.body.items[0]).not.toHaveProperty('claims');

      const byWords = await t.http.get('/api/stories').query({ q: 'vostochny' }).set(t.auth('reader'));
      expect(byWords.body.items.map((story: { id: string }) => story.id)).toEqual([summit.id]);

      const both = await t.http.get('/api/stories').query({ desk: 'list-europe', q: 'Forum' }).set(t.auth('reader'));
      expect(both.body.items.map((story: { id: string }) => story.id)).toEqual([turnout.id, forum.id]);

      // A percent sign is a character to look for, not a wildcard.
      const literal = await t.http.get('/api/stories').query({ desk: 'list-europe', q: '%' }).set(t.auth('reader'));
      expect(literal.body.items.map((story: { id: string }) => story.id)).toEqual([turnout.id]);

      const none = await t.http.get('/api/stories').query({ desk: 'list-nowhere' }).set(t.auth('reader'));
      expect(none.body).toEqual({ items: [], nextCursor: null });
    });

    it('When the list is read one story at a time, then following nextCursor visits every story once and ends with null', async () => {
      const created: string[] = [];
      for (const slug of ['paging-one', 'paging-two', 'paging-three', 'paging-four']) created.push((await s.story(slug, { desk: 'paging' })).id);

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await t.http
          .get('/api/stories')
          .query({ desk: 'paging', limit: 1, ...(cursor ? { cursor } : {}) })
          .set(t.auth('reader'));
        expect(res.status).toBe(200);
        expect(res.body.items).toHaveLength(1);
        seen.push(res.body.items[0].id);
        if (res.body.nextCursor === null) break;
        expect(typeof res.body.nextCursor).toBe('string');
        cursor = res.body.nextCursor;
      }

      expect(seen).toEqual([...created].reverse());
      expect(new Set(seen).size).toBe(seen.length);
    });
  });

  describe('revisions', () => {
    it('When a revision comes without If-Match, then it is refused with 428 and nothing is written', async () => {
      const story = await s.story('revision-without-if-match');
      const before = await t.eventCount();

      expectProblem(await revise(story.id, null, clarification), 428, 'REQUEST.IF_MATCH_REQUIRED');
      expect(await t.eventCount()).toBe(before);
    });

    it('When a revision is made against a version that is no longer current, then it is refused with 412 and the current version', async () => {
      const story = await s.story('revision-stale');
      expect((await revise(story.id, 1, clarification)).status).toBe(201);
      const before = await t.eventCount();

      const stale = await revise(story.id, 1, { body: `${CLARIFIED_BODY} Kim also plans to visit Pier 33.`, kind: 'update', note: 'Adds Pier 33.' });

      expectProblem(stale, 412, 'STREAM.VERSION_CONFLICT');
      expect(stale.body.currentVersion).toBe(2);
      expect(await t.eventCount()).toBe(before);
    });

    it('When a fresh revision is made, then the story carries the new text and the response the new ETag', async () => {
      const story = await s.story('revision-fresh');

      const revised = await revise(story.id, 1, { ...clarification, headline: CORRECTED_HEADLINE });

      expect(revised.status).toBe(201);
      expect(revised.headers.etag).toBe('"2"');
      expect(revised.body).toEqual(
        expect.objectContaining({ id: story.id, headline: CORRECTED_HEADLINE, body: CLARIFIED_BODY, revisionCount: 2, version: 2, claims: [] }),
      );
      const read = await t.http.get(`/api/stories/${story.id}`).set(t.auth('reader'));
      expect(read.headers.etag).toBe('"2"');
      expect(read.body).toEqual(revised.body);
    });

    it('When a story has been revised by two people, then its revisions list who, when, which kind and why', async () => {
      const story = await s.story('revision-list');
      await revise(story.id, 1, clarification).expect(201);
      await revise(story.id, 2, { headline: CORRECTED_HEADLINE, body: CLARIFIED_BODY, kind: 'correction', note: 'The headline now says arms deal.' }, 'reviewer').expect(201);

      const res = await t.http.get(`/api/stories/${story.id}/revisions`).set(t.auth('reader'));

      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        { revision: 1, headline: KIM_HEADLINE, body: KIM_BODY, kind: 'original', note: null, at: expect.stringMatching(ISO), by: 'test-editor' },
        { revision: 2, headline: KIM_HEADLINE, body: CLARIFIED_BODY, kind: 'clarification', note: clarification.note, at: expect.stringMatching(ISO), by: 'test-editor' },
        { revision: 3, headline: CORRECTED_HEADLINE, body: CLARIFIED_BODY, kind: 'correction', note: 'The headline now says arms deal.', at: expect.stringMatching(ISO), by: 'test-reviewer' },
      ]);
      const times = (res.body as { at: string }[]).map((r) => Date.parse(r.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it('When a revision repeats the current text, then it is refused as STORY.UNCHANGED', async () => {
      const story = await s.story('revision-unchanged');
      expectProblem(await revise(story.id, 1, { body: KIM_BODY, kind: 'update', note: 'Resaved.' }), 409, 'STORY.UNCHANGED');
    });

    it('When a revision of an unknown story is posted, then it is a 404 problem whatever the If-Match', async () => {
      expectProblem(await revise('6f1c2a9e-4b7d-4c1e-9a52-3d8e0f7b1c44', 1, clarification), 404, 'STORY.NOT_FOUND');
      expectProblem(await revise('6f1c2a9e-4b7d-4c1e-9a52-3d8e0f7b1c44', 0, clarification), 404, 'STORY.NOT_FOUND');
    });
  });

  describe('diff', () => {
    it('When revisions 1 and 2 are compared, then the answer is the word-level change between their texts', async () => {
      const story = await s.story('diff-words');
      await revise(story.id, 1, { ...clarification, headline: CORRECTED_HEADLINE }).expect(201);

      const res = await t.http.get(`/api/stories/${story.id}/diff`).query({ from: 1, to: 2 }).set(t.auth('reader'));

      expect(res.status).toBe(200);
      expect(res.body.from).toBe(1);
      expect(res.body.to).toBe(2);
      expect(res.body.headline).toEqual({ from: KIM_HEADLINE, to: CORRECTED_HEADLINE });
      const changes = res.body.changes as { op: 'equal' | 'insert' | 'delete'; text: string }[];
      expect(changes.filter((c) => c.op !== 'equal')).toEqual([{ op: 'insert', text: expect.stringMatching(/^\s*American\s*$/) }]);
      expect(changes.filter((c) => c.op !== 'insert').map((c) => c.text).join('')).toBe(KIM_BODY);
      expect(changes.filter((c) => c.op !== 'delete').map((c) => c.text).join('')).toBe(CLARIFIED_BODY);

      const back = await t.http.get(`/api/stories/${story.id}/diff`).query({ from: 2, to: 1 }).set(t.auth('reader'));
      expect((back.body.changes as { op: string; text: string }[]).filter((c) => c.op !== 'equal')).toEqual([
        { op: 'delete', text: expect.stringMatching(/^\s*American\s*$/) },
      ]);
    });

    it('When a revision is compared with itself, then nothing changed and there is no headline change', async () => {
      const story = await s.story('diff-same');
      const res = await t.http.get(`/api/stories/${story.id}/diff`).query({ from: 1, to: 1 }).set(t.auth('reader'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ from: 1, to: 1, headline: null, changes: [{ op: 'equal', text: KIM_BODY }] });
    });

    it('When the diff names a revision the story does not have, then it is a 404 problem; a revision 0 is a 400', async () => {
      const story = await s.story('diff-unknown');
      expectProblem(await t.http.get(`/api/stories/${story.id}/diff`).query({ from: 1, to: 2 }).set(t.auth('reader')), 404, 'STORY.REVISION_NOT_FOUND');
      expectProblem(await t.http.get(`/api/stories/${story.id}/diff`).query({ from: 0, to: 1 }).set(t.auth('reader')), 400, 'REQUEST.VALIDATION_FAILED');
      expectProblem(await t.http.get(`/api/stories/${story.id}/diff`).query({ from: 1 }).set(t.auth('reader')), 400, 'REQUEST.VALIDATION_FAILED');
    });
  });

  describe('archival', () => {
    it('When an editor tries to archive a story, then it is refused with 403 and nothing is written', async () => {
      const story = await s.story('archive-by-editor');
      const before = await t.eventCount();
      const res = await t.http.post(`/api/stories/${story.id}/archival`).set(t.auth('editor')).set(ifMatch(1)).send({ reason: 'Superseded.' });
      expectProblem(res, 403, 'AUTH.FORBIDDEN');
      expect(await t.eventCount()).toBe(before);
    });

    it('When a reviewer archives a story, then it is archived with the reason and refuses further revisions and claims', async () => {
      const story = await s.story('archive-by-reviewer');

      const archived = await t.http
        .post(`/api/stories/${story.id}/archival`)
        .set(t.auth('reviewer'))
        .set(ifMatch(1))
        .send({ reason: 'Superseded by coverage of the Vostochny summit.' });

      expect(archived.status).toBe(201);
      expect(archived.headers.etag).toBe('"2"');
      expect(archived.body).toEqual(
        expect.objectContaining({ archived: true, archivedReason: 'Superseded by coverage of the Vostochny summit.', version: 2, revisionCount: 1 }),
      );
      const before = await t.eventCount();
      expectProblem(await revise(story.id, 2, clarification), 409, 'STORY.ARCHIVED');
      const claim = await t.http
        .post('/api/claims')
        .set(t.auth('editor'))
        .send({ storyId: story.id, statement: 'Kim is seeking food aid.', kind: 'assertion', topics: ['food-aid'], actors: ['Kim Jong-un'] });
      expectProblem(claim, 409, 'STORY.ARCHIVED');
      const twice = await t.http.post(`/api/stories/${story.id}/archival`).set(t.auth('reviewer')).set(ifMatch(2)).send({ reason: 'Again.' });
      expectProblem(twice, 409, 'STORY.ARCHIVED');
      expect(await t.eventCount()).toBe(before);
    });

    it('When an archival comes without If-Match or without a reason, then it is refused and nothing is written', async () => {
      const story = await s.story('archive-incomplete');
      const before = await t.eventCount();
      expectProblem(await t.http.post(`/api/stories/${story.id}/archival`).set(t.auth('reviewer')).send({ reason: 'Superseded.' }), 428, 'REQUEST.IF_MATCH_REQUIRED');
      const noReason = await t.http.post(`/api/stories/${story.id}/archival`).set(t.auth('reviewer')).set(ifMatch(1)).send({});
      expectProblem(noReason, 400, 'REQUEST.VALIDATION_FAILED');
      expect(noReason.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'reason' })]));
      expect(await t.eventCount()).toBe(before);
    });
  });

  describe('reading the past', () => {
    it('When a story is read at ?version=1 after a correction, then the original text comes back with ETag "1"', async () => {
      const story = await s.story('past-version');
      await revise(story.id, 1, { ...clarification, headline: CORRECTED_HEADLINE }).expect(201);

      const first = await t.http.get(`/api/stories/${story.id}`).query({ version: 1 }).set(t.auth('reader'));
      expect(first.status).toBe(200);
      expect(first.headers.etag).toBe('"1"');
      expect(first.body).toEqual(expect.objectContaining({ headline: KIM_HEADLINE, body: KIM_BODY, version: 1, revisionCount: 1 }));

      const second = await t.http.get(`/api/stories/${story.id}`).query({ version: 2 }).set(t.auth('reader'));
      expect(second.headers.etag).toBe('"2"');
      expect(second.body).toEqual(expect.objectContaining({ headline: CORRECTED_HEADLINE, version: 2 }));
    });

    it('When a story is read at a version it has not reached, then it is a 404 problem', async () => {
      const story = await s.story('past-version-ahead');
      expectProblem(await t.http.get(`/api/stories/${story.id}`).query({ version: 5 }).set(t.auth('reader')), 404, 'STORY.NOT_FOUND');
    });

    it('When a story is read ?asOf= a moment between two revisions, then it is the text of that moment', async () => {
      const story = await s.story('past-as-of');
      await pause(20);
      const between = new Date().toISOString();
      await pause(20);
      await revise(story.id, 1, clarification).expect(201);

      const then = await t.http.get(`/api/stories/${story.id}`).query({ asOf: between }).set(t.auth('reader'));
      expect(then.status).toBe(200);
      expect(then.headers.etag).toBe('"1"');
      expect(then.body).toEqual(expect.objectContaining({ body: KIM_BODY, version: 1 }));

      const now = await t.http.get(`/api/stories/${story.id}`).query({ asOf: new Date().toISOString() }).set(t.auth('reader'));
      expect(now.body).toEqual(expect.objectContaining({ body: CLARIFIED_BODY, version: 2 }));

      const before = await t.http.get(`/api/stories/${story.id}`).query({ asOf: '2023-09-01T00:00:00Z' }).set(t.auth('reader'));
      expectProblem(before, 404, 'STORY.NOT_FOUND');
    });

    it('When both ?asOf= and ?version= are given, then it is a 400 problem', async () => {
      const story = await s.story('past-ambiguous');
      const res = await t.http.get(`/api/stories/${story.id}`).query({ version: 1, asOf: new Date().toISOString() }).set(t.auth('reader'));
      expectProblem(res, 400, 'REQUEST.AMBIGUOUS_READ');
    });
  });
});
