import { Module, type OnModuleInit } from '@nestjs/common';
import { ProjectionRegistry } from '../projections/projection-registry';
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
  constructor(private readonly projections: ProjectionRegistry) {}

  onModuleInit(): void {
    this.projections.register({
      name: 'story_view',
      mode: 'inline',
      tables: ['story_view'],
      create: (table) =>
        stateViewProjection({
          name: 'story_view',
          table: table('story_view'),
          handles: ['StoryOpened', 'StoryRevised', 'StoryArchived'],
          initialState: storyDecider.initialState,
          evolve: (state, event) => storyDecider.evolve(state, event as Parameters<typeof storyDecider.evolve>[1]),
          columns: storyColumns,
        }),
    });
  }
}
