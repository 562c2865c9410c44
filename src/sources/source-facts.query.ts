import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { SourceFactsQuery, type SourceFacts } from '../common/queries';
import { SourceViews } from './read-models/source-views';

@QueryHandler(SourceFactsQuery)
export class SourceFactsHandler implements IQueryHandler<SourceFactsQuery> {
  constructor(private readonly views: SourceViews) {}

  execute({ sourceIds }: SourceFactsQuery): Promise<Record<string, SourceFacts>> {
    return this.views.facts(sourceIds);
  }
}
