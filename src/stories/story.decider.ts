import { assertNever, hasRole, type CommandContext, type Decider, type DomainEvent } from '../common/decider';
import { storyErrors } from './story.errors';

export const REVISION_KINDS = ['update', 'correction', 'clarification', 'editors_note'] as const;
export type RevisionKind = (typeof REVISION_KINDS)[number];

export interface Revision {
  /** 1 is the text as opened. */
  readonly revision: number;
  readonly headline: string;
  readonly body: string;
  readonly kind: RevisionKind | 'original';
  readonly note: string | null;
  readonly at: string;
  readonly by: string;
}

export interface Story {
  readonly id: string;
  readonly slug: string;
  readonly headline: string;
  readonly body: string;
  readonly url: string | null;
  readonly desk: string | null;
  readonly publishedAt: string | null;
  readonly revisions: Revision[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type StoryState =
  | { readonly status: 'absent' }
  | { readonly status: 'open'; readonly story: Story }
  | { readonly status: 'archived'; readonly story: Story; readonly archivedReason: string };

export interface OpenStory {
  readonly type: 'OpenStory';
  readonly data: {
    readonly storyId: string;
    readonly slug: string;
    readonly headline: string;
    readonly body: string;
    readonly url: string | null;
    readonly desk: string | null;
    readonly publishedAt: string | null;
  };
  readonly context: CommandContext;
}

export interface ReviseStory {
  readonly type: 'ReviseStory';
  readonly data: {
    /** null keeps the current headline. */
    readonly headline: string | null;
    readonly body: string;
    readonly kind: RevisionKind;
    readonly note: string;
  };
  readonly context: CommandContext;
}

export interface ArchiveStory {
  readonly type: 'ArchiveStory';
  readonly data: { readonly reason: string };
  readonly context: CommandContext;
}

export type StoryCommand = OpenStory | ReviseStory | ArchiveStory;

export type StoryOpened = DomainEvent<
  'StoryOpened',
  {
    readonly storyId: string;
    readonly slug: string;
    readonly headline: string;
    readonly body: string;
    readonly url: string | null;
    readonly desk: string | null;
    readonly publishedAt: string | null;
    readonly at: string;
    readonly by: string;
  }
>;

export type StoryRevised = DomainEvent<
  'StoryRevised',
  {
    readonly revision: number;
    readonly headline: string;
    readonly body: string;
    readonly kind: RevisionKind;
    readonly note: string;
    readonly at: string;
    readonly by: string;
  }
>;

export type StoryArchived = DomainEvent<'StoryArchived', { readonly reason: string; readonly at: string }>;

export type StoryEvent = StoryOpened | StoryRevised | StoryArchived;

// Slugs end up in URLs and newsroom CMS links, so only one spelling of a slug may exist.
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const isBlank = (text: string): boolean => text.trim() === '';

const openStory = ({ data, context }: OpenStory, state: StoryState): StoryEvent[] => {
  if (!SLUG.test(data.slug)) throw storyErrors.invalidSlug(data.slug);
  if (state.status !== 'absent') throw storyErrors.alreadyExists(data.storyId);
  return [
    {
      type: 'StoryOpened',
      data: {
        storyId: data.storyId,
        slug: data.slug,
        headline: data.headline,
        body: data.body,
        url: data.url,
        desk: data.desk,
        publishedAt: data.publishedAt,
        at: context.now,
        by: context.actor,
      },
    },
  ];
};

const reviseStory = ({ data, context }: ReviseStory, state: StoryState): StoryEvent[] => {
  if (state.status === 'absent') throw storyErrors.notFound();
  if (isBlank(data.note)) throw storyErrors.noteRequired();
  if (state.status === 'archived') throw storyErrors.archived();
  const { story } = state;
  const headline = data.headline ?? story.headline;
  if (headline === story.headline && data.body === story.body) throw storyErrors.unchanged();
  return [
    {
      type: 'StoryRevised',
      data: {
        revision: story.revisions.length + 1,
        headline,
        body: data.body,
        kind: data.kind,
        note: data.note.trim(),
        at: context.now,
        by: context.actor,
      },
    },
  ];
};

const archiveStory = ({ data, context }: ArchiveStory, state: StoryState): StoryEvent[] => {
  if (state.status === 'absent') throw storyErrors.notFound();
  if (!hasRole(context.role, 'reviewer')) throw storyErrors.reviewerRequired();
  if (isBlank(data.reason)) throw storyErrors.reasonRequired();
  if (state.status === 'archived') throw storyErrors.archived();
  return [{ type: 'StoryArchived', data: { reason: data.reason.trim(), at: context.now } }];
};

const decide = (command: StoryCommand, state: StoryState): StoryEvent[] => {
  switch (command.type) {
    case 'OpenStory':
      return openStory(command, state);
    case 'ReviseStory':
      return reviseStory(command, state);
    case 'ArchiveStory':
      return archiveStory(command, state);
    default:
      return assertNever(command);
  }
};

const evolve = (state: StoryState, event: StoryEvent): StoryState => {
  switch (event.type) {
    case 'StoryOpened': {
      const { storyId, slug, headline, body, url, desk, publishedAt, at, by } = event.data;
      return {
        status: 'open',
        story: {
          id: storyId,
          slug,
          headline,
          body,
          url,
          desk,
          publishedAt,
          revisions: [{ revision: 1, headline, body, kind: 'original', note: null, at, by }],
          createdAt: at,
          updatedAt: at,
        },
      };
    }
    case 'StoryRevised': {
      // Stored history is replayed as it is, so a revision is applied in whatever state it finds.
      if (state.status === 'absent') return state;
      const { revision, headline, body, kind, note, at, by } = event.data;
      const story: Story = {
        ...state.story,
        headline,
        body,
        revisions: [...state.story.revisions, { revision, headline, body, kind, note, at, by }],
        updatedAt: at,
      };
      return { ...state, story };
    }
    case 'StoryArchived': {
      if (state.status === 'absent') return state;
      const { reason, at } = event.data;
      return { status: 'archived', story: { ...state.story, updatedAt: at }, archivedReason: reason };
    }
    default:
      return assertNever(event);
  }
};

export const storyDecider: Decider<StoryState, StoryCommand, StoryEvent> = {
  initialState: { status: 'absent' },
  evolve,
  decide,
};
