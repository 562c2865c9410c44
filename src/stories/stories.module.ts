import { Module, type OnModuleInit } from '@nestjs/common';
import { ProjectionRegistry } from '../projections/projection-registry';
import { stateViewDefinition } from '../projections/state-view.projection';
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
    this.projections.register(
      stateViewDefinition({
        name: 'story_view',
        handles: ['StoryOpened', 'StoryRevised', 'StoryArchived'],
        decider: storyDecider,
        columns: storyColumns,
      }),
    );
  }
}
