import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { StoryFactsQuery, type StoryFacts } from '../common/queries';
import { StoryViews } from './read-models/story-views';

@QueryHandler(StoryFactsQuery)
export class StoryFactsHandler implements IQueryHandler<StoryFactsQuery> {
  constructor(private readonly views: StoryViews) {}

  async execute({ storyId }: StoryFactsQuery): Promise<StoryFacts> {
    const story = await this.views.find(storyId);
    return { exists: story !== null, archived: story?.state.status === 'archived', desk: story?.state.story.desk ?? null };
  }
}
