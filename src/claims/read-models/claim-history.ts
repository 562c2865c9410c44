import type { HistoryEntry } from '../../common/queries';

/** A history entry told in plain words: "verdict changed from reported to corroborated". */
export type ClaimHistoryEntry = HistoryEntry & { readonly summary: string };

export interface HistoryNames {
  /** a source's public descriptor, when the source is known */
  source(sourceId: string): string | undefined;
  /** another claim's statement, when the claim is known */
  claim(claimId: string): string | undefined;
}

const words = (value: unknown): string => String(value).replace(/_/g, ' ');
const quoted = (text: unknown): string => `“${String(text)}”`;

const RELATIONS: Record<string, string> = {
  supports: 'supporting',
  contradicts: 'contradicting',
  part_of: 'part of',
  duplicate_of: 'a duplicate of',
  supersedes: 'superseding',
};

/** Source ids a history cites, so their names can be looked up in one go. */
export const citedSources = (entries: readonly HistoryEntry[]): string[] => [
  ...new Set(entries.filter((e) => e.type === 'CitationAdded').map((e) => String(e.changes.sourceId))),
];

export const relatedClaims = (entries: readonly HistoryEntry[]): string[] => [
  ...new Set(entries.filter((e) => e.type === 'ClaimRelated').map((e) => String(e.changes.claimId))),
];

export const describeHistory = (entries: readonly HistoryEntry[], names: HistoryNames): ClaimHistoryEntry[] => {
  const citationSources = new Map<string, string>();
  const sourceName = (sourceId: string) => names.source(sourceId) ?? `source ${sourceId}`;
  return entries.map((entry) => {
    const c = entry.changes;
    let summary: string;
    switch (entry.type) {
      case 'ClaimRecorded':
        summary = `recorded the ${words(c.kind)} ${quoted(c.statement)}`;
        break;
      case 'CitationAdded':
        citationSources.set(String(c.citationId), String(c.sourceId));
        summary = `cited ${sourceName(String(c.sourceId))} (${words(c.role)}, ${words(c.stance)}, credibility ${String(c.credibility)})`;
        break;
      case 'CitationWithdrawn': {
        const sourceId = citationSources.get(String(c.citationId));
        summary = `withdrew the citation of ${sourceId ? sourceName(sourceId) : 'a source'}`;
        break;
      }
      case 'VerdictChanged':
        summary = `verdict changed from ${words(c.from)} to ${words(c.to)}${c.override === true ? ' (reviewer override)' : ''}`;
        break;
      case 'ClaimReworded':
        summary = `statement reworded from ${quoted(c.from)} to ${quoted(c.to)}`;
        break;
      case 'ForecastResolved':
        summary =
          c.previousOutcome === null || c.previousOutcome === undefined
            ? `forecast resolved: ${words(c.outcome)}`
            : `forecast resolution changed from ${words(c.previousOutcome)} to ${words(c.outcome)}`;
        break;
      case 'ClaimRelated': {
        const statement = names.claim(String(c.claimId));
        summary = `marked as ${RELATIONS[String(c.relation)] ?? words(c.relation)} claim ${statement ? quoted(statement) : String(c.claimId)}`;
        break;
      }
      case 'ClaimWithdrawn':
        summary = 'withdrawn from the story';
        break;
      case 'ClaimReinstated':
        summary = 'reinstated in the story';
        break;
      default:
        summary = entry.type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    }
    return { ...entry, summary };
  });
};
