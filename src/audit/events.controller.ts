import { Controller, Get, Query } from '@nestjs/common';
import { CurrentPrincipal } from '../auth/roles';
import { deskScopeOf, shownData } from '../common/access';
import type { Principal } from '../common/request-context';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { formatCheckpoint, parseCheckpoint } from '../event-store/checkpoint';
import { EventStore } from '../event-store/event-store';

export class EventsQuery {
  @ApiPropertyOptional({ description: 'nextCheckpoint of the previous page; omit to start at the beginning' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export interface EventItem {
  checkpoint: string;
  streamId: string;
  version: number;
  type: string;
  at: string;
  actor: string | null;
  data: Record<string, unknown>;
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/events')
export class EventsController {
  constructor(private readonly store: EventStore) {}

  /**
   * The log in global order; a page never skips an event that commits later with a lower position.
   * Only streams the caller may see (another desk's unpublished stories and claims are left out).
   */
  @Get()
  async list(@Query() query: EventsQuery, @CurrentPrincipal() principal: Principal): Promise<{ items: EventItem[]; nextCheckpoint: string }> {
    const after = parseCheckpoint(query.after);
    const events = await this.store.readAll(after, query.limit ?? 100, { visibleTo: deskScopeOf(principal) });
    const items = events.map((event) => ({
      checkpoint: formatCheckpoint(event),
      streamId: event.streamId,
      version: event.streamVersion,
      type: event.type,
      at: event.recordedAt.toISOString(),
      actor: typeof event.metadata.actor === 'string' ? event.metadata.actor : null,
      data: shownData(event.data),
    }));
    return { items, nextCheckpoint: items.length > 0 ? items[items.length - 1].checkpoint : formatCheckpoint(after) };
  }
}
