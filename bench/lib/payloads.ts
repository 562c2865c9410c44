import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/event-store/event-store.types';

/** Claim events as the decider writes them (claim.decider.ts), with newsroom-sized text: 0.5–1 KB of JSON each. */

const WORDS = (
  'Putin wants artillery shells and antitank missiles from North Korea according to US officials who said Kim ' +
  'Jong-un would travel to Vladivostok by armoured train for talks at the Eastern Economic Forum on food aid ' +
  'satellite technology and nuclear powered submarines while the delegation visited the Vostochny cosmodrome'
).split(' ');

const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const random = seeded(42);
const text = (length: number): string => {
  let out = '';
  while (out.length < length) out += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return out.slice(0, length).trim();
};

export const STORY_ID = '6f1c2a9e-7a55-4c1e-9d2b-0b3f4e5a6c7d';
const AT = '2023-09-05T10:00:00.000Z';
const metadata = { actor: 'bench-editor', role: 'editor', reason: 'wire desk import', requestId: 'bench', correlationId: 'bench' };

export const claimRecorded = (claimId: string): NewEvent => ({
  type: 'ClaimRecorded',
  data: {
    claimId,
    storyId: STORY_ID,
    statement: text(220),
    kind: 'assertion',
    topics: ['arms-for-technology', 'us-warning'],
    actors: ['Kim Jong-un', 'Vladimir Putin'],
    occurredAt: null,
    dueAt: null,
    at: AT,
  },
  metadata,
});

export const citationAdded = (): NewEvent => ({
  type: 'CitationAdded',
  data: {
    citationId: randomUUID(),
    sourceId: randomUUID(),
    role: 'corroborates',
    stance: 'supports',
    credibility: 3,
    access: 'on_record',
    quote: text(420),
    url: 'https://www.example.org/world/asia/kim-putin-meeting-russia.html',
    publishedAt: '2023-09-04T21:00:00.000Z',
    retrievedAt: '2023-09-05T08:00:00.000Z',
    relayOf: null,
    citedAt: AT,
    citedBy: 'bench-editor',
    at: AT,
  },
  metadata,
});

export const verdictChanged = (from: string, to: string): NewEvent => ({
  type: 'VerdictChanged',
  data: { from, to, reason: text(160), override: false, at: AT },
  metadata: { ...metadata, reason: 'second source on record' },
});

/**
 * A claim's history of `length` events: recorded, then citations and verdict changes. `citationEvery`
 * sets how many of them are citations (every n-th), the rest alternate reported / disputed.
 */
export const claimHistory = (claimId: string, length: number, citationEvery = 2): NewEvent[] => {
  const events: NewEvent[] = [claimRecorded(claimId)];
  let verdict = 'unverified';
  for (let i = 1; i < length; i++) {
    if (i % citationEvery === 1 || citationEvery === 1) {
      events.push(citationAdded());
    } else {
      const to = verdict === 'reported' ? 'disputed' : 'reported';
      events.push(verdictChanged(verdict, to));
      verdict = to;
    }
  }
  return events;
};

/** ~1 KB generic events for the raw-store scenarios (a citation is the biggest claim event). */
export const eventPool = (size = 256): NewEvent[] => Array.from({ length: size }, () => citationAdded());
