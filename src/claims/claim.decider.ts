import { assertNever, hasRole, type CommandContext, type Decider, type DomainEvent } from '../common/decider';
import * as errors from './claim.errors';

export type ClaimKind = 'assertion' | 'forecast' | 'quote' | 'intent';
export type CitationRole = 'claimant' | 'original_source' | 'relay' | 'corroborates' | 'contradicts' | 'denial';
export type Stance = 'supports' | 'contradicts' | 'neutral';
export type Access = 'on_record' | 'background' | 'anonymous' | 'document' | 'observed';
export type Reliability = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export type Credibility = 1 | 2 | 3 | 4 | 5 | 6;
export type Verdict =
  | 'unverified'
  | 'reported'
  | 'corroborated'
  | 'confirmed'
  | 'disputed'
  | 'misleading'
  | 'false'
  | 'inconclusive';
export type Outcome = 'occurred' | 'did_not_occur' | 'occurred_differently';
export type RelationKind = 'supports' | 'contradicts' | 'part_of' | 'duplicate_of' | 'supersedes';

export type SourceFacts = { reliability: Reliability; anonymous: boolean };

export type CitationInput = {
  sourceId: string;
  role: CitationRole;
  stance: Stance;
  credibility: Credibility;
  access: Access;
  quote: string | null;
  url: string | null;
  publishedAt: string | null;
  retrievedAt: string | null;
  /** sourceId of the original source a relay got it from */
  relayOf: string | null;
};
export type Citation = { id: string } & CitationInput & { citedAt: string; citedBy: string };
export type NewCitation = CitationInput & { citationId: string; source: SourceFacts | null };

export type Relation = { relation: RelationKind; claimId: string; at: string };
export type Resolution = { outcome: Outcome; reason: string; at: string };

export type Claim = {
  id: string;
  storyId: string;
  statement: string;
  kind: ClaimKind;
  topics: string[];
  actors: string[];
  occurredAt: string | null;
  dueAt: string | null;
  verdict: Verdict;
  verdictReason: string | null;
  resolution: Resolution | null;
  /** active citations only */
  citations: Citation[];
  relations: Relation[];
  createdAt: string;
  updatedAt: string;
  /** actor of the last citation or rewording, kept for a later four-eyes rule */
  lastEvidenceBy: string | null;
};

export type ClaimState =
  | { status: 'absent' }
  | { status: 'active'; claim: Claim }
  | { status: 'withdrawn'; claim: Claim; withdrawnReason: string };

type Command<Type extends string, Data> = { type: Type; data: Data; context: CommandContext };

export type ClaimDetails = {
  claimId: string;
  storyId: string;
  statement: string;
  kind: ClaimKind;
  topics: string[];
  actors: string[];
  occurredAt: string | null;
  dueAt: string | null;
};

export type RecordClaim = Command<'RecordClaim', ClaimDetails & { citations: NewCitation[] }>;
export type CiteSource = Command<'CiteSource', NewCitation>;
export type WithdrawCitation = Command<'WithdrawCitation', { citationId: string; reason: string }>;
export type ChangeVerdict = Command<
  'ChangeVerdict',
  { verdict: Verdict; reason: string; override: boolean; sources: Record<string, SourceFacts> }
>;
export type RewordClaim = Command<'RewordClaim', { statement: string; reason: string }>;
export type ResolveForecast = Command<'ResolveForecast', { outcome: Outcome; reason: string }>;
export type RelateClaim = Command<
  'RelateClaim',
  { relation: RelationKind; claimId: string; target: { exists: boolean } }
>;
export type WithdrawClaim = Command<'WithdrawClaim', { reason: string }>;
export type ReinstateClaim = Command<'ReinstateClaim', { reason: string }>;

export type ClaimCommand =
  | RecordClaim
  | CiteSource
  | WithdrawCitation
  | ChangeVerdict
  | RewordClaim
  | ResolveForecast
  | RelateClaim
  | WithdrawClaim
  | ReinstateClaim;

export type ClaimRecorded = DomainEvent<'ClaimRecorded', ClaimDetails & { at: string }>;
export type CitationAdded = DomainEvent<
  'CitationAdded',
  { citationId: string } & CitationInput & { citedAt: string; citedBy: string; at: string }
