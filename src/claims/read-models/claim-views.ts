import { Injectable } from '@nestjs/common';
import { fold } from '../../common/decider';
import { decodeCursor, type Page, pageOf } from '../../common/paging';
import type { ReadAt } from '../../common/read-at';
import { Database } from '../../database/database';
import { toDomainEvent } from '../../event-store/command-runner';
import { EventStore } from '../../event-store/event-store';
import { claimDecider, type ClaimEvent, type ClaimState } from '../claim.decider';
import type { ListClaimsQuery } from '../dto/claim.dto';
import { toClaimView, type ClaimView } from './claim.view';

type ClaimRow = { state: ClaimState; version: number; created_position: string };

const viewOf = (row: ClaimRow): ClaimView => {
  if (row.state.status === 'absent') throw new Error('claim_view holds an absent claim');
  return toClaimView(row.state, row.version);
};

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Reads of the claim view, and of any claim as it stood at a version or an instant. */
@Injectable()
export class ClaimViews {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
  ) {}

  async find(id: string): Promise<ClaimView | null> {
    const [row] = await this.db.query<ClaimRow>('SELECT state, version, created_position FROM claim_view WHERE id = $1', [id]);
    return row ? viewOf(row) : null;
  }

  async findAt(id: string, at: ReadAt): Promise<ClaimView | null> {
    const events = await this.store.readStream(`claim-${id}`, at);
    const state = fold(claimDecider, events.map(toDomainEvent) as ClaimEvent[]);
    return state.status === 'absent' ? null : toClaimView(state, events[events.length - 1].streamVersion);
  }

  /** The view at exactly this version: the current row when nothing has changed since, else a fold. */
  async findAtVersion(id: string, version: number): Promise<ClaimView | null> {
    const current = await this.find(id);
    return current?.version === version ? current : this.findAt(id, { toVersion: version });
  }

  async list(query: ListClaimsQuery): Promise<Page<ClaimView>> {
    const limit = query.limit ?? 20;
    const rows = await this.db.query<ClaimRow>(
      `SELECT state, version, created_position FROM claim_view
       WHERE ($1::uuid IS NULL OR story_id = $1) AND ($2::text IS NULL OR verdict = $2)
         AND ($3::text IS NULL OR topics @> ARRAY[$3]) AND ($4::text IS NULL OR kind = $4)
         AND ($5::text IS NULL OR statement ILIKE '%' || $5 || '%')
         AND ($6::bigint IS NULL OR created_position > $6)
       ORDER BY created_position LIMIT $7`,
      [query.storyId ?? null, query.verdict ?? null, query.topic ?? null, query.kind ?? null, query.q === undefined ? null : escapeLike(query.q), decodeCursor(query.cursor), limit + 1],
    );
    return pageOf(rows, limit, viewOf);
  }

  async ofStory(storyId: string, asOf?: Date): Promise<ClaimView[]> {
    const rows = await this.db.query<ClaimRow & { id: string }>(
      'SELECT id, state, version, created_position FROM claim_view WHERE story_id = $1 ORDER BY created_position',
      [storyId],
    );
    if (!asOf) return rows.map(viewOf);
    const past = await Promise.all(rows.map((row) => this.findAt(row.id, { asOf })));
    return past.filter((view): view is ClaimView => view !== null);
  }
}
