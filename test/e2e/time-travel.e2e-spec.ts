import { citation, expectProblem, ifMatch, pause, scene, type Scene } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** Long enough that two instants either side of it can never share a millisecond. */
const PAUSE_MS = 25;

describe('Reading the past over HTTP', () => {
  let t: TestApp;
  let s: Scene;
  let storyId: string;
  let usOfficials: string;

  beforeAll(async () => {
    t = await startTestApp();
    s = scene(t);
    storyId = (await s.story('kim-jong-un-russia-visit')).id;
    usOfficials = await s.source('usOfficials');
  });
  afterAll(() => t.close());

  const setVerdict = async (claimId: string, version: number, verdict: string, reason: string) => {
    const res = await t.http.post(`/api/claims/${claimId}/verdicts`).set(t.auth('editor')).set(ifMatch(version)).send({ verdict, reason });
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.objectContaining({ verdict }) });
    return res;
  };

  const claimAt = (claimId: string, query: Record<string, string | number>) => t.http.get(`/api/claims/${claimId}`).query(query).set(t.auth('reader'));

  /** Records the munitions claim, then changes its verdict twice with a pause, noting a moment between each step. */
  const twoVerdicts = async () => {
    const claim = await s.claim(storyId, 'munitions', { citations: [citation(usOfficials, { access: 'anonymous' })] });
    await pause(PAUSE_MS);
    const afterRecording = new Date().toISOString();
    await pause(PAUSE_MS);
    await setVerdict(claim.id, 2, 'reported', 'US officials told several outlets.');
    await pause(PAUSE_MS);
    const betweenVerdicts = new Date().toISOString();
    await pause(PAUSE_MS);
    await setVerdict(claim.id, 3, 'disputed', 'Pyongyang called the report absurd.');
    return { claim, afterRecording, betweenVerdicts };
  };

  it('When a verdict changed twice, then ?asOf= a moment between the two changes returns the first verdict and that version’s ETag', async () => {
    const { claim, afterRecording, betweenVerdicts } = await twoVerdicts();

    const between = await claimAt(claim.id, { asOf: betweenVerdicts });
    expect(between.status).toBe(200);
    expect(between.headers.etag).toBe('"3"');
    expect(between.body).toEqual(expect.objectContaining({ id: claim.id, verdict: 'reported', verdictReason: 'US officials told several outlets.', version: 3 }));

    const earlier = await claimAt(claim.id, { asOf: afterRecording });
    expect(earlier.headers.etag).toBe('"2"');
    expect(earlier.body).toEqual(expect.objectContaining({ verdict: 'unverified', verdictReason: null, version: 2 }));

    const now = await claimAt(claim.id, { asOf: new Date().toISOString() });
    expect(now.body).toEqual(expect.objectContaining({ verdict: 'disputed', version: 4 }));
  });

  it('When a time with another zone names the same instant, then the same past state comes back', async () => {
    const { claim, betweenVerdicts } = await twoVerdicts();
    const instant = new Date(betweenVerdicts);
    const seoul = new Date(instant.getTime() + 9 * 3600_000).toISOString().replace('Z', '+09:00');

    const res = await claimAt(claim.id, { asOf: seoul });

    expect(res.status).toBe(200);
    expect(res.body.verdict).toBe('reported');
  });

  it('When a claim is read at ?version=N, then it is the claim as of that version, with ETag "N"', async () => {
    const { claim } = await twoVerdicts();

    for (const [version, verdict, citations] of [
      [1, 'unverified', 0],
      [2, 'unverified', 1],
      [3, 'reported', 1],
      [4, 'disputed', 1],
    ] as const) {
      const res = await claimAt(claim.id, { version });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe(`"${version}"`);
      expect(res.body).toEqual(expect.objectContaining({ version, verdict }));
      expect(res.body.citations).toHaveLength(citations);
    }
    const current = await t.http.get(`/api/claims/${claim.id}`).set(t.auth('reader'));
    expect((await claimAt(claim.id, { version: 4 })).body).toEqual(current.body);
  });

  it('When a claim is read at a version it has not reached, then it is a 404 problem', async () => {
    const { claim } = await twoVerdicts();
    expectProblem(await claimAt(claim.id, { version: 5 }), 404, 'CLAIM.NOT_FOUND');
  });

  it('When a claim is read ?asOf= a moment before it was recorded, then it is a 404 problem', async () => {
    const before = new Date().toISOString();
    await pause(PAUSE_MS);
    const claim = await s.claim(storyId, 'foodAid');

    expectProblem(await claimAt(claim.id, { asOf: before }), 404, 'CLAIM.NOT_FOUND');
    expectProblem(await claimAt(claim.id, { asOf: '2023-09-04T22:00:00Z' }), 404, 'CLAIM.NOT_FOUND');
  });

  it('When a story is read ?asOf= a past moment, then its claims carry the verdicts they had then, and later claims are absent', async () => {
    const story = await s.story('kim-visit-desk-belief');
    const munitions = await s.claim(story.id, 'munitions');
    const foodAid = await s.claim(story.id, 'foodAid');
    await setVerdict(munitions.id, 1, 'reported', 'US officials told several outlets.');
    await pause(PAUSE_MS);
    const then = new Date().toISOString();
    await pause(PAUSE_MS);
    await setVerdict(munitions.id, 2, 'disputed', 'Pyongyang called the report absurd.');
    await setVerdict(foodAid.id, 1, 'reported', 'US officials again.');
    const forum = await s.claim(story.id, 'forum');

    const past = await t.http.get(`/api/stories/${story.id}`).query({ asOf: then }).set(t.auth('reader'));

    expect(past.status).toBe(200);
    expect(past.headers.etag).toBe('"1"');
    expect(past.body.claims).toEqual([
      expect.objectContaining({ id: munitions.id, verdict: 'reported' }),
      expect.objectContaining({ id: foodAid.id, verdict: 'unverified' }),
    ]);

    const present = await t.http.get(`/api/stories/${story.id}`).set(t.auth('reader'));
    expect(present.body.claims).toEqual([
      expect.objectContaining({ id: munitions.id, verdict: 'disputed' }),
      expect.objectContaining({ id: foodAid.id, verdict: 'reported' }),
      expect.objectContaining({ id: forum.id, verdict: 'unverified' }),
    ]);
  });

  it('When a claim was withdrawn and reinstated, then reading it at each version shows whether it was withdrawn then', async () => {
    const claim = await s.claim(storyId, 'forum');
    const withdraw = await t.http.post(`/api/claims/${claim.id}/withdrawal`).set(t.auth('reviewer')).set(ifMatch(1)).send({ reason: 'Cut.' });
    expect(withdraw.status).toBe(201);
    const reinstate = await t.http.post(`/api/claims/${claim.id}/reinstatement`).set(t.auth('reviewer')).set(ifMatch(2)).send({ reason: 'Restored.' });
    expect(reinstate.status).toBe(201);

    expect((await claimAt(claim.id, { version: 1 })).body).toEqual(expect.objectContaining({ withdrawn: false, withdrawnReason: null }));
    expect((await claimAt(claim.id, { version: 2 })).body).toEqual(expect.objectContaining({ withdrawn: true, withdrawnReason: 'Cut.' }));
    expect((await claimAt(claim.id, { version: 3 })).body).toEqual(expect.objectContaining({ withdrawn: false, withdrawnReason: null }));
  });

  it('When both ?asOf= and ?version= are given, or either is malformed, then it is a 400 problem', async () => {
    const claim = await s.claim(storyId, 'foodAid');
    expectProblem(await claimAt(claim.id, { asOf: new Date().toISOString(), version: 1 }), 400, 'REQUEST.AMBIGUOUS_READ');
    expectProblem(await claimAt(claim.id, { version: 0 }), 400, 'REQUEST.VALIDATION_FAILED');
    expectProblem(await claimAt(claim.id, { asOf: 'September 5' }), 400, 'REQUEST.VALIDATION_FAILED');
  });
});
