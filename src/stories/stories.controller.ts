import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, DeskScoped, RequireRole } from '../auth/roles';
import { deskForNew, deskScopeOf } from '../common/access';
import type { CommandContext } from '../common/decider';
import { DomainError } from '../common/domain-error';
import { IfMatch, setVersionHeaders } from '../common/http';
import type { Page } from '../common/paging';
import { ClaimSummariesQuery } from '../common/queries';
import { ReadAtQuery, readAtOf } from '../common/read-at';
import type { Principal } from '../common/request-context';
import type { HandledCommand } from '../event-store/command-runner';
import { ChangeStoryCommand, OpenStoryCommand, type StoryChange } from './commands/story.commands';
import { ArchiveStoryDto, DiffQuery, ListStoriesQuery, OpenStoryDto, ReviseStoryDto } from './dto/story.dto';
import { diffRevisions, type RevisionDiff } from './read-models/story-revisions';
import { toStoryView, type StoryView, type StoryWithClaims } from './read-models/story.view';
import { StoryViews, type FoundStory } from './read-models/story-views';
import type { Revision } from './story.decider';

const notFound = (id: string) => new DomainError('STORY.NOT_FOUND', 'not_found', `No story ${id}.`);
const uuid = new ParseUUIDPipe({ exceptionFactory: () => new DomainError('STORY.NOT_FOUND', 'not_found', 'No such story.') });
const SEE = DeskScoped({ kind: 'story', on: { param: 'id' }, access: 'see' });
const CHANGE = DeskScoped({ kind: 'story', on: { param: 'id' }, access: 'change' });
const contextOf = (principal: Principal): CommandContext => ({ actor: principal.actor, role: principal.role, now: new Date().toISOString() });

@ApiTags('stories')
@ApiBearerAuth()
@Controller('api/stories')
export class StoriesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly views: StoryViews,
  ) {}

  @Post()
  @RequireRole('editor')
  @DeskScoped({ kind: 'desk', on: { body: 'desk' } })
  async open(@Body() body: OpenStoryDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<StoryWithClaims> {
    const input = { ...body, desk: deskForNew(principal, body.desk) };
    const story = await this.respond(res, await this.commands.execute(new OpenStoryCommand(input, contextOf(principal))));
    res.header('Location', `/api/stories/${story.id}`);
    return story;
  }

  @Get()
  async list(@Query() query: ListStoriesQuery, @CurrentPrincipal() principal: Principal): Promise<Page<StoryView>> {
    const page = await this.views.list(query, deskScopeOf(principal));
    return { items: page.items.map((s) => toStoryView(s.state, s.version)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @SEE
  async get(@Param('id', uuid) id: string, @Query() query: ReadAtQuery, @Res({ passthrough: true }) res: FastifyReply): Promise<StoryWithClaims> {
    const at = readAtOf(query);
    const story = at ? await this.views.findAt(id, at) : await this.views.find(id);
    if (!story) throw notFound(id);
    setVersionHeaders(res, story.version);
    return this.withClaims(story, at?.asOf ?? (at ? new Date(story.state.story.updatedAt) : undefined));
  }

  @Get(':id/revisions')
  @SEE
  async revisions(@Param('id', uuid) id: string, @Res({ passthrough: true }) res: FastifyReply): Promise<Revision[]> {
    const story = await this.found(id);
    setVersionHeaders(res, story.version);
    return story.state.story.revisions;
  }

  @Get(':id/diff')
  @SEE
  async diff(@Param('id', uuid) id: string, @Query() query: DiffQuery, @Res({ passthrough: true }) res: FastifyReply): Promise<RevisionDiff> {
    const story = await this.found(id);
    const diff = diffRevisions(story.state.story.revisions, query.from, query.to);
    setVersionHeaders(res, story.version);
    return diff;
  }

  @Post(':id/revisions')
  @RequireRole('editor')
  @CHANGE
  revise(@Param('id', uuid) id: string, @Body() body: ReviseStoryDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    const data = { headline: body.headline ?? null, body: body.body, kind: body.kind, note: body.note };
    return this.change(id, { type: 'ReviseStory', data }, ifMatch, p, res);
  }

  @Post(':id/archival')
  @RequireRole('reviewer')
  @CHANGE
  archive(@Param('id', uuid) id: string, @Body() body: ArchiveStoryDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    return this.change(id, { type: 'ArchiveStory', data: { reason: body.reason } }, ifMatch, p, res);
  }

  private async found(id: string): Promise<FoundStory> {
    const story = await this.views.find(id);
    if (!story) throw notFound(id);
    return story;
  }

  private async change(id: string, change: StoryChange, ifMatch: number, principal: Principal, res: FastifyReply): Promise<StoryWithClaims> {
    return this.respond(res, await this.commands.execute(new ChangeStoryCommand(id, change, ifMatch, contextOf(principal))));
  }

  private async respond(res: FastifyReply, handled: HandledCommand): Promise<StoryWithClaims> {
    const id = handled.streamId.slice('story-'.length);
    const story = await this.views.findAtVersion(id, handled.version);
    if (!story) throw notFound(id);
    setVersionHeaders(res, story.version, handled.checkpoint);
    return this.withClaims(story);
  }

  private async withClaims(story: FoundStory, asOf?: Date): Promise<StoryWithClaims> {
    const claims = await this.queries.execute(new ClaimSummariesQuery(story.state.story.id, asOf));
    return { ...toStoryView(story.state, story.version), claims };
  }
}
