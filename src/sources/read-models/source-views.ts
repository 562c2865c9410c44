import { Injectable } from '@nestjs/common';
import { decodeCursor, type Page, pageOf } from '../../common/paging';
import type { SourceFacts } from '../../common/queries';
import type { ReadAt } from '../../common/read-at';
import { Database, statement } from '../../database/database';
import { EventStore } from '../../event-store/event-store';
import { foldAt, withSourceOf } from '../../event-store/snapshots';
import type { ListSourcesQuery } from '../dto/source.dto';
import { sourceDecider, type Source, type SourceState } from '../source.decider';

const FIND = statement('SELECT state, version, created_position FROM source_view WHERE id = $1');
const FACTS = statement('SELECT id, reliability, anonymous, descriptor FROM source_view WHERE id = ANY($1::uuid[])');

/** The decider as snapshots key it: with its module's text (docs/decisions/050-snapshots.md). */
const sourceSnapshots = withSourceOf(sourceDecider, require.resolve('../source.decider'));

/** What reads return: never the sealed identity, only whether the desk recorded one and whether it was shredded. */
export type SourceView = Omit<Source, 'sealedIdentity'> & { version: number; confidential: boolean };
type SourceRow = { state: SourceState; version: number; created_position: string };

const viewOf = (row: { state: SourceState; version: number }): SourceView => {
  if (row.state.status === 'absent') throw new Error('source_view holds an absent source');
  const s = row.state.source;
  return {
    id: s.id,
    kind: s.kind,
    descriptor: s.descriptor,
    name: s.name,
    anonymous: s.anonymous,
    affiliation: s.affiliation,
    reliability: s.reliability,
    rationale: s.rationale,
    grades: s.grades,
    desk: s.desk,
    confidential: s.sealedIdentity !== null || s.shredded !== null,
    shredded: s.shredded,
    version: row.version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
};

export const sourceColumns = (state: SourceState): Record<string, unknown> => {
  if (state.status === 'absent') throw new Error('a source view row needs a registered source');
  const { kind, descriptor, reliability, anonymous, desk } = state.source;
  return { kind, descriptor, reliability, anonymous, desk };
};

@Injectable()
export class SourceViews {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
  ) {}

  async find(id: string): Promise<SourceView | null> {
    const [row] = await this.db.query<SourceRow>(FIND, [id]);
    return row ? viewOf(row) : null;
  }

  async findAt(id: string, at: ReadAt): Promise<SourceView | null> {
    const { state, version } = await foldAt(this.db, this.store, `source-${id}`, sourceSnapshots, at);
    // A version the stream has not reached yet is not found, rather than answered with the latest one.
    if (at.toVersion !== undefined && version < at.toVersion) return null;
    return state.status === 'absent' ? null : viewOf({ state, version });
  }

  async findAtVersion(id: string, version: number): Promise<SourceView | null> {
    const current = await this.find(id);
    return current?.version === version ? current : this.findAt(id, { toVersion: version });
  }

  async facts(ids: readonly string[]): Promise<Record<string, SourceFacts>> {
    if (ids.length === 0) return {};
    const rows = await this.db.query<{ id: string; reliability: SourceFacts['reliability']; anonymous: boolean; descriptor: string }>(
      FACTS,
      [[...new Set(ids)]],
    );
    return Object.fromEntries(rows.map((row) => [row.id, { reliability: row.reliability, anonymous: row.anonymous, descriptor: row.descriptor }]));
  }

  async list(query: ListSourcesQuery): Promise<Page<SourceView>> {
    const limit = query.limit ?? 20;
    const rows = await this.db.query<SourceRow>(
      `SELECT state, version, created_position FROM source_view
       WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR descriptor ILIKE '%' || $2 || '%')
         AND ($3::bigint IS NULL OR created_position > $3)
       ORDER BY created_position LIMIT $4`,
      [query.kind ?? null, query.q?.replace(/[\\%_]/g, (c) => `\\${c}`) ?? null, decodeCursor(query.cursor), limit + 1],
    );
    return pageOf(rows, limit, viewOf);
  }
}
