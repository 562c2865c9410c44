import { IsZonedDateTime } from '../common/zoned-time';
import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CurrentPrincipal, RequireRole } from '../auth/roles';
import { deskScopeOf } from '../common/access';
import type { Principal } from '../common/request-context';
import { decodeCursor, encodeCursor, PageQuery, type Page } from '../common/paging';
import { Database } from '../database/database';
import { auditErrors } from './audit.errors';
import { Checkpoints, type CheckpointView, type InclusionProofView } from './checkpoints';
import { LogVerifier, type VerifyReport } from './log-verifier';

export class AuditSearchQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Who made the change, as recorded (the API key’s name)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ description: 'Recorded at or after this time (ISO 8601 with a zone)' })
  @IsOptional()
  @IsZonedDateTime()
  from?: string;

  @ApiPropertyOptional({ description: 'Recorded at or before this time (ISO 8601 with a zone)' })
  @IsOptional()
  @IsZonedDateTime()
  to?: string;

  @ApiPropertyOptional({ description: 'Event type, or several separated by commas, e.g. VerdictChanged,ClaimReworded' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((t) => t.trim()).filter((t) => t !== '') : value))
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  type?: string[];

  @ApiPropertyOptional({ description: 'One stream, e.g. claim-<id>' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  streamId?: string;
}

export class CheckpointsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,9}$/)
  cursor?: string;
}

export class ProofQuery {
  @ApiPropertyOptional({ description: 'The event’s position (as in history and search results)', required: true })
  @Matches(/^\d{1,19}$/, { message: 'position must be an event position, a whole number' })
  position!: string;

  @ApiPropertyOptional({ description: 'Checkpoint to prove against; default the latest' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  checkpoint?: number;
}

export interface AuditEntry {
  readonly position: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly at: string;
  readonly actor: string | null;
  readonly role: string | null;
  readonly reason: string | null;
  readonly changes: Record<string, unknown>;
}

/** Problems listed in a verify response; problemCount has them all and the CLI prints every one. */
const LISTED_PROBLEMS = 100;

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/audit')
export class AuditController {
  constructor(
    private readonly db: Database,
    private readonly checkpoints: Checkpoints,
    private readonly verifier: LogVerifier,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Search the whole log by actor, time and event type, newest first' })
  async search(@Query() query: AuditSearchQuery, @CurrentPrincipal() principal: Principal): Promise<Page<AuditEntry>> {
    if (query.from && query.to && new Date(query.from) > new Date(query.to)) throw auditErrors.invalidRange();
    const limit = query.limit ?? 20;
    const rows = await this.db.query<{
      global_position: string;
      stream_id: string;
      stream_version: number;
      type: string;
      recorded_at: Date;
      actor: string | null;
      role: string | null;
      reason: string | null;
      changes: Record<string, unknown>;
    }>(
      `SELECT global_position, stream_id, stream_version, type, recorded_at, actor, role, reason, changes FROM stream_history
       WHERE ($1::text IS NULL OR actor = $1) AND ($2::timestamptz IS NULL OR recorded_at >= $2)
         AND ($3::timestamptz IS NULL OR recorded_at <= $3) AND ($4::text[] IS NULL OR type = ANY($4))
         AND ($5::text IS NULL OR stream_id = $5) AND ($6::bigint IS NULL OR global_position < $6)
         AND ($8::text[] IS NULL OR stream_visible(stream_id, $8))
       ORDER BY global_position DESC LIMIT $7`,
      [query.actor ?? null, query.from ?? null, query.to ?? null, query.type ?? null, query.streamId ?? null, decodeCursor(query.cursor), limit + 1, deskScopeOf(principal)],
    );
    const items = rows.slice(0, limit).map((row) => ({
      position: row.global_position,
      streamId: row.stream_id,
      version: row.stream_version,
      type: row.type,
      at: row.recorded_at.toISOString(),
      actor: row.actor,
      role: row.role,
      reason: row.reason,
      changes: row.changes,
    }));
    return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].position) : null };
  }

  @Get('checkpoints')
  @ApiOperation({ summary: 'Signed checkpoints over the log, newest first' })
  listCheckpoints(@Query() query: CheckpointsQuery): Promise<{ items: CheckpointView[]; nextCursor: string | null }> {
    return this.checkpoints.list({ before: query.cursor === undefined ? undefined : Number(query.cursor), limit: query.limit ?? 20 });
  }

  @Post('checkpoints')
  @HttpCode(200)
  @RequireRole('reviewer')
  @ApiOperation({ summary: 'Sign a checkpoint now over every event not yet covered (none when there is nothing new)' })
  async signCheckpoint(): Promise<{ items: CheckpointView[] }> {
    return { items: await this.checkpoints.sign(1) };
  }

  @Get('proof')
  @ApiOperation({ summary: 'RFC 6962 inclusion proof of one event in a signed checkpoint' })
  async proof(@Query() query: ProofQuery, @CurrentPrincipal() principal: Principal): Promise<InclusionProofView> {
    // An event of a stream the caller may not see is answered like a position with no event.
    const [event] = await this.db.query<{ visible: boolean }>('SELECT stream_visible(stream_id, $2) AS visible FROM events WHERE global_position = $1', [
      query.position,
      deskScopeOf(principal),
    ]);
    if (event && !event.visible) throw auditErrors.eventNotFound(query.position);
    return this.checkpoints.proof(query.position, query.checkpoint);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Walk every hash chain and checkpoint; ok is false and firstBadPosition names the first altered event' })
  async verify(): Promise<VerifyReport> {
    const report = await this.verifier.verify();
    return { ...report, problems: report.problems.slice(0, LISTED_PROBLEMS) };
  }
}