>;
export type CitationWithdrawn = DomainEvent<'CitationWithdrawn', { citationId: string; reason: string; at: string }>;
export type VerdictChanged = DomainEvent<
  'VerdictChanged',
  { from: Verdict; to: Verdict; reason: string; override: boolean; at: string }
>;
export type ClaimReworded = DomainEvent<
  'ClaimReworded',
  { from: string; to: string; reason: string; at: string; by: string }
>;
export type ForecastResolved = DomainEvent<
  'ForecastResolved',
  { outcome: Outcome; previousOutcome: Outcome | null; reason: string; at: string }
>;
export type ClaimRelated = DomainEvent<'ClaimRelated', { relation: RelationKind; claimId: string; at: string }>;
export type ClaimWithdrawn = DomainEvent<'ClaimWithdrawn', { reason: string; at: string }>;
export type ClaimReinstated = DomainEvent<'ClaimReinstated', { reason: string; at: string }>;

export type ClaimEvent =
  | ClaimRecorded
  | CitationAdded
  | CitationWithdrawn
  | VerdictChanged
  | ClaimReworded
  | ForecastResolved
  | ClaimRelated
  | ClaimWithdrawn
  | ClaimReinstated;

export type EvidenceChain = { key: string; grade: Reliability; anonymous: boolean; citations: Citation[] };

const EDITOR_VERDICTS: readonly Verdict[] = ['unverified', 'reported', 'disputed'];
const FOUR_EYES_VERDICTS: readonly Verdict[] = ['confirmed', 'false'];
const GRADED_A_TO_C: readonly Reliability[] = ['A', 'B', 'C'];
// A cited source the handler sent no facts for cannot vouch for anything, so it counts as unjudged and unnamed.
const UNKNOWN_SOURCE: SourceFacts = { reliability: 'F', anonymous: true };

const factsOf = (citation: Citation, sources: Readonly<Record<string, SourceFacts>>): SourceFacts =>
  sources[citation.sourceId] ?? UNKNOWN_SOURCE;

/**
 * Supporting citations grouped into independent chains: relays that go back to one original source
 * are one chain. A chain is only as good as its origin: when the original source is known, its grade
 * and its anonymity decide, so a named outlet relaying anonymous officials stays anonymous support.
 */
export const supportingChains = (
  claim: Pick<Claim, 'citations'>,
  sources: Readonly<Record<string, SourceFacts>>,
): EvidenceChain[] => {
  const grouped = new Map<string, Citation[]>();
  for (const citation of claim.citations.filter((c) => c.stance === 'supports')) {
    const key = citation.relayOf ?? citation.sourceId;
    grouped.set(key, [...(grouped.get(key) ?? []), citation]);
  }
  return [...grouped.entries()].map(([key, citations]) => {
    const origin: SourceFacts | undefined = sources[key];
    const best = citations.map((c) => factsOf(c, sources).reliability).sort()[0];
    const allAnonymous = citations.every((c) => factsOf(c, sources).anonymous || c.access === 'anonymous');
    return {
      key,
      grade: origin ? origin.reliability : best,
      anonymous: (origin?.anonymous ?? false) || allAnonymous,
      citations,
    };
  });
};

const requireReason = (reason: string): string => {
  const trimmed = reason.trim();
  if (trimmed === '') throw errors.reasonRequired();
  return trimmed;
};

const requireStatement = (statement: string): string => {
  const trimmed = statement.trim();
  if (trimmed === '') throw errors.statementRequired();
  return trimmed;
};

const activeClaim = (state: ClaimState): Claim => {
  if (state.status === 'absent') throw errors.claimNotFound();
  if (state.status === 'withdrawn') throw errors.claimWithdrawn();
  return state.claim;
};

const addCitation = (
  draft: NewCitation,
  active: ReadonlyArray<Pick<CitationInput, 'sourceId' | 'role'>>,
  { actor, now }: CommandContext,
): CitationAdded => {
  if (draft.source === null) throw errors.sourceNotFound(draft.sourceId);
  if (draft.relayOf !== null && draft.role !== 'relay') throw errors.relayOfOnlyForRelays(draft.role);
  if (active.some((c) => c.sourceId === draft.sourceId && c.role === draft.role)) {
    throw errors.duplicateCitation(draft.sourceId, draft.role);
  }
  // Fields are listed one by one so that nothing but the stored contract reaches the event.
  const { citationId, sourceId, role, stance, credibility, access, quote, url, publishedAt, retrievedAt, relayOf } =
    draft;
  return {
    type: 'CitationAdded',
    data: {
      citationId, sourceId, role, stance, credibility, access, quote, url, publishedAt, retrievedAt, relayOf,
      citedAt: now, citedBy: actor, at: now,
    },
  };
};

