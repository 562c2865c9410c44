import { CLAIMS, citation, expectProblem, ifMatch, pause, scene, type Scene, type SourceName } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN_CLAIM = '3f9c1d2e-7a4b-4c6d-8e5f-1a2b3c4d5e6f';
const NYT_URL = 'https://www.nytimes.com/2023/09/04/world/asia/kim-jong-un-putin-russia.html';

type Role = 'editor' | 'reviewer';

describe('Claims over HTTP', () => {
  let t: TestApp;
  let s: Scene;
  let storyId: string;
  const src = {} as Record<SourceName, string>;

  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
    storyId = (await s.story('kim-jong-un-russia-visit')).id;
    for (const name of ['usOfficials', 'usIntelligence', 'usGovernment', 'whiteHouse', 'nyt', 'yonhap', 'southKoreanOfficials', 'kim', 'kremlin'] as SourceName[]) {
      src[name] = await s.source(name);
    }
  });
  afterAll(() => t.close());

  /** A change to an existing claim, made against the version the caller read last. */
  const change = async (claimId: string, path: string, body: Record<string, unknown>, role: Role = 'editor') => {
    const { version } = await s.read(claimId);
    return t.http.post(`/api/claims/${claimId}/${path}`).set(t.auth(role)).set(ifMatch(version)).send(body);
  };

  const uncite = async (claimId: string, citationId: string, body: Record<string, unknown>) => {
    const { version } = await s.read(claimId);
    return t.http.delete(`/api/claims/${claimId}/citations/${citationId}`).set(t.auth('editor')).set(ifMatch(version)).send(body);
  };

  const history = async (claimId: string) => {
    const res = await t.http.get(`/api/claims/${claimId}/history`).set(t.auth('reader'));
    expect(res.status).toBe(200);
    return res.body as { position: string; version: number; type: string; actor: string; role: string; reason: string | null; changes: Record<string, unknown> }[];
  };

  const done = async (request: Promise<{ status: number; body: unknown }>) => {
    const res = await request;
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.anything() });
    return res;
  };

  const fieldsOf = (res: { body: { errors?: { field: string }[] } }) => [...new Set((res.body.errors ?? []).map((e) => e.field))];

  const unchangedCount = async <T>(work: () => Promise<T>): Promise<T> => {
    const before = await t.eventCount();
    const result = await work();
    expect(await t.eventCount()).toBe(before);
    return result;
  };

  describe('recording', () => {
    it('When an editor records the munitions claim citing the US officials and the Times relaying them, then it is created with both citations, unverified', async () => {
      const before = await t.eventCount();
      const res = await t.http
        .post('/api/claims')
        .set(t.auth('editor'))
        .send({
          storyId,
          ...CLAIMS.munitions,
          occurredAt: '2023-09-04T00:00:00Z',
          citations: [
            citation(src.usOfficials, { access: 'anonymous', quote: 'Putin wants artillery shells and antitank missiles.' }),
            citation(src.nyt, { role: 'relay', relayOf: src.usOfficials, url: NYT_URL, publishedAt: '2023-09-04T22:00:00Z' }),
          ],
        });

      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"3"');
      expect(res.headers.location).toBe(`/api/claims/${res.body.id}`);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        storyId,
        statement: CLAIMS.munitions.statement,
        kind: 'assertion',
        topics: ['arms-for-technology', 'military-cooperation'],
        actors: ['Vladimir Putin', 'Kim Jong-un'],
        occurredAt: '2023-09-04T00:00:00Z',
        dueAt: null,
        verdict: 'unverified',
        verdictReason: null,
        resolution: null,
        citations: [
          {
            id: expect.stringMatching(UUID),
            sourceId: src.usOfficials,
            role: 'original_source',
            stance: 'supports',
            credibility: 3,
            access: 'anonymous',
            quote: 'Putin wants artillery shells and antitank missiles.',
            url: null,
            publishedAt: null,
            retrievedAt: null,
            relayOf: null,
            citedAt: expect.stringMatching(ISO),
            citedBy: 'test-editor',
          },
          {
            id: expect.stringMatching(UUID),
            sourceId: src.nyt,
            role: 'relay',
            stance: 'supports',
            credibility: 3,
            access: 'on_record',
            quote: null,
            url: NYT_URL,
            publishedAt: '2023-09-04T22:00:00Z',
            retrievedAt: null,
            relayOf: src.usOfficials,
            citedAt: expect.stringMatching(ISO),
            citedBy: 'test-editor',
          },
        ],
        relations: [],
        withdrawn: false,
        withdrawnReason: null,
        version: 3,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
      expect(res.body.citations[0].id).not.toBe(res.body.citations[1].id);
      expect(await t.eventCount()).toBe(before + 3);

      const read = await t.http.get(`/api/claims/${res.body.id}`).set(t.auth('reader'));
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe('"3"');
      expect(read.body).toEqual(res.body);
    });

    it('When a claim names a story that does not exist, then it is a 404 problem and nothing is written', async () => {
      await unchangedCount(async () => {
        const res = await t.http.post('/api/claims').set(t.auth('editor')).send({ storyId: '6f1c2a9e-4b7d-4c1e-9a52-3d8e0f7b1c44', ...CLAIMS.foodAid });
        expectProblem(res, 404, 'STORY.NOT_FOUND');
      });
    });

    it('When the Eastern Economic Forum forecast comes without a due date, then it is refused; an assertion with a due date too', async () => {
      await unchangedCount(async () => {
        const { dueAt: _dueAt, ...withoutDueAt } = CLAIMS.forum;
        expectProblem(await t.http.post('/api/claims').set(t.auth('editor')).send({ storyId, ...withoutDueAt }), 400, 'CLAIM.FORECAST_NEEDS_DUE_DATE');
        const assertionDue = { storyId, ...CLAIMS.foodAid, dueAt: '2023-09-13T23:59:59+10:00' };
        expectProblem(await t.http.post('/api/claims').set(t.auth('editor')).send(assertionDue), 400, 'CLAIM.DUE_DATE_ONLY_FOR_FORECASTS');
      });
    });

    it('When the Eastern Economic Forum forecast comes with its due date, then it is recorded as a forecast due then', async () => {
      const forum = await s.claim(storyId, 'forum');
      expect(forum.body).toEqual(expect.objectContaining({ kind: 'forecast', dueAt: '2023-09-13T23:59:59+10:00', resolution: null, version: 1 }));
    });

    it('When a claim cites a source that is not registered, then it is a 404 problem and nothing is written', async () => {
      await unchangedCount(async () => {
        const res = await t.http
          .post('/api/claims')
          .set(t.auth('editor'))
          .send({ storyId, ...CLAIMS.foodAid, citations: [citation(src.usOfficials), citation('0b6a1d3e-8f2c-4e57-b9a4-5c7d2e1f9a30')] });
        expectProblem(res, 404, 'SOURCE.NOT_FOUND');
      });
    });
  });

  describe('citations', () => {
    it('When a source is cited with If-Match, then the citation is added and the ETag moves on; without If-Match it is a 428', async () => {
      const claim = await s.claim(storyId, 'foodAid');
      await unchangedCount(async () => {
        const res = await t.http.post(`/api/claims/${claim.id}/citations`).set(t.auth('editor')).send(citation(src.usOfficials));
        expectProblem(res, 428, 'REQUEST.IF_MATCH_REQUIRED');
      });

      const res = await t.http
        .post(`/api/claims/${claim.id}/citations`)
        .set(t.auth('editor'))
        .set(ifMatch(1))
        .send(citation(src.usOfficials, { access: 'anonymous', quote: 'Kim is also seeking food aid.' }));

      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"2"');
      expect(res.body.version).toBe(2);
      expect(res.body.citations).toEqual([
        expect.objectContaining({ id: expect.stringMatching(UUID), sourceId: src.usOfficials, access: 'anonymous', quote: 'Kim is also seeking food aid.', citedBy: 'test-editor' }),
      ]);
    });

    it('When the same source is cited twice in the same role, then it is refused as CITATION.DUPLICATE', async () => {
      const claim = await s.claim(storyId, 'foodAid', { citations: [citation(src.usOfficials)] });
      await unchangedCount(async () => expectProblem(await change(claim.id, 'citations', citation(src.usOfficials)), 409, 'CITATION.DUPLICATE'));
    });

    it('When a citation that is not a relay names what it relays, then it is refused as a 400 problem', async () => {
      const claim = await s.claim(storyId, 'foodAid');
      const res = await change(claim.id, 'citations', citation(src.nyt, { relayOf: src.usOfficials }));
      expectProblem(res, 400, 'CITATION.RELAY_OF_ONLY_FOR_RELAYS');
    });

    it('When a citation is deleted with a reason, then it is gone from the claim but stays in its history', async () => {
      const claim = await s.claim(storyId, 'foodAid', { citations: [citation(src.usOfficials), citation(src.yonhap, { role: 'corroborates' })] });
      const [kept, removed] = claim.body.citations as { id: string }[];

      const res = await uncite(claim.id, removed.id, { reason: 'Yonhap was quoting the same US officials.' });

      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"4"');
      expect(res.body.citations.map((c: { id: string }) => c.id)).toEqual([kept.id]);
      expect((await s.read(claim.id)).body.citations).toEqual([expect.objectContaining({ id: kept.id })]);
      const entries = await history(claim.id);
      expect(entries.map((e) => e.type)).toEqual(['ClaimRecorded', 'CitationAdded', 'CitationAdded', 'CitationWithdrawn']);
      expect(entries[2].changes).toEqual(expect.objectContaining({ citationId: removed.id, sourceId: src.yonhap, role: 'corroborates' }));
      expect(entries[3]).toEqual(
        expect.objectContaining({ version: 4, actor: 'test-editor', role: 'editor', reason: 'Yonhap was quoting the same US officials.' }),
      );
      expect(entries[3].changes).toEqual(expect.objectContaining({ citationId: removed.id, reason: 'Yonhap was quoting the same US officials.' }));
      const past = await t.http.get(`/api/claims/${claim.id}`).query({ version: 3 }).set(t.auth('reader'));
      expect(past.body.citations.map((c: { id: string }) => c.id)).toEqual([kept.id, removed.id]);
    });

    it('When a citation is deleted without a reason, twice, or without If-Match, then it is refused and nothing is written', async () => {
      const claim = await s.claim(storyId, 'foodAid', { citations: [citation(src.usOfficials)] });
      const [cited] = claim.body.citations as { id: string }[];
      await unchangedCount(async () => {
        const noReason = await uncite(claim.id, cited.id, {});
        expectProblem(noReason, 400, 'REQUEST.VALIDATION_FAILED');
        expect(fieldsOf(noReason)).toEqual(['reason']);
        const noIfMatch = await t.http.delete(`/api/claims/${claim.id}/citations/${cited.id}`).set(t.auth('editor')).send({ reason: 'Misattributed.' });
        expectProblem(noIfMatch, 428, 'REQUEST.IF_MATCH_REQUIRED');
        expectProblem(await uncite(claim.id, '9d5e2b1c-3f4a-4b6c-8d7e-0f1a2b3c4d5e', { reason: 'Misattributed.' }), 404, 'CITATION.NOT_FOUND');
      });
      expect((await uncite(claim.id, cited.id, { reason: 'Misattributed.' })).status).toBe(200);
      expectProblem(await uncite(claim.id, cited.id, { reason: 'Misattributed.' }), 404, 'CITATION.NOT_FOUND');
    });
  });

  describe('verdicts', () => {
    it('When an editor marks a claim reported and then disputed, then each verdict is set with its reason', async () => {
      const claim = await s.claim(storyId, 'foodAid', { citations: [citation(src.usOfficials, { access: 'anonymous' })] });

      const reported = await change(claim.id, 'verdicts', { verdict: 'reported', reason: 'Reported on the word of anonymous US officials.' });
      expect(reported.status).toBe(201);
      expect(reported.headers.etag).toBe('"3"');
      expect(reported.body).toEqual(expect.objectContaining({ verdict: 'reported', verdictReason: 'Reported on the word of anonymous US officials.', version: 3 }));

      const disputed = await change(claim.id, 'verdicts', { verdict: 'disputed', reason: 'Pyongyang denies asking for aid.' });
      expect(disputed.status).toBe(201);
      expect(disputed.body).toEqual(expect.objectContaining({ verdict: 'disputed', verdictReason: 'Pyongyang denies asking for aid.', version: 4 }));
    });

    it('When an editor asks for corroborated or for an override, then it is refused with 403 and nothing is written', async () => {
      const claim = await s.claim(storyId, 'usWarning', {
        citations: [citation(src.usGovernment, { role: 'claimant', credibility: 2 }), citation(src.yonhap, { role: 'corroborates' })],
      });
      await unchangedCount(async () => {
        expectProblem(await change(claim.id, 'verdicts', { verdict: 'corroborated', reason: 'Two chains.' }), 403, 'VERDICT.REVIEWER_REQUIRED');
        expectProblem(await change(claim.id, 'verdicts', { verdict: 'confirmed', reason: 'On the record.' }), 403, 'VERDICT.REVIEWER_REQUIRED');
        expectProblem(await change(claim.id, 'verdicts', { verdict: 'reported', reason: 'Reported.', override: true }), 403, 'VERDICT.OVERRIDE_FORBIDDEN');
      });
    });

    it('When a verdict comes without a reason, with a blank one, or repeats the current verdict, then it is refused', async () => {
      const claim = await s.claim(storyId, 'foodAid');
      await unchangedCount(async () => {
        const missing = await change(claim.id, 'verdicts', { verdict: 'reported' });
        expectProblem(missing, 400, 'REQUEST.VALIDATION_FAILED');
        expect(fieldsOf(missing)).toEqual(['reason']);
        expectProblem(await change(claim.id, 'verdicts', { verdict: 'reported', reason: '   ' }), 400, 'CLAIM.REASON_REQUIRED');
        expectProblem(await change(claim.id, 'verdicts', { verdict: 'unverified', reason: 'Still.' }), 409, 'VERDICT.UNCHANGED');
      });
    });

    it('When a reviewer asks for corroborated with one chain, then VERDICT.NEEDS_CORROBORATION; with a second independent chain, it is set', async () => {
      const claim = await s.claim(storyId, 'usWarning', { citations: [citation(src.usGovernment, { role: 'claimant', credibility: 2 })] });

      const one = await unchangedCount(() => change(claim.id, 'verdicts', { verdict: 'corroborated', reason: 'The warning is on the record.' }, 'reviewer'));
      expectProblem(one, 409, 'VERDICT.NEEDS_CORROBORATION');
      expect(one.body.chains).toBe(1);

      await s.cite(claim.id, src.yonhap, { role: 'corroborates', url: 'https://en.yna.co.kr/view/AEN20230905000300315' });
      const two = await change(claim.id, 'verdicts', { verdict: 'corroborated', reason: 'Yonhap reported the warning independently.' }, 'reviewer');
      expect(two.status).toBe(201);
      expect(two.body).toEqual(expect.objectContaining({ verdict: 'corroborated', verdictReason: 'Yonhap reported the warning independently.' }));
    });

    it('When the Times and Yonhap both relay the US officials, then that is one chain and corroborated is refused', async () => {
      const claim = await s.claim(storyId, 'munitions', {
        citations: [
          citation(src.usOfficials, { access: 'anonymous' }),
          citation(src.nyt, { role: 'relay', relayOf: src.usOfficials }),
          citation(src.yonhap, { role: 'relay', relayOf: src.usOfficials }),
        ],
      });
      const res = await unchangedCount(() => change(claim.id, 'verdicts', { verdict: 'corroborated', reason: 'Three outlets.' }, 'reviewer'));
      expectProblem(res, 409, 'VERDICT.NEEDS_CORROBORATION');
      expect(res.body.chains).toBe(1);
    });

    it('When the only support is two anonymous groups, then corroborated is VERDICT.ANONYMOUS_ONLY until a reviewer overrides it', async () => {
      const claim = await s.claim(storyId, 'technology', {
        citations: [citation(src.usOfficials, { access: 'anonymous' }), citation(src.southKoreanOfficials, { access: 'anonymous', role: 'corroborates' })],
      });

      const refused = await unchangedCount(() => change(claim.id, 'verdicts', { verdict: 'corroborated', reason: 'Two services agree.' }, 'reviewer'));
      expectProblem(refused, 409, 'VERDICT.ANONYMOUS_ONLY');

      const overridden = await change(
        claim.id,
        'verdicts',
        { verdict: 'corroborated', reason: 'Two intelligence services agree independently; the desk accepts it.', override: true },
        'reviewer',
      );
      expect(overridden.status).toBe(201);
      expect(overridden.body.verdict).toBe('corroborated');
      const last = (await history(claim.id)).at(-1);
      expect(last).toEqual(
        expect.objectContaining({ type: 'VerdictChanged', actor: 'test-reviewer', role: 'reviewer', reason: 'Two intelligence services agree independently; the desk accepts it.' }),
      );
      expect(last?.changes).toEqual(expect.objectContaining({ from: 'unverified', to: 'corroborated', override: true }));
    });

    it('When confirmed is asked on an A-graded source at credibility 2, then it is refused; a B-graded one at credibility 1 confirms', async () => {
      const claim = await s.claim(storyId, 'usWarning', {
        statement: 'The United States urged North Korea to cease its arms negotiations with Russia.',
        citations: [citation(src.whiteHouse, { role: 'claimant', credibility: 2 })],
      });
      expectProblem(
        await unchangedCount(() => change(claim.id, 'verdicts', { verdict: 'confirmed', reason: 'The White House said so.' }, 'reviewer')),
        409,
        'VERDICT.NEEDS_CONFIRMATION',
      );

      await s.cite(claim.id, src.usGovernment, { role: 'corroborates', credibility: 1, access: 'document' });
      const confirmed = await change(claim.id, 'verdicts', { verdict: 'confirmed', reason: 'The State Department transcript shows the demand.' }, 'reviewer');
      expect(confirmed.status).toBe(201);
      expect(confirmed.body.verdict).toBe('confirmed');
    });

    it('When false is asked on a Kremlin denial of credibility 4, then it is refused; a contradiction of credibility 2 makes it false', async () => {
      const claim = await s.claim(storyId, 'foodAid', { statement: 'Kim’s trip includes a stop in Moscow.', topics: ['travel'] });
      await s.cite(claim.id, src.kremlin, { role: 'denial', stance: 'contradicts', credibility: 4 });
      expectProblem(
        await unchangedCount(() => change(claim.id, 'verdicts', { verdict: 'false', reason: 'The Kremlin denies it.' }, 'reviewer')),
        409,
        'VERDICT.NEEDS_CONTRADICTION',
      );

      await s.cite(claim.id, src.whiteHouse, { role: 'contradicts', stance: 'contradicts', credibility: 2 });
      const res = await change(claim.id, 'verdicts', { verdict: 'false', reason: 'Kim returned to Pyongyang without visiting Moscow.' }, 'reviewer');
      expect(res.status).toBe(201);
      expect(res.body.verdict).toBe('false');
    });
  });

  describe('rewording, resolving and relating', () => {
    it('When a claim is reworded, then it carries the new text and its history keeps the old one', async () => {
      const claim = await s.claim(storyId, 'technology');
      const to = 'Kim wants Russian help with reconnaissance satellites and nuclear-powered submarines.';

      const res = await change(claim.id, 'rewordings', { statement: to, reason: 'Narrowed to what the officials said.' });

      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"2"');
      expect(res.body.statement).toBe(to);
      const last = (await history(claim.id)).at(-1);
      expect(last).toEqual(expect.objectContaining({ type: 'ClaimReworded', version: 2, actor: 'test-editor', reason: 'Narrowed to what the officials said.' }));
      expect(last?.changes).toEqual(expect.objectContaining({ from: CLAIMS.technology.statement, to }));
      const old = await t.http.get(`/api/claims/${claim.id}`).query({ version: 1 }).set(t.auth('reader'));
      expect(old.body.statement).toBe(CLAIMS.technology.statement);
      expectProblem(await change(claim.id, 'rewordings', { statement: to, reason: 'Again.' }), 409, 'CLAIM.STATEMENT_UNCHANGED');
    });

    it('When the Eastern Economic Forum forecast is resolved, then it carries the outcome; resolving an assertion is CLAIM.NOT_A_FORECAST', async () => {
      const forum = await s.claim(storyId, 'forum');
      const reason = 'Putin attended the forum; Kim met him at Vostochny on September 13 instead.';

      const res = await change(forum.id, 'resolution', { outcome: 'occurred_differently', reason });

      expect(res.status).toBe(201);
      expect(res.body.resolution).toEqual({ outcome: 'occurred_differently', reason, at: expect.stringMatching(ISO) });
      expectProblem(await change(forum.id, 'resolution', { outcome: 'occurred_differently', reason: 'Same.' }), 409, 'CLAIM.RESOLUTION_UNCHANGED');

      const assertion = await s.claim(storyId, 'foodAid');
      await unchangedCount(async () => {
        expectProblem(await change(assertion.id, 'resolution', { outcome: 'occurred', reason: 'Aid arrived.' }), 409, 'CLAIM.NOT_A_FORECAST');
      });
    });

    it('When the food-aid claim is related to the munitions claim, then the relation is kept; an unknown target is a 404', async () => {
      const munitions = await s.claim(storyId, 'munitions');
      const foodAid = await s.claim(storyId, 'foodAid');

      const res = await change(foodAid.id, 'relations', { relation: 'part_of', claimId: munitions.id });

      expect(res.status).toBe(201);
      expect(res.body.relations).toEqual([{ relation: 'part_of', claimId: munitions.id, at: expect.stringMatching(ISO) }]);
      await unchangedCount(async () => {
        expectProblem(await change(foodAid.id, 'relations', { relation: 'supports', claimId: UNKNOWN_CLAIM }), 404, 'CLAIM.RELATED_NOT_FOUND');
        expectProblem(await change(foodAid.id, 'relations', { relation: 'part_of', claimId: munitions.id }), 409, 'CLAIM.RELATION_EXISTS');
        expectProblem(await change(foodAid.id, 'relations', { relation: 'supports', claimId: foodAid.id }), 400, 'CLAIM.SELF_RELATION');
      });
    });

    it('When any change names a claim that does not exist, then it is a 404 problem whatever the If-Match', async () => {
      for (const version of [0, 1]) {
        const res = await t.http
          .post(`/api/claims/${UNKNOWN_CLAIM}/verdicts`)
          .set(t.auth('editor'))
          .set(ifMatch(version))
          .send({ verdict: 'reported', reason: 'Reported.' });
        expectProblem(res, 404, 'CLAIM.NOT_FOUND');
      }
    });
  });

  describe('withdrawal and reinstatement', () => {
    it('When a reviewer withdraws a claim, then every change but reinstatement is refused as CLAIM.WITHDRAWN, and reinstating lets changes through again', async () => {
      const claim = await s.claim(storyId, 'forum', { citations: [citation(src.usOfficials, { access: 'anonymous' })] });
      const other = await s.claim(storyId, 'munitions');
      const [cited] = claim.body.citations as { id: string }[];

      await unchangedCount(async () => expectProblem(await change(claim.id, 'withdrawal', { reason: 'Not in the published story.' }), 403, 'AUTH.FORBIDDEN'));
      const withdrawn = await change(claim.id, 'withdrawal', { reason: 'Cut from the published story.' }, 'reviewer');
      expect(withdrawn.status).toBe(201);
      expect(withdrawn.body).toEqual(expect.objectContaining({ withdrawn: true, withdrawnReason: 'Cut from the published story.', version: 3 }));
      const story = await t.http.get(`/api/stories/${storyId}`).set(t.auth('reader'));
      expect(story.body.claims).toEqual(expect.arrayContaining([expect.objectContaining({ id: claim.id, withdrawn: true })]));

      await unchangedCount(async () => {
        expectProblem(await change(claim.id, 'citations', citation(src.nyt)), 409, 'CLAIM.WITHDRAWN');
        expectProblem(await uncite(claim.id, cited.id, { reason: 'Misattributed.' }), 409, 'CLAIM.WITHDRAWN');
        expectProblem(await change(claim.id, 'verdicts', { verdict: 'reported', reason: 'Reported.' }), 409, 'CLAIM.WITHDRAWN');
        expectProblem(await change(claim.id, 'verdicts', { verdict: 'inconclusive', reason: 'Unclear.' }, 'reviewer'), 409, 'CLAIM.WITHDRAWN');
        expectProblem(await change(claim.id, 'rewordings', { statement: 'Putin will attend the forum.', reason: 'Narrowed.' }), 409, 'CLAIM.WITHDRAWN');
        expectProblem(await change(claim.id, 'resolution', { outcome: 'occurred', reason: 'It happened.' }), 409, 'CLAIM.WITHDRAWN');
        expectProblem(await change(claim.id, 'relations', { relation: 'part_of', claimId: other.id }), 409, 'CLAIM.WITHDRAWN');
        expectProblem(await change(claim.id, 'withdrawal', { reason: 'Again.' }, 'reviewer'), 409, 'CLAIM.ALREADY_WITHDRAWN');
        expectProblem(await change(claim.id, 'reinstatement', { reason: 'Back in.' }), 403, 'AUTH.FORBIDDEN');
      });

      const reinstated = await change(claim.id, 'reinstatement', { reason: 'Restored in the updated story.' }, 'reviewer');
      expect(reinstated.status).toBe(201);
      expect(reinstated.body).toEqual(expect.objectContaining({ withdrawn: false, withdrawnReason: null, version: 4 }));
      expect((await change(claim.id, 'verdicts', { verdict: 'reported', reason: 'Reported by US officials.' })).status).toBe(201);
      expectProblem(await change(claim.id, 'reinstatement', { reason: 'Again.' }, 'reviewer'), 409, 'CLAIM.NOT_WITHDRAWN');
    });
  });

  describe('history', () => {
    it('When a claim has been changed by an editor and a reviewer, then its history lists each event with actor, role, reason and changes in order', async () => {
      const claim = await s.claim(storyId, 'munitions', { citations: [citation(src.usOfficials, { access: 'anonymous' })] });
      await done(change(claim.id, 'verdicts', { verdict: 'reported', reason: 'On the word of US officials.' }));
      await done(change(claim.id, 'withdrawal', { reason: 'Duplicate of the arms-deal claim.' }, 'reviewer'));

      const res = await t.http.get(`/api/claims/${claim.id}/history`).set(t.auth('reader'));

      expect(res.status).toBe(200);
      // The contract may be extended with more fields per entry; those it names must be exactly these.
      expect(res.body).toEqual([
        expect.objectContaining({
          position: expect.stringMatching(/^\d+$/),
          version: 1,
          type: 'ClaimRecorded',
          at: expect.stringMatching(ISO),
          actor: 'test-editor',
          role: 'editor',
          reason: null,
          changes: {
            claimId: claim.id,
            storyId,
            statement: CLAIMS.munitions.statement,
            kind: 'assertion',
            topics: CLAIMS.munitions.topics,
            actors: CLAIMS.munitions.actors,
            occurredAt: null,
            dueAt: null,
          },
        }),
        expect.objectContaining({ version: 2, type: 'CitationAdded', actor: 'test-editor', role: 'editor', changes: expect.objectContaining({ sourceId: src.usOfficials }) }),
        expect.objectContaining({
          version: 3,
          type: 'VerdictChanged',
          actor: 'test-editor',
          role: 'editor',
          reason: 'On the word of US officials.',
          changes: { from: 'unverified', to: 'reported', reason: 'On the word of US officials.', override: false },
        }),
        expect.objectContaining({ version: 4, type: 'ClaimWithdrawn', actor: 'test-reviewer', role: 'reviewer', reason: 'Duplicate of the arms-deal claim.' }),
      ]);
      const positions = (res.body as { position: string }[]).map((e) => BigInt(e.position));
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
    });

    it('When a request body names its own actor or role, then it is refused and the history records only the key’s name', async () => {
      const claim = await s.claim(storyId, 'foodAid');
      const forged = await unchangedCount(() =>
        change(claim.id, 'verdicts', { verdict: 'reported', reason: 'Reported.', actor: 'mallory', role: 'admin' }),
      );
      expectProblem(forged, 400, 'REQUEST.VALIDATION_FAILED');
      expect(forged.body.errors).toEqual(
        expect.arrayContaining([{ field: 'actor', message: 'unknown field' }, { field: 'role', message: 'unknown field' }]),
      );

      await done(change(claim.id, 'verdicts', { verdict: 'reported', reason: 'Reported.' }));
      const entries = await history(claim.id);
      expect(entries.map((e) => [e.actor, e.role])).toEqual([
        ['test-editor', 'editor'],
        ['test-editor', 'editor'],
      ]);
      expect(JSON.stringify(entries)).not.toContain('mallory');
    });

    it('When the history of an unknown claim is asked for, then it is a 404 problem', async () => {
      expectProblem(await t.http.get(`/api/claims/${UNKNOWN_CLAIM}/history`).set(t.auth('reader')), 404, 'CLAIM.NOT_FOUND');
    });
  });

  describe('listing', () => {
    let listStory: string;
    const ids = {} as Record<'munitions' | 'technology' | 'foodAid' | 'forum', string>;

    beforeAll(async () => {
      listStory = (await s.story('claims-listing')).id;
      for (const name of ['munitions', 'technology', 'foodAid', 'forum'] as const) ids[name] = (await s.claim(listStory, name)).id;
      await done(change(ids.foodAid, 'verdicts', { verdict: 'reported', reason: 'Reported by US officials.' }));
    });

    const list = async (query: Record<string, string | number>) => {
      const res = await t.http.get('/api/claims').query({ storyId: listStory, ...query }).set(t.auth('reader'));
      expect(res.status).toBe(200);
      return { ids: (res.body.items as { id: string }[]).map((c) => c.id), nextCursor: res.body.nextCursor as string | null, body: res.body };
    };

    it('When claims are listed by story, then the story’s claims come back in the order they were recorded', async () => {
      const page = await list({});
      expect(page.ids).toEqual([ids.munitions, ids.technology, ids.foodAid, ids.forum]);
      expect(page.nextCursor).toBeNull();
      expect(page.body.items[2]).toEqual(expect.objectContaining({ storyId: listStory, verdict: 'reported', citations: [], version: 2 }));
    });

    it.each([
      ['topic', { topic: 'arms-for-technology' }, ['munitions', 'technology']],
      ['verdict', { verdict: 'reported' }, ['foodAid']],
      ['kind', { kind: 'forecast' }, ['forum']],
      ['topic and kind together', { topic: 'arms-for-technology', kind: 'forecast' }, []],
    ] as const)('When claims are filtered by %s, then only the matching ones come back', async (_label, query, expected) => {
      expect((await list(query)).ids).toEqual(expected.map((name) => ids[name]));
    });

    it('When claims are searched by words in the statement, then only the matching ones come back', async () => {
      // The word search may be served by an index that catches up asynchronously; give it a few seconds.
      let found = await list({ q: 'SATELLITES' });
      for (let tries = 0; found.ids.length === 0 && tries < 50; tries++) {
        await pause(100);
        found = await list({ q: 'SATELLITES' });
      }
      expect(found.ids).toEqual([ids.technology]);
      expect((await list({ q: 'Eastern Economic Forum' })).ids).toEqual([ids.forum]);
      expect((await list({ q: 'Vostochny' })).ids).toEqual([]);
    });

    it('When claims are read one at a time, then following nextCursor visits each once and ends with null', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const res = await list({ limit: 1, ...(cursor ? { cursor } : {}) });
        expect(res.ids).toHaveLength(1);
        seen.push(...res.ids);
        cursor = res.nextCursor;
        if (cursor === null) break;
      }
      expect(seen).toEqual([ids.munitions, ids.technology, ids.foodAid, ids.forum]);
    });
  });

  describe('ClaimReview export', () => {
    it('When a claim is confirmed, then its ClaimReview is schema.org JSON-LD rating it true', async () => {
      const claim = await s.claim(storyId, 'usWarning', {
        occurredAt: '2023-09-05T00:00:00Z',
        citations: [citation(src.whiteHouse, { role: 'claimant', credibility: 1, access: 'on_record' })],
      });
      const confirmed = await change(claim.id, 'verdicts', { verdict: 'confirmed', reason: 'The White House briefing transcript.' }, 'reviewer');
      expect(confirmed.status).toBe(201);

      const res = await t.http.get(`/api/claims/${claim.id}/claimreview`).set(t.auth('reader'));

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        '@context': 'https://schema.org',
        '@type': 'ClaimReview',
        claimReviewed: CLAIMS.usWarning.statement,
        datePublished: confirmed.body.updatedAt,
        reviewRating: { '@type': 'Rating', ratingValue: 5, bestRating: 5, worstRating: 1, alternateName: 'True' },
        itemReviewed: { '@type': 'Claim', author: [{ '@type': 'Thing', name: 'United States government' }], datePublished: '2023-09-05T00:00:00Z' },
        author: { '@type': 'Organization', name: 'Claimtrail' },
      });
    });

    it('When a claim is still unverified, then there is no ClaimReview: 409; for an unknown claim, 404', async () => {
      const claim = await s.claim(storyId, 'foodAid');
      expectProblem(await t.http.get(`/api/claims/${claim.id}/claimreview`).set(t.auth('reader')), 409, 'CLAIM.NOT_EXPORTABLE');
      expectProblem(await t.http.get(`/api/claims/${UNKNOWN_CLAIM}/claimreview`).set(t.auth('reader')), 404, 'CLAIM.NOT_FOUND');
    });
  });
});
