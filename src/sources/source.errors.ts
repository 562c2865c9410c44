import { DomainError } from '../common/domain-error';

/** Codes are a contract with clients; change a message freely, never a code. */
export const sourceErrors = {
  notFound: (): DomainError => new DomainError('SOURCE.NOT_FOUND', 'not_found', 'There is no such source.'),

  alreadyExists: (sourceId: string): DomainError =>
    new DomainError('SOURCE.ALREADY_EXISTS', 'conflict', 'A source with this id already exists.', { sourceId }),

  // The rejected name is deliberately left out: echoing it would leak the identity it was meant to hide.
  anonymousWithName: (): DomainError =>
    new DomainError(
      'SOURCE.ANONYMOUS_WITH_NAME',
      'invalid',
      'An anonymous source cannot carry a name; describe it in the descriptor instead.',
      { field: 'name' },
    ),

  rationaleRequired: (): DomainError =>
    new DomainError('SOURCE.RATIONALE_REQUIRED', 'invalid', 'A reliability grade needs a rationale.', {
      field: 'rationale',
    }),

  editorRequired: (): DomainError =>
    new DomainError('SOURCE.EDITOR_REQUIRED', 'forbidden', 'Only an editor, reviewer or admin may register a source.'),

  reviewerRequired: (): DomainError =>
    new DomainError('SOURCE.REVIEWER_REQUIRED', 'forbidden', 'Only a reviewer or an admin may regrade a source.'),

  gradeUnchanged: (reliability: string): DomainError =>
    new DomainError('SOURCE.GRADE_UNCHANGED', 'conflict', `The source is already graded ${reliability}.`, {
      reliability,
    }),

  adminRequired: (): DomainError => new DomainError('SOURCE.ADMIN_REQUIRED', 'forbidden', 'Only an admin may shred a confidential identity.'),

  reasonRequired: (): DomainError => new DomainError('SOURCE.REASON_REQUIRED', 'invalid', 'Say why (reason).', { field: 'reason' }),

  noIdentity: (): DomainError =>
    new DomainError('SOURCE.NO_CONFIDENTIAL_IDENTITY', 'conflict', 'This source has no confidential identity on record.'),

  alreadyShredded: (at: string): DomainError =>
    new DomainError('SOURCE.IDENTITY_SHREDDED', 'conflict', `The confidential identity was shredded at ${at}; it cannot be recovered.`, { shreddedAt: at }),

  identityReviewersOnly: (): DomainError =>
    new DomainError('SOURCE.IDENTITY_REVIEWERS_ONLY', 'forbidden', 'Only a reviewer of the desk that owns the source may read its confidential identity.'),

  identityNeedsAnonymous: (): DomainError =>
    new DomainError(
      'SOURCE.IDENTITY_NEEDS_ANONYMOUS',
      'invalid',
      'Only an anonymous source has a confidential identity; a named source is named in the open.',
    ),
} as const;
