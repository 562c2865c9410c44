import { Injectable } from '@nestjs/common';
import { fold } from '../../common/decider';
import { decodeCursor, type Page, pageOf } from '../../common/paging';
import type { ReadAt } from '../../common/read-at';
import { Database } from '../../database/database';
import { toDomainEvent } from '../../event-store/command-runner';
import { EventStore } from '../../event-store/event-store';
import type { ListStoriesQuery } from '../dto/story.dto';
import { storyDecider, type StoryEvent, type StoryState } from '../story.decider';

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
    const [row] = await this.db.query<StoryRow>('SELECT state, version, created_position FROM story_view WHERE id = $1', [id]);
    return row ? found(row) : null;
  }

  async findAt(id: string, at: ReadAt): Promise<FoundStory | null> {
    const events = await this.store.readStream(`story-${id}`, at);
    // A version the stream has not reached yet is not found, rather than answered with the latest one.
    if (at.toVersion !== undefined && events.length < at.toVersion) return null;
    const state = fold(storyDecider, events.map(toDomainEvent) as StoryEvent[]);
    return state.status === 'absent' ? null : { state, version: events[events.length - 1].streamVersion };
  }

  async findAtVersion(id: string, version: number): Promise<FoundStory | null> {
    const current = await this.find(id);
    return current?.version === version ? current : this.findAt(id, { toVersion: version });
  }

  async slugTaken(slug: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM story_view WHERE slug = $1', [slug])).length > 0;
  }

  /** Newest first. */
  async list(query: ListStoriesQuery): Promise<Page<FoundStory>> {
    const limit = query.limit ?? 20;
    const rows = await this.db.query<StoryRow>(
      `SELECT state, version, created_position FROM story_view
       WHERE ($1::text IS NULL OR desk = $1) AND ($2::text IS NULL OR headline ILIKE '%' || $2 || '%')
         AND ($3::bigint IS NULL OR created_position < $3)
       ORDER BY created_position DESC LIMIT $4`,
      [query.desk ?? null, query.q?.replace(/[\\%_]/g, (c) => `\\${c}`) ?? null, decodeCursor(query.cursor), limit + 1],
    );
    return pageOf(rows, limit, found);
  }
}
