import { Query } from '@nestjs/cqrs';

/**
 * Queries one feature answers for another. Features meet only here, on the query bus, never through
 * each other's files.
 */
export interface SourceFacts {
  readonly reliability: 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
  readonly anonymous: boolean;
  /** the public descriptor ("US officials"), for telling a history in plain words */
  readonly descriptor: string;
}

export class SourceFactsQuery extends Query<Record<string, SourceFacts>> {
  constructor(readonly sourceIds: readonly string[]) {
    super();
  }
}

export interface StoryFacts {
  readonly exists: boolean;
  readonly archived: boolean;
  readonly desk: string | null;
}

export class StoryFactsQuery extends Query<StoryFacts> {
  constructor(readonly storyId: string) {
    super();
  }
}

export interface HistoryEntry {
  readonly position: string;
  readonly version: number;
  readonly type: string;
  readonly at: string;
  readonly actor: string | null;
  readonly role: string | null;
  readonly reason: string | null;
  readonly changes: Record<string, unknown>;
}

/** Who changed a stream, when, why and what: answered by the audit trail. */
export class StreamHistoryQuery extends Query<HistoryEntry[]> {
  constructor(readonly streamId: string) {
    super();
  }
}

export interface ClaimSummary {
  readonly id: string;
  readonly statement: string;
  readonly kind: string;
  readonly verdict: string;
  readonly topics: readonly string[];
  readonly withdrawn: boolean;
}

/** The claims of a story, now or as they stood at a past instant. */
export class ClaimSummariesQuery extends Query<ClaimSummary[]> {
  constructor(
    readonly storyId: string,
    readonly asOf?: Date,
  ) {
    super();
  }
}
