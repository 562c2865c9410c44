import { resolve } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext } from '../../src/common/decider';
import { DomainError } from '../../src/common/domain-error';
import { importStory, readStoryImport, type ImportResult } from '../../src/import/story-importer';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE = resolve(__dirname, '..', '..', 'data', 'sample-story.json');
const context = (): CommandContext => ({ actor: 'sample-import', role: 'editor', now: new Date().toISOString() });

type ClaimView = { id: string; statement: string; kind: string; dueAt: string | null; verdict: string; citations: { sourceId: string }[]; relations: unknown[] };

describe('Importing the sample story', () => {
  let t: TestApp;
  let imported: ImportResult;
  let claims: ClaimView[];

  beforeAll(async () => {
    t = await startTestApp();
    imported = await importStory(t.app.get(CommandBus), readStoryImport(SAMPLE), context());
    const res = await t.http.get('/api/claims').query({ storyId: imported.storyId, limit: 100 }).set(t.auth('reader'));
    expect(res.status).toBe(200);
    claims = res.body.items as ClaimView[];
  });
  afterAll(() => t.close());

  it('When the sample is imported, then every event it reports is in the store', async () => {
    expect(imported).toEqual({ storyId: expect.any(String), sources: 7, claims: 14, events: await t.eventCount() });
  });

  it('When the sample is imported, then its story is listed on the world desk with its 14 claims', async () => {
    const list = await t.http.get('/api/stories').query({ desk: 'world' }).set(t.auth('reader'));
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: imported.storyId,
        slug: 'kim-jong-un-russia-visit',
        headline: 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Weaponry Deal',
        publishedAt: '2023-09-04T22:00:00Z',
      }),
    ]);

    const story = await t.http.get(`/api/stories/${imported.storyId}`).set(t.auth('reader'));
    expect(story.status).toBe(200);
    expect(story.body.claims).toHaveLength(14);
    expect(claims).toHaveLength(14);
    expect(story.body.claims.map((c: { id: string }) => c.id)).toEqual(claims.map((c) => c.id));
  });

  it('When the sample is imported, then the "US officials" source is anonymous and graded C', async () => {
    const res = await t.http.get('/api/sources').query({ q: 'US officials' }).set(t.auth('reader'));
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ descriptor: 'US officials', kind: 'anonymous_group', anonymous: true, name: null, reliability: 'C' })]);
    const usOfficials = res.body.items[0].id as string;
    const citing = claims.filter((c) => c.citations.some((cited) => cited.sourceId === usOfficials));
    expect(citing.length).toBeGreaterThanOrEqual(10);
  });

  it('When the sample is imported, then the Eastern Economic Forum claim is a forecast due on September 13, Vladivostok time', async () => {
    const forum = claims.filter((c) => c.statement.includes('Eastern Economic Forum'));
    expect(forum).toEqual([expect.objectContaining({ kind: 'forecast', dueAt: '2023-09-13T23:59:59+10:00', verdict: 'unverified' })]);
    const read = await t.http.get(`/api/claims/${forum[0].id}`).set(t.auth('reader'));
    expect(read.body.relations).toEqual([expect.objectContaining({ relation: 'part_of' })]);
  });

  it('When the sample is imported, then its verdicts are set and the arms claims relate to the arms deal', () => {
    expect(claims.filter((c) => c.verdict === 'reported')).toHaveLength(9);
    expect(claims.filter((c) => c.verdict === 'unverified').every((c) => c.kind === 'forecast')).toBe(true);
    const munitions = claims.find((c) => c.statement.includes('artillery shells'));
    expect(munitions).toEqual(expect.objectContaining({ kind: 'assertion', verdict: 'reported' }));
    expect(claims.flatMap((c) => c.relations)).toHaveLength(10);
  });

  it('When the sample is imported, then every claim’s history starts with ClaimRecorded by "sample-import"', async () => {
    for (const claim of claims) {
      const res = await t.http.get(`/api/claims/${claim.id}/history`).set(t.auth('reader'));
      expect(res.status).toBe(200);
      expect(res.body[0]).toEqual(expect.objectContaining({ version: 1, type: 'ClaimRecorded', actor: 'sample-import', role: 'editor' }));
      expect(res.body.every((entry: { actor: string }) => entry.actor === 'sample-import')).toBe(true);
    }
  });

  it('When the sample is imported a second time, then it fails on the slug already taken and writes no event', async () => {
    const before = await t.eventCount();

    const again = await importStory(t.app.get(CommandBus), readStoryImport(SAMPLE), context()).then(
      () => null,
      (error: unknown) => error,
    );

    expect(again).toBeInstanceOf(DomainError);
    expect(again).toEqual(expect.objectContaining({ code: 'STORY.SLUG_TAKEN', kind: 'conflict' }));
    expect(await t.eventCount()).toBe(before);
  });
});
