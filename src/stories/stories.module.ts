import { Module, type OnModuleInit } from '@nestjs/common';
import { EventStore } from '../event-store/event-store';
import { stateViewProjection } from '../projections/state-view.projection';
import { ChangeStoryHandler, OpenStoryHandler } from './commands/story.commands';
import { storyColumns } from './read-models/story.view';
import { StoryViews } from './read-models/story-views';
import { StoriesController } from './stories.controller';
import { StoryFactsHandler } from './story-facts.query';
import { storyDecider } from './story.decider';

@Module({
  controllers: [StoriesController],
  providers: [StoryViews, OpenStoryHandler, ChangeStoryHandler, StoryFactsHandler],
})
export class StoriesModule implements OnModuleInit {
  constructor(private readonly store: EventStore) {}

  onModuleInit(): void {
    this.store.registerInlineProjection(
      stateViewProjection({
        name: 'story_view',
        table: 'story_view',
        handles: ['StoryOpened', 'StoryRevised', 'StoryArchived'],
        initialState: storyDecider.initialState,
        evolve: (state, event) => storyDecider.evolve(state, event as Parameters<typeof storyDecider.evolve>[1]),
        columns: storyColumns,
      }),
    );
  }
}
