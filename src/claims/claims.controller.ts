import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, DeskScoped, RequireRole } from '../auth/roles';
import { deskScopeOf } from '../common/access';
import type { CommandContext } from '../common/decider';
import { DomainError } from '../common/domain-error';
import { IfMatch, setVersionHeaders } from '../common/http';
import type { Page } from '../common/paging';
import { SourceFactsQuery, StreamHistoryQuery } from '../common/queries';
import { ReadAtQuery, readAtOf } from '../common/read-at';
import type { Principal } from '../common/request-context';
import { parseCheckpoint } from '../event-store/checkpoint';
import { ProjectionStatus } from '../projections/projection-status';
import { ChangeClaimCommand, claimStream, type ClaimChange, type HandledClaimCommand, RecordClaimCommand } from './commands/claim.commands';
import { CitationDto, ListClaimsQuery, ReasonDto, RecordClaimDto, RelationDto, ResolutionDto, RewordingDto, VerdictDto } from './dto/claim.dto';
import { relatedClaimNotFound } from './claim.errors';
import { citedSources, describeHistory, relatedClaims, type ClaimHistoryEntry } from './read-models/claim-history';
import { toClaimReview, type ClaimReview } from './read-models/claim-review';
import { toClaimView, type ClaimView } from './read-models/claim.view';
import { ClaimViews } from './read-models/claim-views';

const notFound = (id: string) => new DomainError('CLAIM.NOT_FOUND', 'not_found', `No claim ${id}.`);

const contextOf = (principal: Principal): CommandContext => ({ actor: principal.actor, role: principal.role, now: new Date().toISOString() });

const SEE = DeskScoped({ kind: 'claim', on: { param: 'id' }, access: 'see' });
const CHANGE = DeskScoped({ kind: 'claim', on: { param: 'id' }, access: 'change' });

const uuid = new ParseUUIDPipe({ version: '4', exceptionFactory: () => new DomainError('CLAIM.NOT_FOUND', 'not_found', 'No such claim.') });

