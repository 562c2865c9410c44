import { Injectable } from '@nestjs/common';
import type { DeskScope } from '../../common/access';
import { decodeCursor, type Page, pageOf } from '../../common/paging';
import type { ReadAt } from '../../common/read-at';
import { Database, statement } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import type { ReadStreamOptions } from '../../event-store/event-store.types';
import { foldAt, withSourceOf } from '../../event-store/snapshots';
import { claimDecider, type ClaimState } from '../claim.decider';
import type { ListClaimsQuery } from '../dto/claim.dto';
import { toClaimView, type ClaimView } from './claim.view';

const FIND = statement('SELECT state, version, created_position FROM claim_view WHERE id = $1');

/** The decider as snapshots key it: with its module's text (docs/decisions/050-snapshots.md). */
const claimSnapshots = withSourceOf(claimDecider, require.resolve('../claim.decider'));

type ClaimRow = { state: ClaimState; version: number; created_position: string };

const viewOf = (row: ClaimRow): ClaimView => {
  if (row.state.status === 'absent') throw new Error('claim_view holds an absent claim');
  return toClaimView(row.state, row.version);
};

const FIND_VISIBLE = statement(
  `SELECT c.state, c.version, c.created_position FROM claim_view c JOIN story_view s ON s.id = c.story_id
   WHERE c.id = $1 AND story_visible(s.desk, s.published_at, $2::text[])`,
);

/** Claims folded at once when listing as of an instant. */
const AS_OF_BATCH = 100;

/** Reads of the claim view, and of any claim as it stood at a version or an instant. */
@Injectable()
export class ClaimViews {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
  ) {}

  async find(id: string): Promise<ClaimView | null> {
    const [row] = await this.db.query<ClaimRow>(FIND, [id]);
    return row ? viewOf(row) : null;
  }

  /**
   * The claim when the desk scope may see it (the rule of src/common/access.ts, as `story_visible`),
   * else null as for a missing id: the access check and the read in one statement.
   */
  async findVisible(id: string, scope: DeskScope): Promise<ClaimView | null> {
    const [row] = await this.db.query<ClaimRow>(FIND_VISIBLE, [id, scope]);
    return row ? viewOf(row) : null;
  }

  async findAt(id: string, at: ReadAt & Pick<ReadStreamOptions, 'before'>): Promise<ClaimView | null> {
    const { state, version } = await foldAt(this.db, this.store, `claim-${id}`, claimSnapshots, at);
    // A version the stream has not reached yet is not found, rather than answered with the latest one.
    if (at.toVersion !== undefined && version < at.toVersion) return null;
    return state.status === 'absent' ? null : toClaimView(state, version);
  }

  /** The view at exactly this version: the current row when nothing has changed since, else a fold. */
  async findAtVersion(id: string, version: number): Promise<ClaimView | null> {
    const current = await this.find(id);
    return current?.version === version ? current : this.findAt(id, { toVersion: version });
  }

  /** Only claims on stories the desk scope may see (src/common/access.ts). */
  async list(query: ListClaimsQuery, scope: DeskScope): Promise<Page<ClaimView>> {
    if (query.asOf !== undefined) return this.listAsOf(query, new Date(query.asOf), scope);
    const limit = query.limit ?? 20;
    const rows = await this.db.query<ClaimRow>(
      `SELECT state, version, created_position FROM claim_view
       WHERE ($1::uuid IS NULL OR story_id = $1) AND ($2::text IS NULL OR verdict = $2)
         AND ($8::text[] IS NULL OR story_id IN (SELECT id FROM story_view WHERE story_visible(desk, published_at, $8)))
         AND ($3::text IS NULL OR topics @> ARRAY[$3]) AND ($4::text IS NULL OR kind = $4)
         AND ($5::text IS NULL OR id IN (
               SELECT claim_id FROM claim_search
               WHERE document @@ (websearch_to_tsquery('english', $5) || websearch_to_tsquery('simple', $5))))
         AND ($6::bigint IS NULL OR created_position > $6)
       ORDER BY created_position LIMIT $7`,
      [query.storyId ?? null, query.verdict ?? null, query.topic ?? null, query.kind ?? null, query.q ?? null, decodeCursor(query.cursor), limit + 1, scope],
    );
    return pageOf(rows, limit, viewOf);
  }

  async ofStory(storyId: string, asOf?: Date): Promise<ClaimView[]> {
    const rows = await this.db.query<ClaimRow & { id: string }>(
      'SELECT id, state, version, created_position FROM claim_view WHERE story_id = $1 ORDER BY created_position',
      [storyId],
    );
    if (!asOf) return rows.map(viewOf);
    // One cut for every claim, so the story's claims are all seen at the same point of the global order.
    const before = await this.store.cutAt(asOf);
    const past = await Promise.all(rows.map((row) => this.findAt(row.id, { before })));
    return past.filter((view): view is ClaimView => view !== null);
  }

  /**
   * The list as it stood at an instant: every claim that existed then, filtered on its state then.
   * Claims are folded in pages of candidates (a story's claims, or all) until a page of matches is full.
   */
  private async listAsOf(query: ListClaimsQuery, asOf: Date, scope: DeskScope): Promise<Page<ClaimView>> {
    const limit = query.limit ?? 20;
    const before = await this.store.cutAt(asOf);
    const words = (query.q ?? '').toLowerCase().split(/\s+/).filter((w) => w !== '');
    const matches = (view: ClaimView): boolean =>
      (query.verdict === undefined || view.verdict === query.verdict) &&
      (query.topic === undefined || view.topics.includes(query.topic)) &&
      (query.kind === undefined || view.kind === query.kind) &&
      words.every((w) => `${view.statement} ${view.actors.join(' ')}`.toLowerCase().includes(w));
    const found: { view: ClaimView; created_position: string }[] = [];
    for (let after = decodeCursor(query.cursor); found.length <= limit; ) {
      const candidates = await this.db.query<{ id: string; created_position: string }>(
        `SELECT id, created_position FROM claim_view
         WHERE ($1::uuid IS NULL OR story_id = $1) AND ($2::bigint IS NULL OR created_position > $2)
           AND ($4::text[] IS NULL OR story_id IN (SELECT id FROM story_view WHERE story_visible(desk, published_at, $4)))
         ORDER BY created_position LIMIT $3`,
        [query.storyId ?? null, after, AS_OF_BATCH, scope],
      );
      const views = await Promise.all(candidates.map((c) => this.findAt(c.id, { before })));
      candidates.forEach((candidate, i) => {
        const view = views[i];
        if (view && matches(view) && found.length <= limit) found.push({ view, created_position: candidate.created_position });
      });
      if (candidates.length < AS_OF_BATCH) break;
      after = candidates[candidates.length - 1].created_position;
    }
    return pageOf(found, limit, (f) => f.view);
  }
}
