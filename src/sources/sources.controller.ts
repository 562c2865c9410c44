import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RequireRole } from '../auth/roles';
import type { CommandContext } from '../common/decider';
import { DomainError } from '../common/domain-error';
import { IfMatch, setVersionHeaders } from '../common/http';
import type { Page } from '../common/paging';
import { ReadAtQuery, readAtOf } from '../common/read-at';
import type { Principal } from '../common/request-context';
import type { HandledCommand } from '../event-store/command-runner';
import { RegisterSourceCommand, RegradeSourceCommand } from './commands/source.commands';
import { GradeDto, ListSourcesQuery, RegisterSourceDto } from './dto/source.dto';
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
  async register(@Body() body: RegisterSourceDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: Response): Promise<SourceView> {
    const source = await this.respond(res, await this.commands.execute(new RegisterSourceCommand(body, contextOf(principal))));
    res.setHeader('Location', `/api/sources/${source.id}`);
    return source;
  }

  @Get()
  list(@Query() query: ListSourcesQuery): Promise<Page<SourceView>> {
    return this.views.list(query);
  }

  @Get(':id')
  async get(@Param('id', uuid) id: string, @Query() query: ReadAtQuery, @Res({ passthrough: true }) res: Response): Promise<SourceView> {
    const at = readAtOf(query);
    const source = at ? await this.views.findAt(id, at) : await this.views.find(id);
    if (!source) throw notFound(id);
    setVersionHeaders(res, source.version);
    return source;
  }

  @Post(':id/grades')
  @RequireRole('reviewer')
  async regrade(@Param('id', uuid) id: string, @Body() body: GradeDto, @IfMatch() ifMatch: number, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: Response): Promise<SourceView> {
    return this.respond(res, await this.commands.execute(new RegradeSourceCommand(id, body, ifMatch, contextOf(principal))));
  }

  private async respond(res: Response, handled: HandledCommand): Promise<SourceView> {
    const id = handled.streamId.slice('source-'.length);
    const source = await this.views.findAtVersion(id, handled.version);
    if (!source) throw notFound(id);
    setVersionHeaders(res, source.version, handled.checkpoint);
    return source;
  }
}
