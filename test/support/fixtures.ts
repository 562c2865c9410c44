import type { Response } from 'supertest';
import type { TestApp } from './test-app';

/**
 * The sample story's people, sources and claims (as in data/sample-story.json), as request bodies,
 * and the few calls every HTTP spec needs to set up a scene.
 */

export const KIM_HEADLINE = 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Weaponry Deal';
export const KIM_BODY =
  'Kim Jong-un, the leader of North Korea, is scheduled to travel to Russia this month to meet with President Vladimir V. Putin.\n\n' +
  'According to officials, Mr. Putin wants Mr. Kim to agree to supply Russia with artillery shells and antitank missiles, while ' +
  'Mr. Kim hopes that Russia will provide North Korea with advanced technology for satellites and nuclear-powered submarines. ' +
  'Kim is also seeking food aid for his impoverished nation.\n\n' +
  'Both leaders are expected to attend the Eastern Economic Forum, scheduled to be held at the Far Eastern Federal University in ' +
  'Vladivostok from September 10 to 13.\n\n' +
  'The United States has warned about a possible arms deal between Russia and North Korea, citing declassified intelligence.';

export const storyBody = (slug: string, overrides: Record<string, unknown> = {}) => ({
  slug,
  headline: KIM_HEADLINE,
  body: KIM_BODY,
  desk: 'world',
  publishedAt: '2023-09-04T22:00:00Z',
  ...overrides,
});

export const SOURCES = {
  usOfficials: {
    kind: 'anonymous_group',
    descriptor: 'US officials',
    anonymous: true,
    affiliation: 'United States government',
    reliability: 'C',
    rationale: 'Unnamed officials briefing on intelligence about adversaries; we cannot test their evidence.',
  },
  usIntelligence: {
    kind: 'official_assessment',
    descriptor: 'declassified US intelligence',
    anonymous: false,
    affiliation: 'United States government',
    reliability: 'C',
    rationale: 'A declassified assessment; its sourcing is withheld and its publisher has a policy interest.',
  },
  usGovernment: {
    kind: 'government_body',
    descriptor: 'US government, on the record',
    anonymous: false,
    affiliation: 'United States government',
    reliability: 'B',
    rationale: 'On-record statements by the National Security Council spokesman.',
  },
  whiteHouse: {
    kind: 'government_body',
    descriptor: 'White House National Security Council',
    name: 'John Kirby',
    anonymous: false,
    affiliation: 'United States government',
    reliability: 'A',
    rationale: 'Named spokesman speaking on the record about what the government itself did.',
  },
  nyt: {
    kind: 'news_outlet',
    descriptor: 'The New York Times',
    anonymous: false,
    reliability: 'B',
    rationale: 'Established newsroom with a corrections record.',
  },
  yonhap: {
    kind: 'wire',
    descriptor: 'Yonhap News Agency',
    anonymous: false,
    reliability: 'C',
    rationale: 'South Korean wire; usually right about the North, sometimes early.',
  },
  southKoreanOfficials: {
    kind: 'anonymous_group',
    descriptor: 'South Korean intelligence officials',
    anonymous: true,
    affiliation: 'National Intelligence Service',
    reliability: 'C',
    rationale: 'Unnamed lawmakers briefed by the NIS; placed to know, not testable.',
  },
  kim: {
    kind: 'person',
    descriptor: 'Kim Jong-un, leader of North Korea',
    name: 'Kim Jong-un',
    anonymous: false,
    affiliation: 'Government of North Korea',
    reliability: 'D',
    rationale: 'His statements reach us through state media and serve its messaging.',
  },
  kremlin: {
    kind: 'government_body',
    descriptor: 'Kremlin',
    anonymous: false,
    reliability: 'D',
    rationale: 'Official denials have often turned out to be wrong during the war.',
  },
} as const;

export type SourceName = keyof typeof SOURCES;

