import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/roles';
import { deskScopeOf } from '../common/access';
import type { Principal } from '../common/request-context';
import { decodeCursor, encodeCursor, PageQuery, type Page } from '../common/paging';
import { Database } from '../database/database';

export interface CorrectionItem {
  readonly storyId: string;
  readonly revision: number;
  readonly headline: string;
  readonly note: string;
  readonly actor: string | null;
  readonly at: string;
  readonly position: string;
  /** the word diff this correction made */
  readonly diff: string;
}

const STORY_STREAM = 'story-';

/** Every correction of every story, newest first: the site-wide corrections page, read from the audit trail. */
@ApiTags('stories')
@ApiBearerAuth()
@Controller('api/corrections')
export class CorrectionsController {
  constructor(private readonly db: Database) {}

  @Get()
  @ApiOperation({ summary: 'Story revisions of kind correction, across all stories, newest first' })
  async list(@Query() query: PageQuery, @CurrentPrincipal() principal: Principal): Promise<Page<CorrectionItem>> {
    const limit = query.limit ?? 20;
    const rows = await this.db.query<{
      global_position: string;
      stream_id: string;
      recorded_at: Date;
      actor: string | null;
      revision: number;
      headline: string;
      note: string;
    }>(
      `SELECT global_position, stream_id, recorded_at, actor,
              (changes->>'revision')::int AS revision, changes->>'headline' AS headline, changes->>'note' AS note
       FROM stream_history
       WHERE type = 'StoryRevised' AND changes->>'kind' = 'correction' AND ($1::bigint IS NULL OR global_position < $1)
         AND ($3::text[] IS NULL OR stream_visible(stream_id, $3))
       ORDER BY global_position DESC LIMIT $2`,
      [decodeCursor(query.cursor), limit + 1, deskScopeOf(principal)],
    );
    const items = rows.slice(0, limit).map((row) => {
      const storyId = row.stream_id.slice(STORY_STREAM.length);
      return {
        storyId,
        revision: row.revision,
        headline: row.headline,
        note: row.note,
        actor: row.actor,
        at: row.recorded_at.toISOString(),
        position: row.global_position,
        diff: `/api/stories/${storyId}/diff?from=${row.revision - 1}&to=${row.revision}`,
      };
    });
    return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].position) : null };
  }
}
