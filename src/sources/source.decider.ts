import { assertNever, hasRole, type CommandContext, type Decider, type DomainEvent } from '../common/decider';
import { sourceErrors } from './source.errors';

export const SOURCE_KINDS = [
  'person',
  'organisation',
  'government_body',
  'official_assessment',
  'news_outlet',
  'wire',
  'document',
  'dataset',
  'social_account',
  'anonymous_group',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Admiralty code: A completely reliable … E unreliable, F cannot be judged. */
export const RELIABILITIES = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export type Reliability = (typeof RELIABILITIES)[number];

export interface Grade {
  readonly reliability: Reliability;
  readonly rationale: string;
  readonly at: string;
  readonly by: string;
}

export interface Source {
  readonly id: string;
  readonly kind: SourceKind;
  readonly descriptor: string;
  readonly name: string | null;
  readonly anonymous: boolean;
  readonly affiliation: string | null;
  readonly reliability: Reliability;
  readonly rationale: string;
  /** Oldest first; the first is the grade given at registration. */
  readonly grades: Grade[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The desk that registered it: its reviewers regrade it and may read its confidential identity. Null for sources registered before desks. */
  readonly desk: string | null;
  /** Encrypted; never part of a view. Null again once shredded. */
  readonly sealedIdentity: SealedIdentity | null;
  /** When an admin destroyed the identity's key, and why. */
  readonly shredded: { readonly at: string; readonly by: string; readonly reason: string } | null;
}

export type SourceState = { readonly status: 'absent' } | { readonly status: 'registered'; readonly source: Source };

export interface RegisterSource {
  readonly type: 'RegisterSource';
  readonly data: {
    readonly sourceId: string;
    readonly kind: SourceKind;
    readonly descriptor: string;
    readonly name: string | null;
    readonly anonymous: boolean;
    readonly affiliation: string | null;
    readonly reliability: Reliability;
    readonly rationale: string;
    readonly desk: string;
    readonly sealedIdentity: SealedIdentity | null;
  };
  readonly context: CommandContext;
}

export interface RegradeSource {
  readonly type: 'RegradeSource';
  readonly data: { readonly reliability: Reliability; readonly rationale: string };
  readonly context: CommandContext;
}

/** Destroy the key of a confidential identity: the sealed identity stays in the log, unreadable forever. */
export interface ShredIdentity {
  readonly type: 'ShredIdentity';
  readonly data: { readonly reason: string };
  readonly context: CommandContext;
}

export type SourceCommand = RegisterSource | RegradeSource | ShredIdentity;

/**
 * A confidential identity as stored: AES-256-GCM ciphertext under the source's own data key, which
 * lives outside the log so that destroying it (shredding) leaves every event, and the hash chain, intact.
 */
export interface SealedIdentity {
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

export type SourceRegistered = DomainEvent<
  'SourceRegistered',
  {
    /** Present only when the desk recorded who the anonymous source is. */
    readonly sealedIdentity?: SealedIdentity;
    readonly sourceId: string;
    readonly kind: SourceKind;
    readonly descriptor: string;
    readonly name: string | null;
    readonly anonymous: boolean;
    readonly affiliation: string | null;
    readonly reliability: Reliability;
    readonly rationale: string;
    /** Absent in events recorded before desks. */
    readonly desk?: string;
    readonly at: string;
    readonly by: string;
  }
>;

export type SourceRegraded = DomainEvent<
  'SourceRegraded',
  {
    readonly from: Reliability;
    readonly to: Reliability;
    readonly rationale: string;
    readonly at: string;
    readonly by: string;
  }
>;

export type IdentityShredded = DomainEvent<'IdentityShredded', { readonly reason: string; readonly at: string; readonly by: string }>;

export type SourceEvent = SourceRegistered | SourceRegraded | IdentityShredded;

const isBlank = (text: string): boolean => text.trim() === '';

const registerSource = ({ data, context }: RegisterSource, state: SourceState): SourceEvent[] => {
  if (!hasRole(context.role, 'editor')) throw sourceErrors.editorRequired();
  // Any name at all, even a blank one, means the desk has not settled whether the source is anonymous.
  if (data.anonymous && data.name !== null) throw sourceErrors.anonymousWithName();
  if (data.sealedIdentity && !data.anonymous) throw sourceErrors.identityNeedsAnonymous();
  if (isBlank(data.rationale)) throw sourceErrors.rationaleRequired();
  if (state.status !== 'absent') throw sourceErrors.alreadyExists(data.sourceId);
  return [
    {
      type: 'SourceRegistered',
      data: {
        sourceId: data.sourceId,
        kind: data.kind,
        descriptor: data.descriptor,
        name: data.name,
        anonymous: data.anonymous,
        affiliation: data.affiliation,
        reliability: data.reliability,
        rationale: data.rationale.trim(),
        desk: data.desk,
        ...(data.sealedIdentity ? { sealedIdentity: data.sealedIdentity } : {}),
        at: context.now,
        by: context.actor,
      },
    },
  ];
};

const regradeSource = ({ data, context }: RegradeSource, state: SourceState): SourceEvent[] => {
  if (state.status === 'absent') throw sourceErrors.notFound();
  if (!hasRole(context.role, 'reviewer')) throw sourceErrors.reviewerRequired();
  if (isBlank(data.rationale)) throw sourceErrors.rationaleRequired();
  const from = state.source.reliability;
  // A regrade is recorded as a move from one grade to another; a new rationale alone is not one.
  if (data.reliability === from) throw sourceErrors.gradeUnchanged(from);
  return [
    {
      type: 'SourceRegraded',
      data: { from, to: data.reliability, rationale: data.rationale.trim(), at: context.now, by: context.actor },
    },
  ];
};

const shredIdentity = ({ data, context }: ShredIdentity, state: SourceState): SourceEvent[] => {
  if (state.status === 'absent') throw sourceErrors.notFound();
  if (!hasRole(context.role, 'admin')) throw sourceErrors.adminRequired();
  if (isBlank(data.reason)) throw sourceErrors.reasonRequired();
  if (state.source.shredded) throw sourceErrors.alreadyShredded(state.source.shredded.at);
  if (!state.source.sealedIdentity) throw sourceErrors.noIdentity();
  return [{ type: 'IdentityShredded', data: { reason: data.reason.trim(), at: context.now, by: context.actor } }];
};

/**
 * Whether this reader may open the source's confidential identity now. The desk check is the guard's
 * (reviewers of the owning desk); this is the rest: a reviewer, and an identity that is still there.
 */
export const decideIdentityRead = (state: SourceState, context: CommandContext): void => {
  if (state.status === 'absent') throw sourceErrors.notFound();
  if (context.role !== 'reviewer') throw sourceErrors.identityReviewersOnly();
  if (state.source.shredded) throw sourceErrors.alreadyShredded(state.source.shredded.at);
  if (!state.source.sealedIdentity) throw sourceErrors.noIdentity();
};

const decide = (command: SourceCommand, state: SourceState): SourceEvent[] => {
  switch (command.type) {
    case 'RegisterSource':
      return registerSource(command, state);
    case 'RegradeSource':
      return regradeSource(command, state);
    case 'ShredIdentity':
      return shredIdentity(command, state);
    default:
      return assertNever(command);
  }
};

const evolve = (state: SourceState, event: SourceEvent): SourceState => {
  switch (event.type) {
    case 'SourceRegistered': {
      const { sourceId, kind, descriptor, name, anonymous, affiliation, reliability, rationale, at, by, sealedIdentity, desk } = event.data;
      return {
        status: 'registered',
        source: {
          id: sourceId,
          kind,
          descriptor,
          name,
          anonymous,
          affiliation,
          reliability,
          rationale,
          grades: [{ reliability, rationale, at, by }],
          createdAt: at,
          updatedAt: at,
          desk: desk ?? null,
          sealedIdentity: sealedIdentity ?? null,
          shredded: null,
        },
      };
    }
    case 'IdentityShredded': {
      if (state.status === 'absent') return state;
      const { reason, at, by } = event.data;
      return { status: 'registered', source: { ...state.source, sealedIdentity: null, shredded: { at, by, reason }, updatedAt: at } };
    }
    case 'SourceRegraded': {
      // Stored history is replayed as it is; a regrade with nothing to apply to changes nothing.
      if (state.status === 'absent') return state;
      const { to, rationale, at, by } = event.data;
      return {
        status: 'registered',
        source: {
          ...state.source,
          reliability: to,
          rationale,
          grades: [...state.source.grades, { reliability: to, rationale, at, by }],
          updatedAt: at,
        },
      };
    }
    default:
      return assertNever(event);
  }
};

export const sourceDecider: Decider<SourceState, SourceCommand, SourceEvent> = {
  initialState: { status: 'absent' },
  evolve,
  decide,
};