export const CLAIMS = {
  munitions: {
    statement: 'Putin wants Kim to supply Russia with artillery shells and antitank missiles.',
    kind: 'assertion',
    topics: ['arms-for-technology', 'military-cooperation'],
    actors: ['Vladimir Putin', 'Kim Jong-un'],
  },
  technology: {
    statement: 'Kim hopes Russia will provide North Korea with advanced technology for satellites and nuclear-powered submarines.',
    kind: 'assertion',
    topics: ['arms-for-technology', 'space'],
    actors: ['Kim Jong-un'],
  },
  foodAid: {
    statement: 'Kim is seeking food aid for his impoverished nation.',
    kind: 'assertion',
    topics: ['food-aid'],
    actors: ['Kim Jong-un'],
  },
  usWarning: {
    statement: 'The United States has warned about a possible arms deal between Russia and North Korea, citing declassified intelligence.',
    kind: 'assertion',
    topics: ['us-warning', 'arms-for-technology'],
    actors: ['United States government'],
  },
  forum: {
    statement: 'Both leaders are expected to attend the Eastern Economic Forum in Vladivostok from September 10 to 13.',
    kind: 'forecast',
    topics: ['summit', 'travel'],
    actors: ['Vladimir Putin', 'Kim Jong-un'],
    dueAt: '2023-09-13T23:59:59+10:00',
  },
} as const;

export type ClaimName = keyof typeof CLAIMS;

/** A citation body: a supporting original source on the record unless overridden. */
export const citation = (sourceId: string, overrides: Record<string, unknown> = {}) => ({
  sourceId,
  role: 'original_source',
  stance: 'supports',
  credibility: 3,
  access: 'on_record',
  ...overrides,
});

export const ifMatch = (version: number | string) => ({ 'If-Match': `"${version}"` });

const SQL_OR_STACK = /\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|violates|syntax error|QueryFailedError|DatabaseError/i;

/** Every error leaves as RFC 9457 problem+json with a stable code, and says nothing about the internals. */
export const expectProblem = (res: Response, status: number, code?: string): void => {
  const summary = `${res.status} ${JSON.stringify(res.body)}`;
  expect({ status: res.status, summary }).toEqual({ status, summary: expect.any(String) });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^https?:\/\/\S+$/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code: expect.stringMatching(/^[A-Z_]+\.[A-Z_]+$/),
    }),
  );
  if (code !== undefined) expect(res.body.code).toBe(code);
  expect(res.text).not.toMatch(SQL_OR_STACK);
};

export interface Scene {
  story(slug: string, overrides?: Record<string, unknown>): Promise<{ id: string; version: number }>;
  source(name: SourceName, overrides?: Record<string, unknown>): Promise<string>;
  claim(storyId: string, name: ClaimName, overrides?: Record<string, unknown>): Promise<{ id: string; version: number; body: Record<string, unknown> }>;
  /** The claim's current body and version, read as a reader. */
  read(claimId: string): Promise<{ version: number; body: Record<string, unknown> }>;
  cite(claimId: string, sourceId: string, overrides?: Record<string, unknown>): Promise<number>;
  verdict(claimId: string, verdict: string, role?: 'editor' | 'reviewer', extra?: Record<string, unknown>): Promise<Response>;
}

/** Set-up calls that must succeed; each asserts its own status so a broken fixture fails loudly. */
export const scene = (t: TestApp): Scene => {
  const read = async (claimId: string) => {
    const res = await t.http.get(`/api/claims/${claimId}`).set(t.auth('reader'));
    expect(res.status).toBe(200);
    return { version: Number(JSON.parse(res.headers.etag)), body: res.body as Record<string, unknown> };
  };
  return {
    async story(slug, overrides = {}) {
      const res = await t.http.post('/api/stories').set(t.auth('editor')).send(storyBody(slug, overrides));
      expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.anything() });
      return { id: res.body.id as string, version: res.body.version as number };
    },
    async source(name, overrides = {}) {
      const res = await t.http.post('/api/sources').set(t.auth('editor')).send({ ...SOURCES[name], ...overrides });
      expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.anything() });
      return res.body.id as string;
    },
    async claim(storyId, name, overrides = {}) {
      const res = await t.http
        .post('/api/claims')
        .set(t.auth('editor'))
        .send({ storyId, ...CLAIMS[name], ...overrides });
      expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.anything() });
      return { id: res.body.id as string, version: res.body.version as number, body: res.body as Record<string, unknown> };
    },
    read,
    async cite(claimId, sourceId, overrides = {}) {
      const { version } = await read(claimId);
      const res = await t.http
        .post(`/api/claims/${claimId}/citations`)
        .set(t.auth('editor'))
        .set(ifMatch(version))
        .send(citation(sourceId, overrides));
      expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.anything() });
      return res.body.version as number;
    },
    async verdict(claimId, verdict, role = 'reviewer', extra = {}) {
      const { version } = await read(claimId);
      return t.http
        .post(`/api/claims/${claimId}/verdicts`)
        .set(t.auth(role))
        .set(ifMatch(version))
        .send({ verdict, reason: `Set to ${verdict} after checking the citations.`, ...extra });
    },
  };
};

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
