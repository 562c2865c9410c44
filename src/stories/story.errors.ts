import { DomainError } from '../common/domain-error';

/** Codes are a contract with clients; change a message freely, never a code. */
export const storyErrors = {
  notFound: (): DomainError => new DomainError('STORY.NOT_FOUND', 'not_found', 'There is no such story.'),

  alreadyExists: (storyId: string): DomainError =>
    new DomainError('STORY.ALREADY_EXISTS', 'conflict', 'A story with this id already exists.', { storyId }),

  invalidSlug: (slug: string): DomainError =>
    new DomainError(
      'STORY.INVALID_SLUG',
      'invalid',
      'A slug is lowercase letters and digits in words joined by single hyphens, like kim-jong-un-russia-visit.',
      { field: 'slug', slug },
    ),

  archived: (): DomainError =>
    new DomainError('STORY.ARCHIVED', 'conflict', 'The story is archived and accepts no further changes.'),

  unchanged: (): DomainError =>
    new DomainError('STORY.UNCHANGED', 'conflict', 'The revision repeats the current headline and body.'),

  noteRequired: (): DomainError =>
    new DomainError('STORY.NOTE_REQUIRED', 'invalid', 'A revision needs a note saying what changed and why.', {
      field: 'note',
    }),

  reasonRequired: (): DomainError =>
    new DomainError('STORY.REASON_REQUIRED', 'invalid', 'Archiving a story needs a reason.', { field: 'reason' }),

  reviewerRequired: (): DomainError =>
    new DomainError('STORY.REVIEWER_REQUIRED', 'forbidden', 'Only a reviewer or an admin may archive a story.'),
} as const;
