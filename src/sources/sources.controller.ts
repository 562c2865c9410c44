import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, DeskScoped, RequireRole } from '../auth/roles';
import { deskForNew } from '../common/access';
import type { CommandContext } from '../common/decider';
import { DomainError } from '../common/domain-error';
import { IfMatch, setVersionHeaders } from '../common/http';
import type { Page } from '../common/paging';
import { ReadAtQuery, readAtOf } from '../common/read-at';
import type { Principal } from '../common/request-context';
import type { HandledCommand } from '../event-store/command-runner';
import { type OpenedIdentity, ReadIdentityCommand, RegisterSourceCommand, RegradeSourceCommand, ShredIdentityCommand } from './commands/source.commands';
import { GradeDto, ListSourcesQuery, RegisterSourceDto, ShredDto } from './dto/source.dto';
import { SourceViews, type SourceView } from './read-models/source-views';

const notFound = (id: string) => new DomainError('SOURCE.NOT_FOUND', 'not_found', `No source ${id}.`);
const uuid = new ParseUUIDPipe({ exceptionFactory: () => new DomainError('SOURCE.NOT_FOUND', 'not_found', 'No such source.') });
const contextOf = (principal: Principal): CommandContext => ({ actor: principal.actor, role: principal.role, now: new Date().toISOString() });

@ApiTags('sources')
@ApiBearerAuth()
@Controller('api/sources')
export class SourcesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly views: SourceViews,
  ) {}

  @Post()
  @RequireRole('editor')
  @DeskScoped({ kind: 'desk', on: { body: 'desk' } })
  async register(@Body() body: RegisterSourceDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<SourceView> {
    const input = { ...body, desk: deskForNew(principal, body.desk) };
    const source = await this.respond(res, await this.commands.execute(new RegisterSourceCommand(input, contextOf(principal))));
    res.header('Location', `/api/sources/${source.id}`);
    return source;
  }

  @Get()
  list(@Query() query: ListSourcesQuery): Promise<Page<SourceView>> {
    return this.views.list(query);
  }

  @Get(':id')
  @DeskScoped({ kind: 'source', on: { param: 'id' }, access: 'see' })
  async get(@Param('id', uuid) id: string, @Query() query: ReadAtQuery, @Res({ passthrough: true }) res: FastifyReply): Promise<SourceView> {
    const at = readAtOf(query);
    const source = at ? await this.views.findAt(id, at) : await this.views.find(id);
    if (!source) throw notFound(id);
    setVersionHeaders(res, source.version);
    return source;
  }

  @Post(':id/grades')
  @RequireRole('reviewer')
  @DeskScoped({ kind: 'source', on: { param: 'id' }, access: 'change' })
  async regrade(@Param('id', uuid) id: string, @Body() body: GradeDto, @IfMatch() ifMatch: number, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<SourceView> {
    return this.respond(res, await this.commands.execute(new RegradeSourceCommand(id, body, ifMatch, contextOf(principal))));
  }

  /** The confidential identity, for reviewers of the owning desk only; every read is recorded first (ConfidentialIdentityRead). */
  @Get(':id/identity')
  @RequireRole('reviewer')
  @DeskScoped({ kind: 'source', on: { param: 'id' }, access: 'confide' })
  async identity(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<Omit<OpenedIdentity, 'checkpoint'>> {
    const opened = await this.commands.execute(new ReadIdentityCommand(id, contextOf(principal)));
    res.header('Cache-Control', 'no-store');
    res.header('X-Checkpoint', opened.checkpoint);
    return { sourceId: opened.sourceId, identity: opened.identity };
  }

  /** Destroys the identity's key (admin, with a reason): unrecoverable everywhere; the log and its hash chain stay intact. */
  @Post(':id/shred')
  @RequireRole('admin')
  @DeskScoped({ kind: 'source', on: { param: 'id' }, access: 'change' })
  async shred(@Param('id', uuid) id: string, @Body() body: ShredDto, @IfMatch() ifMatch: number, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<SourceView> {
    return this.respond(res, await this.commands.execute(new ShredIdentityCommand(id, body.reason, ifMatch, contextOf(principal))));
  }

  private async respond(res: FastifyReply, handled: HandledCommand): Promise<SourceView> {
    const id = handled.streamId.slice('source-'.length);
    const source = await this.views.findAtVersion(id, handled.version);
    if (!source) throw notFound(id);
    setVersionHeaders(res, source.version, handled.checkpoint);
    return source;
  }
}