@ApiTags('claims')
@ApiBearerAuth()
@Controller('api/claims')
export class ClaimsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly views: ClaimViews,
    private readonly status: ProjectionStatus,
  ) {}

  @Post()
  @RequireRole('editor')
  @DeskScoped({ kind: 'story', on: { body: 'storyId' }, access: 'change' })
  async record(@Body() body: RecordClaimDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) res: FastifyReply): Promise<ClaimView> {
    const handled = await this.commands.execute(new RecordClaimCommand(body, contextOf(principal)));
    const view = await this.respond(res, handled);
    res.header('Location', `/api/claims/${view.id}`);
    return view;
  }

  @Get()
  async list(@Query() query: ListClaimsQuery, @CurrentPrincipal() principal: Principal): Promise<Page<ClaimView>> {
    if (query.q !== undefined && query.minCheckpoint) await this.status.waitFor('claim_search', parseCheckpoint(query.minCheckpoint));
    return this.views.list(query, deskScopeOf(principal));
  }

  @Get(':id')
  @DeskScoped({ kind: 'claim', on: { param: 'id' }, access: 'see', checkedByRead: true })
  async get(
    @Param('id', uuid) id: string,
    @Query() query: ReadAtQuery,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ClaimView> {
    const at = readAtOf(query);
    const current = await this.views.findVisible(id, deskScopeOf(principal));
    const view = at && current ? await this.views.findAt(id, at) : current;
    if (!view) throw notFound(id);
    setVersionHeaders(res, view.version);
    return view;
  }

  @Get(':id/history')
  @SEE
  async history(@Param('id', uuid) id: string, @Res({ passthrough: true }) res: FastifyReply): Promise<ClaimHistoryEntry[]> {
    const entries = await this.queries.execute(new StreamHistoryQuery(claimStream(id)));
    if (entries.length === 0) throw notFound(id);
    setVersionHeaders(res, entries[entries.length - 1].version);
    const [sources, claims] = await Promise.all([
      this.queries.execute(new SourceFactsQuery(citedSources(entries))),
      Promise.all(relatedClaims(entries).map((claimId) => this.views.find(claimId))),
    ]);
    const statements = new Map(claims.filter((c): c is ClaimView => c !== null).map((c) => [c.id, c.statement]));
    return describeHistory(entries, { source: (sourceId) => sources[sourceId]?.descriptor, claim: (claimId) => statements.get(claimId) });
  }

  @Get(':id/claimreview')
  @SEE
  async claimReview(@Param('id', uuid) id: string, @Res({ passthrough: true }) res: FastifyReply): Promise<ClaimReview> {
    const view = await this.views.find(id);
    if (!view) throw notFound(id);
    const review = toClaimReview(view);
    setVersionHeaders(res, view.version);
    return review;
  }

  @Post(':id/citations')
  @CHANGE
  @RequireRole('editor')
  cite(@Param('id', uuid) id: string, @Body() body: CitationDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    return this.change(id, { type: 'CiteSource', data: body }, ifMatch, p, res);
  }

  @Delete(':id/citations/:citationId')
  @CHANGE
  @HttpCode(200)
  @RequireRole('editor')
  uncite(
    @Param('id', uuid) id: string,
    @Param('citationId', new ParseUUIDPipe({ exceptionFactory: () => new DomainError('CITATION.NOT_FOUND', 'not_found', 'No such citation.') })) citationId: string,
    @Body() body: ReasonDto,
    @IfMatch() ifMatch: number,
    @CurrentPrincipal() p: Principal,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.change(id, { type: 'WithdrawCitation', data: { citationId, reason: body.reason } }, ifMatch, p, res);
  }

  @Post(':id/verdicts')
  @CHANGE
  @RequireRole('editor')
  verdict(@Param('id', uuid) id: string, @Body() body: VerdictDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    const data = { verdict: body.verdict, reason: body.reason, override: body.override ?? false };
    return this.change(id, { type: 'ChangeVerdict', data }, ifMatch, p, res);
  }

  @Post(':id/rewordings')
  @CHANGE
  @RequireRole('editor')
  reword(@Param('id', uuid) id: string, @Body() body: RewordingDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    return this.change(id, { type: 'RewordClaim', data: { statement: body.statement, reason: body.reason } }, ifMatch, p, res);
  }

  @Post(':id/resolution')
  @CHANGE
  @RequireRole('editor')
  resolve(@Param('id', uuid) id: string, @Body() body: ResolutionDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    return this.change(id, { type: 'ResolveForecast', data: { outcome: body.outcome, reason: body.reason } }, ifMatch, p, res);
  }

  @Post(':id/relations')
  @DeskScoped({ kind: 'claim', on: { param: 'id' }, access: 'change' }, { kind: 'claim', on: { body: 'claimId' }, access: 'see', notFound: relatedClaimNotFound })
  @RequireRole('editor')
  relate(@Param('id', uuid) id: string, @Body() body: RelationDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    return this.change(id, { type: 'RelateClaim', data: { relation: body.relation, claimId: body.claimId } }, ifMatch, p, res);
  }

  @Post(':id/withdrawal')
  @CHANGE
  @RequireRole('reviewer')
  withdraw(@Param('id', uuid) id: string, @Body() body: ReasonDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    return this.change(id, { type: 'WithdrawClaim', data: { reason: body.reason } }, ifMatch, p, res);
  }

  @Post(':id/reinstatement')
  @CHANGE
  @RequireRole('reviewer')
  reinstate(@Param('id', uuid) id: string, @Body() body: ReasonDto, @IfMatch() ifMatch: number, @CurrentPrincipal() p: Principal, @Res({ passthrough: true }) res: FastifyReply) {
    return this.change(id, { type: 'ReinstateClaim', data: { reason: body.reason } }, ifMatch, p, res);
  }

  private async change(id: string, change: ClaimChange, ifMatch: number, principal: Principal, res: FastifyReply): Promise<ClaimView> {
    return this.respond(res, await this.commands.execute(new ChangeClaimCommand(id, change, ifMatch, contextOf(principal))));
  }

  /**
   * The response is the claim at the version the command produced: the state it folded, or read at
   * that version when the request was a replay, so a replayed request answers the same.
   */
  private async respond(res: FastifyReply, handled: HandledClaimCommand): Promise<ClaimView> {
    const id = handled.streamId.slice('claim-'.length);
    const decided = handled.state && handled.state.status !== 'absent' ? toClaimView(handled.state, handled.version) : null;
    const view = decided ?? (await this.views.findAtVersion(id, handled.version));
    if (!view) throw notFound(id);
    setVersionHeaders(res, view.version, handled.checkpoint);
    return view;
  }
}
