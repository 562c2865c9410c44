import { fold, type CommandContext } from '../common/decider';
import { given } from '../common/given-when-then';
import { storyDecider, type StoryCommand, type StoryEvent, type StoryOpened } from './story.decider';

const storyId = '6f1c2a9e-4b7d-4c1e-9a52-3d8e0f7b1c44';
const headline = 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Weaponry Deal';
const body =
  'Kim Jong-un, the leader of North Korea, is scheduled to travel to Russia this month to meet with President ' +
  'Vladimir V. Putin.\n\nAccording to officials, Mr. Putin wants Mr. Kim to agree to supply Russia with artillery ' +
  'shells and antitank missiles.';
const clarifiedBody = body.replace('According to officials', 'According to American officials');

const editor: CommandContext = { actor: 'editor@desk', role: 'editor', now: '2023-09-04T22:00:00Z' };
const laterEditor: CommandContext = { ...editor, now: '2023-09-05T08:30:00Z' };
const reviewer: CommandContext = { actor: 'reviewer@desk', role: 'reviewer', now: '2023-09-20T09:00:00Z' };
const admin: CommandContext = { actor: 'admin@desk', role: 'admin', now: '2023-09-20T09:00:00Z' };

const openStory = (overrides: Partial<Extract<StoryCommand, { type: 'OpenStory' }>['data']> = {}): StoryCommand => ({
  type: 'OpenStory',
  data: {
    storyId,
    slug: 'kim-jong-un-russia-visit',
    headline,
    body,
    url: null,
    desk: 'world',
    publishedAt: '2023-09-04T22:00:00Z',
    ...overrides,
  },
  context: editor,
});

const opened: StoryOpened = {
  type: 'StoryOpened',
  data: {
    storyId,
    slug: 'kim-jong-un-russia-visit',
    headline,
    body,
    url: null,
    desk: 'world',
    publishedAt: '2023-09-04T22:00:00Z',
    at: editor.now,
    by: editor.actor,
  },
};

const clarified: StoryEvent = {
  type: 'StoryRevised',
  data: {
    revision: 2,
    headline,
    body: clarifiedBody,
    kind: 'clarification',
    note: 'Makes clear the officials cited are American.',
    at: laterEditor.now,
    by: laterEditor.actor,
  },
};

const archived: StoryEvent = {
  type: 'StoryArchived',
  data: { reason: 'Superseded by coverage of the Vostochny summit.', at: reviewer.now },
};

const revise = (data: Extract<StoryCommand, { type: 'ReviseStory' }>['data'], context = laterEditor): StoryCommand => ({
  type: 'ReviseStory',
  data,
  context,
});

const archive = (reason: string, context: CommandContext = reviewer): StoryCommand => ({
  type: 'ArchiveStory',
  data: { reason },
  context,
});

