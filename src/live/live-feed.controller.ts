import { type BeforeApplicationShutdown, Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/roles';
import { deskScopeOf, shownData } from '../common/access';
import { ClaimSummariesQuery } from '../common/queries';
import type { Principal } from '../common/request-context';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from '../event-store/checkpoint';
import { EventStore } from '../event-store/event-store';
import type { StoredEvent } from '../event-store/event-store.types';
import { CommitNotifier } from '../event-store/notifier';

export class LiveFeedQuery {
  @ApiPropertyOptional({ example: 'claim-3f1c…' }) @IsOptional() @IsString() @MaxLength(200) streamId?: string;
  @ApiPropertyOptional({ description: 'Event types, comma-separated', example: 'VerdictChanged,CitationAdded' })
  @IsOptional()
  @Matches(/^[A-Za-z]+(,[A-Za-z]+)*$/)
  @MaxLength(500)
  type?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The story and every claim on it' }) @IsOptional() @IsUUID() storyId?: string;
  @ApiPropertyOptional({ description: 'Resume after this checkpoint (same as the Last-Event-ID header)' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  after?: string;
}

const BATCH = 500;
const HEARTBEAT_MS = 15_000;
/** A client that lets this much pile up unread is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1 << 20;

/** Server-Sent Events of the global order. Any API process serves them: every process reads the database. */
@ApiTags('events')
@ApiBearerAuth()
@Controller('api/events/stream')
export class LiveFeedController implements BeforeApplicationShutdown {
  private readonly open = new Set<ServerResponse>();

  constructor(
    private readonly store: EventStore,
    private readonly notifier: CommitNotifier,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  async stream(
    @Query() query: LiveFeedQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const visibleTo = deskScopeOf(principal);
    let checkpoint: Checkpoint = parseCheckpoint(lastEventId ?? query.after);
    const matches = await this.filter(query);
    // The stream is written to the socket directly; Fastify leaves this response alone from here on.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.open.add(res);
    let closed = false;
    const close = () => {
      closed = true;
      this.open.delete(res);
    };
    request.raw.on('close', close);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    try {
      while (!closed) {
        const events = await this.store.readAll(checkpoint, BATCH, { visibleTo });
        for (const event of events) {
          checkpoint = event;
          if (matches(event)) res.write(this.format(event));
        }
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          res.end('event: overflow\ndata: {"detail":"This client fell too far behind; reconnect with Last-Event-ID."}\n\n');
          break;
        }
        if (events.length < BATCH) await this.notifier.wait(1000);
      }
    } finally {
      clearInterval(heartbeat);
      close();
      if (!res.writableEnded) res.end();
    }
  }

  beforeApplicationShutdown(): void {
    for (const res of this.open) res.end();
  }

  private format(event: StoredEvent): string {
    const item = {
      checkpoint: formatCheckpoint(event),
      streamId: event.streamId,
      version: event.streamVersion,
      type: event.type,
      at: event.recordedAt.toISOString(),
      actor: typeof event.metadata.actor === 'string' ? event.metadata.actor : null,
      data: shownData(event.data),
    };
    return `id: ${item.checkpoint}\nevent: ${event.type}\ndata: ${JSON.stringify(item)}\n\n`;
  }

  private async filter(query: LiveFeedQuery): Promise<(event: StoredEvent) => boolean> {
    const types = query.type ? new Set(query.type.split(',')) : null;
    let storyStreams: Set<string> | null = null;
    if (query.storyId) {
      const claims = await this.queries.execute(new ClaimSummariesQuery(query.storyId));
      storyStreams = new Set([`story-${query.storyId}`, ...claims.map((claim) => `claim-${claim.id}`)]);
    }
    return (event) => {
      if (storyStreams && event.type === 'ClaimRecorded' && event.data.storyId === query.storyId) storyStreams.add(event.streamId);
      return (
        (!query.streamId || event.streamId === query.streamId) &&
        (!types || types.has(event.type)) &&
        (!storyStreams || storyStreams.has(event.streamId))
      );
    };
  }
}