const recordClaim = ({ data, context }: RecordClaim, state: ClaimState): ClaimEvent[] => {
  if (state.status !== 'absent') throw errors.claimAlreadyExists(data.claimId);
  const statement = requireStatement(data.statement);
  if (data.kind === 'forecast' && data.dueAt === null) throw errors.forecastNeedsDueDate();
  if (data.kind !== 'forecast' && data.dueAt !== null) throw errors.dueDateOnlyForForecasts(data.kind);
  const { claimId, storyId, kind, topics, actors, occurredAt, dueAt } = data;
  return [
    {
      type: 'ClaimRecorded',
      data: { claimId, storyId, statement, kind, topics, actors, occurredAt, dueAt, at: context.now },
    },
    ...data.citations.map((draft, index) => addCitation(draft, data.citations.slice(0, index), context)),
  ];
};

const assertEvidence = (claim: Claim, { verdict, override, sources }: ChangeVerdict['data']): void => {
  const chains = supportingChains(claim, sources);
  if (verdict === 'corroborated' && chains.length < 2) throw errors.needsCorroboration(chains.length);
  if (verdict === 'confirmed') {
    const confirmedByOne = claim.citations.some(
      (c) => c.stance === 'supports' && c.credibility === 1 && ['A', 'B'].includes(factsOf(c, sources).reliability),
    );
    const wellGradedChains = chains.filter((chain) => GRADED_A_TO_C.includes(chain.grade)).length;
    if (!confirmedByOne && wellGradedChains < 2) throw errors.needsConfirmation();
  }
  if (verdict === 'false' && !claim.citations.some((c) => c.stance === 'contradicts' && c.credibility <= 2)) {
    throw errors.needsContradiction();
  }
  if ((verdict === 'corroborated' || verdict === 'confirmed') && !override && chains.every((c) => c.anonymous)) {
    throw errors.anonymousOnly(verdict);
  }
};

const changeVerdict = ({ data, context }: ChangeVerdict, state: ClaimState): ClaimEvent[] => {
  const claim = activeClaim(state);
  if (data.verdict === claim.verdict) throw errors.verdictUnchanged(data.verdict);
  const isReviewer = hasRole(context.role, 'reviewer');
  if (!isReviewer && !EDITOR_VERDICTS.includes(data.verdict)) throw errors.verdictReviewerRequired(data.verdict);
  if (data.override && !isReviewer) throw errors.overrideForbidden();
  // Four eyes: the settling verdicts need someone other than whoever last added the evidence or wording.
  if (FOUR_EYES_VERDICTS.includes(data.verdict) && claim.lastEvidenceBy === context.actor) {
    throw errors.fourEyes(data.verdict);
  }
  assertEvidence(claim, data);
  const reason = requireReason(data.reason);
  return [
    {
      type: 'VerdictChanged',
      data: { from: claim.verdict, to: data.verdict, reason, override: data.override, at: context.now },
    },
  ];
};

