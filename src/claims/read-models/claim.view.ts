import type { Claim, ClaimState } from '../claim.decider';

/** The claim as API clients see it. */
export interface ClaimView extends Omit<Claim, 'lastEvidenceBy'> {
  withdrawn: boolean;
  withdrawnReason: string | null;
  version: number;
}

export const toClaimView = (state: Exclude<ClaimState, { status: 'absent' }>, version: number): ClaimView => {
  const c = state.claim;
  return {
    id: c.id,
    storyId: c.storyId,
    statement: c.statement,
    kind: c.kind,
    topics: c.topics,
    actors: c.actors,
    occurredAt: c.occurredAt,
    dueAt: c.dueAt,
    verdict: c.verdict,
    verdictReason: c.verdictReason,
    resolution: c.resolution,
    citations: c.citations,
    relations: c.relations,
    withdrawn: state.status === 'withdrawn',
    withdrawnReason: state.status === 'withdrawn' ? state.withdrawnReason : null,
    version,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
};

export const claimColumns = (state: ClaimState): Record<string, unknown> => {
  if (state.status === 'absent') throw new Error('a claim view row needs a recorded claim');
  const { claim } = state;
  return {
    story_id: claim.storyId,
    statement: claim.statement,
    kind: claim.kind,
    verdict: claim.verdict,
    topics: claim.topics,
    withdrawn: state.status === 'withdrawn',
  };
};
