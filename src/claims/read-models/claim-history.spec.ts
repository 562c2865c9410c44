import type { HistoryEntry } from '../../common/queries';
import { citedSources, describeHistory } from './claim-history';

const OFFICIALS = '5f0c2d1e-0000-4000-8000-000000000001';
const CITATION = '5f0c2d1e-0000-4000-8000-0000000000c1';
const FOOD_AID = '5f0c2d1e-0000-4000-8000-0000000000f1';

const entry = (version: number, type: string, changes: Record<string, unknown>): HistoryEntry => ({
  position: String(100 + version),
  version,
  type,
  at: `2023-09-0${version}T10:00:00.000Z`,
  actor: 'Ana Editor',
  role: 'editor',
  reason: null,
  changes,
});

const history = [
  entry(1, 'ClaimRecorded', { statement: 'Putin wants artillery shells and antitank missiles.', kind: 'assertion' }),
  entry(2, 'CitationAdded', { citationId: CITATION, sourceId: OFFICIALS, role: 'original_source', stance: 'supports', credibility: 3 }),
  entry(3, 'VerdictChanged', { from: 'unverified', to: 'reported', override: false }),
  entry(4, 'VerdictChanged', { from: 'reported', to: 'corroborated', override: false }),
  entry(5, 'ClaimReworded', { from: 'Putin wants shells.', to: 'Putin wants artillery shells.' }),
  entry(6, 'CitationWithdrawn', { citationId: CITATION }),
  entry(7, 'ClaimRelated', { relation: 'duplicate_of', claimId: FOOD_AID }),
  entry(8, 'ForecastResolved', { outcome: 'did_not_occur', previousOutcome: null }),
  entry(9, 'ClaimWithdrawn', { reason: 'Not in the story any more.' }),
];

describe('Claim history in plain words', () => {
  it('When a claim’s history is told, then each event reads as what happened, naming sources and claims', () => {
    const told = describeHistory(history, {
      source: (id) => (id === OFFICIALS ? 'US officials' : undefined),
      claim: (id) => (id === FOOD_AID ? 'Kim is seeking food aid.' : undefined),
    });
    expect(told.map((e) => e.summary)).toEqual([
      'recorded the assertion “Putin wants artillery shells and antitank missiles.”',
      'cited US officials (original source, supports, credibility 3)',
      'verdict changed from unverified to reported',
      'verdict changed from reported to corroborated',
      'statement reworded from “Putin wants shells.” to “Putin wants artillery shells.”',
      'withdrew the citation of US officials',
      'marked as a duplicate of claim “Kim is seeking food aid.”',
      'forecast resolved: did not occur',
      'withdrawn from the story',
    ]);
    expect(told[2]).toEqual({ ...history[2], summary: 'verdict changed from unverified to reported' });
  });

  it('When a cited source or related claim is unknown, then the summary falls back to its id', () => {
    const told = describeHistory(history, { source: () => undefined, claim: () => undefined });
    expect(told[1].summary).toBe(`cited source ${OFFICIALS} (original source, supports, credibility 3)`);
    expect(told[6].summary).toBe(`marked as a duplicate of claim ${FOOD_AID}`);
    expect(citedSources(history)).toEqual([OFFICIALS]);
  });
});
