import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ClaimSummariesQuery, type ClaimSummary } from '../../common/queries';
import { ClaimViews } from '../read-models/claim-views';

@QueryHandler(ClaimSummariesQuery)
export class ClaimSummariesHandler implements IQueryHandler<ClaimSummariesQuery> {
  constructor(private readonly views: ClaimViews) {}

  async execute({ storyId, asOf }: ClaimSummariesQuery): Promise<ClaimSummary[]> {
    return (await this.views.ofStory(storyId, asOf)).map(({ id, statement, kind, verdict, topics, withdrawn }) => ({
      id,
      statement,
      kind,
      verdict,
      topics,
      withdrawn,
    }));
  }
}