const decide = (command: ClaimCommand, state: ClaimState): ClaimEvent[] => {
  const { context } = command;
  const at = context.now;
  switch (command.type) {
    case 'RecordClaim':
      return recordClaim(command, state);
    case 'CiteSource':
      return [addCitation(command.data, activeClaim(state).citations, context)];
    case 'WithdrawCitation': {
      const { citationId } = command.data;
      if (!activeClaim(state).citations.some((c) => c.id === citationId)) throw errors.citationNotFound(citationId);
      return [{ type: 'CitationWithdrawn', data: { citationId, reason: requireReason(command.data.reason), at } }];
    }
    case 'ChangeVerdict':
      return changeVerdict(command, state);
    case 'RewordClaim': {
      const from = activeClaim(state).statement;
      const to = requireStatement(command.data.statement);
      if (to === from) throw errors.statementUnchanged();
      const reason = requireReason(command.data.reason);
      return [{ type: 'ClaimReworded', data: { from, to, reason, at, by: context.actor } }];
    }
    case 'ResolveForecast': {
      const claim = activeClaim(state);
      const { outcome } = command.data;
      if (claim.kind !== 'forecast') throw errors.notAForecast(claim.kind);
      const previousOutcome = claim.resolution?.outcome ?? null;
      if (outcome === previousOutcome) throw errors.resolutionUnchanged(outcome);
      const reason = requireReason(command.data.reason);
      return [{ type: 'ForecastResolved', data: { outcome, previousOutcome, reason, at } }];
    }
    case 'RelateClaim': {
      const claim = activeClaim(state);
      const { relation, claimId, target } = command.data;
      if (!target.exists) throw errors.relatedClaimNotFound(claimId);
      if (claimId === claim.id) throw errors.selfRelation();
      if (claim.relations.some((r) => r.relation === relation && r.claimId === claimId)) {
        throw errors.relationExists(relation, claimId);
      }
      return [{ type: 'ClaimRelated', data: { relation, claimId, at } }];
    }
    case 'WithdrawClaim': {
      if (state.status === 'absent') throw errors.claimNotFound();
      if (!hasRole(context.role, 'reviewer')) throw errors.claimReviewerRequired('withdraw');
      if (state.status === 'withdrawn') throw errors.claimAlreadyWithdrawn();
      return [{ type: 'ClaimWithdrawn', data: { reason: requireReason(command.data.reason), at } }];
    }
    case 'ReinstateClaim': {
      if (state.status === 'absent') throw errors.claimNotFound();
      if (!hasRole(context.role, 'reviewer')) throw errors.claimReviewerRequired('reinstate');
      if (state.status === 'active') throw errors.claimNotWithdrawn();
      return [{ type: 'ClaimReinstated', data: { reason: requireReason(command.data.reason), at } }];
    }
    default:
      return assertNever(command);
  }
};

const updateClaim = (state: ClaimState, at: string, change: (claim: Claim) => Partial<Claim>): ClaimState =>
  state.status === 'absent' ? state : { ...state, claim: { ...state.claim, ...change(state.claim), updatedAt: at } };

const evolve = (state: ClaimState, event: ClaimEvent): ClaimState => {
  switch (event.type) {
    case 'ClaimRecorded': {
      const { claimId, at, ...details } = event.data;
      return {
        status: 'active',
        claim: {
          id: claimId,
          ...details,
          verdict: 'unverified',
          verdictReason: null,
          resolution: null,
          citations: [],
          relations: [],
          createdAt: at,
          updatedAt: at,
          lastEvidenceBy: null,
        },
      };
    }
    case 'CitationAdded': {
      const { citationId, at, ...citation } = event.data;
      return updateClaim(state, at, (claim) => ({
        citations: [...claim.citations, { id: citationId, ...citation }],
        lastEvidenceBy: citation.citedBy,
      }));
    }
    case 'CitationWithdrawn':
      return updateClaim(state, event.data.at, (claim) => ({
        citations: claim.citations.filter((c) => c.id !== event.data.citationId),
      }));
    case 'VerdictChanged':
      return updateClaim(state, event.data.at, () => ({ verdict: event.data.to, verdictReason: event.data.reason }));
    case 'ClaimReworded':
      return updateClaim(state, event.data.at, () => ({ statement: event.data.to, lastEvidenceBy: event.data.by }));
    case 'ForecastResolved': {
      const { outcome, reason, at } = event.data;
      return updateClaim(state, at, () => ({ resolution: { outcome, reason, at } }));
    }
    case 'ClaimRelated': {
      const { relation, claimId, at } = event.data;
      return updateClaim(state, at, (claim) => ({ relations: [...claim.relations, { relation, claimId, at }] }));
    }
    case 'ClaimWithdrawn':
      return state.status === 'absent'
        ? state
        : {
            status: 'withdrawn',
            claim: { ...state.claim, updatedAt: event.data.at },
            withdrawnReason: event.data.reason,
          };
    case 'ClaimReinstated':
      return state.status === 'absent'
        ? state
        : { status: 'active', claim: { ...state.claim, updatedAt: event.data.at } };
    default:
      return assertNever(event);
  }
};

export const claimDecider: Decider<ClaimState, ClaimCommand, ClaimEvent> = {
  initialState: { status: 'absent' },
  evolve,
  decide,
};