describe('story decider', () => {
  describe('OpenStory', () => {
    it('When an editor opens the Kim Jong-un story, then it is opened with its text, desk and publication time', () => {
      given(storyDecider, []).when(openStory()).then([opened]);
    });

    it('When a story is opened without url, desk or publication time, then they are recorded as null', () => {
      given(storyDecider, [])
        .when(openStory({ desk: null, publishedAt: null }))
        .then([{ type: 'StoryOpened', data: { ...opened.data, desk: null, publishedAt: null } }]);
    });

    it('When the story id is already taken, then it is refused as STORY.ALREADY_EXISTS', () => {
      given(storyDecider, [opened]).when(openStory()).thenThrows('STORY.ALREADY_EXISTS');
    });

    it('When the story id belongs to an archived story, then it is refused as STORY.ALREADY_EXISTS', () => {
      given(storyDecider, [opened, archived]).when(openStory()).thenThrows('STORY.ALREADY_EXISTS');
    });

    it.each([
      'Kim-Jong-Un-Russia-Visit',
      'kim jong un russia visit',
      'kim--jong-un',
      '-kim-jong-un',
      'kim-jong-un-',
      '',
      'kim_jong_un',
    ])(
      'When the slug is %j, then it is refused as STORY.INVALID_SLUG',
      (slug) => {
        given(storyDecider, []).when(openStory({ slug })).thenThrows('STORY.INVALID_SLUG');
      },
    );

    it('When the slug carries digits, then it is accepted', () => {
      given(storyDecider, [])
        .when(openStory({ slug: 'eastern-economic-forum-2023' }))
        .then([{ type: 'StoryOpened', data: { ...opened.data, slug: 'eastern-economic-forum-2023' } }]);
    });
  });

  describe('ReviseStory', () => {
    it('When the body is clarified with a null headline, then revision 2 keeps the headline and has the note', () => {
      given(storyDecider, [opened])
        .when(
          revise({
            headline: null,
            body: clarifiedBody,
            kind: 'clarification',
            note: 'Makes clear the officials cited are American.',
          }),
        )
        .then([clarified]);
    });

    it('When only the headline is corrected, then the revision carries the new headline and the same body', () => {
      const corrected = 'North Korean Leader Kim Jong-un Plans to Visit Russia for Possible Arms Deal';
      const note = 'The headline now says arms deal, as the body does.';
      given(storyDecider, [opened, clarified])
        .when(revise({ headline: corrected, body: clarifiedBody, kind: 'correction', note }))
        .then([
          {
            type: 'StoryRevised',
            data: {
              revision: 3,
              headline: corrected,
              body: clarifiedBody,
              kind: 'correction',
              note,
              at: laterEditor.now,
              by: laterEditor.actor,
            },
          },
        ]);
    });

    it.each(['update', 'editors_note'] as const)('When the revision kind is %s, then it is recorded so', (kind) => {
      const pier33 = 'Kim also plans to visit Pier 33, where naval ships from Russia’s Pacific fleet dock.';
      const updatedBody = `${body}\n\n${pier33}`;
      const note = 'Adds the Pier 33 plan.';
      given(storyDecider, [opened])
        .when(revise({ headline: null, body: updatedBody, kind, note }))
        .then([
          {
            type: 'StoryRevised',
            data: { revision: 2, headline, body: updatedBody, kind, note, at: laterEditor.now, by: laterEditor.actor },
          },
        ]);
    });

    it('When the note has surrounding whitespace, then it is recorded trimmed', () => {
      given(storyDecider, [opened])
        .when(
          revise({
            headline: null,
            body: clarifiedBody,
            kind: 'clarification',
            note: '  Makes clear the officials cited are American.\n',
          }),
        )
        .then([clarified]);
    });

    it('When the headline and body are both unchanged, then it is refused as STORY.UNCHANGED', () => {
      given(storyDecider, [opened])
        .when(revise({ headline, body, kind: 'update', note: 'No change.' }))
        .thenThrows('STORY.UNCHANGED');
    });

    it('When a null headline comes with the current body, then it is refused as STORY.UNCHANGED', () => {
      given(storyDecider, [opened, clarified])
        .when(revise({ headline: null, body: clarifiedBody, kind: 'update', note: 'Resaved.' }))
        .thenThrows('STORY.UNCHANGED');
    });

    it.each(['', '   ', '\n\t'])('When the note is %j, then it is refused as STORY.NOTE_REQUIRED', (note) => {
      given(storyDecider, [opened])
        .when(revise({ headline: null, body: clarifiedBody, kind: 'clarification', note }))
        .thenThrows('STORY.NOTE_REQUIRED');
    });

    it('When the story is archived, then it is refused as STORY.ARCHIVED', () => {
      given(storyDecider, [opened, archived])
        .when(revise({ headline: null, body: clarifiedBody, kind: 'clarification', note: 'Late clarification.' }))
        .thenThrows('STORY.ARCHIVED');
    });

    it('When the story does not exist, then it is refused as STORY.NOT_FOUND', () => {
      given(storyDecider, [])
        .when(revise({ headline: null, body: clarifiedBody, kind: 'clarification', note: 'Clarifies the officials.' }))
        .thenThrows('STORY.NOT_FOUND');
    });
  });

  describe('ArchiveStory', () => {
    it('When a reviewer archives the story with a reason, then it is archived with that reason', () => {
      given(storyDecider, [opened, clarified])
        .when(archive('Superseded by coverage of the Vostochny summit.'))
        .then([archived]);
    });

    it('When an admin archives the story, then it is archived', () => {
      given(storyDecider, [opened])
        .when(archive('  Superseded by coverage of the Vostochny summit. ', admin))
        .then([archived]);
    });

    it.each([editor, { ...editor, role: 'reader' as const }])(
      'When the role is $role, then archiving is refused as STORY.REVIEWER_REQUIRED',
      (context) => {
        given(storyDecider, [opened]).when(archive('Out of date.', context)).thenThrows('STORY.REVIEWER_REQUIRED');
      },
    );

    it('When the reason is blank, then it is refused as STORY.REASON_REQUIRED', () => {
      given(storyDecider, [opened]).when(archive('  ')).thenThrows('STORY.REASON_REQUIRED');
    });

    it('When the story is already archived, then it is refused as STORY.ARCHIVED', () => {
      given(storyDecider, [opened, archived]).when(archive('Again.')).thenThrows('STORY.ARCHIVED');
    });

    it('When the story does not exist, then it is refused as STORY.NOT_FOUND', () => {
      given(storyDecider, []).when(archive('Out of date.')).thenThrows('STORY.NOT_FOUND');
    });
  });

  describe('evolve', () => {
    it('When a story is opened, revised and archived, then it keeps every revision in full and the reason', () => {
      expect(fold(storyDecider, [opened, clarified, archived])).toEqual({
        status: 'archived',
        archivedReason: 'Superseded by coverage of the Vostochny summit.',
        story: {
          id: storyId,
          slug: 'kim-jong-un-russia-visit',
          headline,
          body: clarifiedBody,
          url: null,
          desk: 'world',
          publishedAt: '2023-09-04T22:00:00Z',
          revisions: [
            { revision: 1, headline, body, kind: 'original', note: null, at: editor.now, by: editor.actor },
            {
              revision: 2,
              headline,
              body: clarifiedBody,
              kind: 'clarification',
              note: 'Makes clear the officials cited are American.',
              at: laterEditor.now,
              by: laterEditor.actor,
            },
          ],
          createdAt: editor.now,
          updatedAt: reviewer.now,
        },
      });
    });

    it('When there are no events, then the story is absent', () => {
      expect(fold(storyDecider, [])).toEqual({ status: 'absent' });
    });
  });
});
