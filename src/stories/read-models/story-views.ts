import { Injectable } from '@nestjs/common';
import type { DeskScope } from '../../common/access';
import { decodeCursor, type Page, pageOf } from '../../common/paging';
import type { ReadAt } from '../../common/read-at';
import { Database, statement } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { foldAt, withSourceOf } from '../../event-store/snapshots';
import type { ListStoriesQuery } from '../dto/story.dto';
import { storyDecider, type StoryState } from '../story.decider';

const FIND = statement('SELECT state, version, created_position FROM story_view WHERE id = $1');
const SLUG_TAKEN = statement('SELECT 1 FROM story_view WHERE slug = $1');

/** The decider as snapshots key it: with its module's text (docs/decisions/050-snapshots.md). */
const storySnapshots = withSourceOf(storyDecider, require.resolve('../story.decider'));

type StoryRow = { state: StoryState; version: number; created_position: string };
export type FoundStory = { state: Exclude<StoryState, { status: 'absent' }>; version: number };

const found = (row: StoryRow): FoundStory => {
  if (row.state.status === 'absent') throw new Error('story_view holds an absent story');
  return { state: row.state, version: row.version };
};

@Injectable()
export class StoryViews {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
  ) {}

  async find(id: string): Promise<FoundStory | null> {
    const [row] = await this.db.query<StoryRow>(FIND, [id]);
    return row ? found(row) : null;
  }

  async findAt(id: string, at: ReadAt): Promise<FoundStory | null> {
    const { state, version } = await foldAt(this.db, this.store, `story-${id}`, storySnapshots, at);
    // A version the stream has not reached yet is not found, rather than answered with the latest one.
    if (at.toVersion !== undefined && version < at.toVersion) return null;
    return state.status === 'absent' ? null : { state, version };
  }

  async findAtVersion(id: string, version: number): Promise<FoundStory | null> {
    const current = await this.find(id);
    return current?.version === version ? current : this.findAt(id, { toVersion: version });
  }

  async slugTaken(slug: string): Promise<boolean> {
    return (await this.db.query(SLUG_TAKEN, [slug])).length > 0;
  }

  /** Newest first, only what the desk scope may see (src/common/access.ts). */
  async list(query: ListStoriesQuery, scope: DeskScope): Promise<Page<FoundStory>> {
    const limit = query.limit ?? 20;
    const rows = await this.db.query<StoryRow>(
      `SELECT state, version, created_position FROM story_view
       WHERE ($1::text IS NULL OR desk = $1) AND ($2::text IS NULL OR headline ILIKE '%' || $2 || '%')
         AND ($3::bigint IS NULL OR created_position < $3) AND story_visible(desk, published_at, $5)
       ORDER BY created_position DESC LIMIT $4`,
      [query.desk ?? null, query.q?.replace(/[\\%_]/g, (c) => `\\${c}`) ?? null, decodeCursor(query.cursor), limit + 1, scope],
    );
    return pageOf(rows, limit, found);
  }
}
