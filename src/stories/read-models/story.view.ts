import type { ClaimSummary } from '../../common/queries';
import type { Story, StoryState } from '../story.decider';

export interface StoryView extends Omit<Story, 'revisions'> {
  archived: boolean;
  archivedReason: string | null;
  revisionCount: number;
  version: number;
}

export type StoryWithClaims = StoryView & { claims: ClaimSummary[] };

export const toStoryView = (state: Exclude<StoryState, { status: 'absent' }>, version: number): StoryView => {
  const s = state.story;
  return {
    id: s.id,
    slug: s.slug,
    headline: s.headline,
    body: s.body,
    url: s.url,
    desk: s.desk,
    publishedAt: s.publishedAt,
    archived: state.status === 'archived',
    archivedReason: state.status === 'archived' ? state.archivedReason : null,
    revisionCount: s.revisions.length,
    version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
};

export const storyColumns = (state: StoryState): Record<string, unknown> => {
  if (state.status === 'absent') throw new Error('a story view row needs an opened story');
  const { slug, desk, headline, publishedAt } = state.story;
  return { slug, desk, headline, archived: state.status === 'archived', published_at: publishedAt };
};
