import { diffWords } from 'diff';
import { DomainError } from '../../common/domain-error';
import type { Revision } from '../story.decider';

export interface RevisionDiff {
  from: number;
  to: number;
  headline: { from: string; to: string } | null;
  changes: { op: 'equal' | 'insert' | 'delete'; text: string }[];
}

const revisionOf = (revisions: readonly Revision[], number: number): Revision => {
  const revision = revisions.find((r) => r.revision === number);
  if (!revision) {
    throw new DomainError('STORY.REVISION_NOT_FOUND', 'not_found', `No revision ${number}; this story has ${revisions.length}.`, {
      revisions: revisions.length,
    });
  }
  return revision;
};

/** A word-level diff between two revisions' full texts. */
export const diffRevisions = (revisions: readonly Revision[], from: number, to: number): RevisionDiff => {
  const a = revisionOf(revisions, from);
  const b = revisionOf(revisions, to);
  return {
    from,
    to,
    headline: a.headline === b.headline ? null : { from: a.headline, to: b.headline },
    changes: diffWords(a.body, b.body).map((part) => ({
      op: part.added ? 'insert' : part.removed ? 'delete' : 'equal',
      text: part.value,
    })),
  };
};
