import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler, QueryBus } from '@nestjs/cqrs';
import type { CommandContext } from '../../common/decider';
import { DomainError } from '../../common/domain-error';
import { SourceFactsQuery, StoryFactsQuery } from '../../common/queries';
import { CommandRunner, type HandledCommand } from '../../event-store/command-runner';
import { claimDecider, type ClaimCommand, type ClaimState, type NewCitation } from '../claim.decider';
import type { CitationDto, RecordClaimDto } from '../dto/claim.dto';
import { ClaimViews } from '../read-models/claim-views';

export const claimStream = (claimId: string): string => `claim-${claimId}`;

/** A handled command and, when this request decided it, the claim as its events left it (null on a replay). */
export interface HandledClaimCommand extends HandledCommand {
  readonly state: ClaimState | null;
}

/**
 * The claim decider, unchanged, plus a record of the state its decision leads to: folded from the
 * state the runner loaded and the events decided on it, as the inline claim view folds them, so the
 * response needs no read of the view it just wrote. Trusted only when the append landed exactly
 * `decided` versions after `loaded`.
 */
const decidingOnce = () => {
  let decided: { readonly state: ClaimState; readonly events: number } | null = null;
  const decider: typeof claimDecider = {
    ...claimDecider,
    decide: (command, state) => {
      const events = claimDecider.decide(command, state);
      decided = { state: events.reduce((folded, event) => claimDecider.evolve(folded, event), state), events: events.length };
      return events;
    },
  };
  const after = (handled: HandledCommand, loaded: number): HandledClaimCommand => ({
    ...handled,
    state: decided && !handled.replayed && handled.version === loaded + decided.events ? decided.state : null,
  });
  return { decider, after };
};

const toCitationInput = (dto: CitationDto): Omit<NewCitation, 'source'> => ({
  citationId: randomUUID(),
  sourceId: dto.sourceId,
  role: dto.role,
  stance: dto.stance,
  credibility: dto.credibility,
  access: dto.access,
  quote: dto.quote ?? null,
  url: dto.url ?? null,
  publishedAt: dto.publishedAt ?? null,
  retrievedAt: dto.retrievedAt ?? null,
  relayOf: dto.relayOf ?? null,
});

export class RecordClaimCommand extends Command<HandledClaimCommand> {
  constructor(
    readonly input: RecordClaimDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RecordClaimCommand)
export class RecordClaimHandler implements ICommandHandler<RecordClaimCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly queries: QueryBus,
  ) {}

  async execute({ input, context }: RecordClaimCommand): Promise<HandledClaimCommand> {
    const replay = this.runner.replayed();
    if (replay) return { ...replay, state: null };
    const story = await this.queries.execute(new StoryFactsQuery(input.storyId));
    if (!story.exists) throw new DomainError('STORY.NOT_FOUND', 'not_found', `No story ${input.storyId}.`);
    if (story.archived) throw new DomainError('STORY.ARCHIVED', 'conflict', 'This story is archived; claims can no longer be added to it.');
    const citations = (input.citations ?? []).map(toCitationInput);
    const sources = await this.queries.execute(new SourceFactsQuery(citations.map((c) => c.sourceId)));
    const claimId = randomUUID();
    const { decider, after } = decidingOnce();
    const handled = await this.runner.handle(decider, claimStream(claimId), {
      type: 'RecordClaim',
      data: {
        claimId,
        storyId: input.storyId,
        statement: input.statement,
        kind: input.kind,
        topics: input.topics,
        actors: input.actors,
        occurredAt: input.occurredAt ?? null,
        dueAt: input.dueAt ?? null,
        citations: citations.map((c) => ({ ...c, source: sources[c.sourceId] ?? null })),
      },
      context,
    });
    return after(handled, 0);
  }
}

/** Every change to an existing claim, before the handler adds the facts other aggregates hold. */
export type ClaimChange =
  | { type: 'CiteSource'; data: CitationDto }
  | { type: 'WithdrawCitation'; data: { citationId: string; reason: string } }
  | { type: 'ChangeVerdict'; data: { verdict: Extract<ClaimCommand, { type: 'ChangeVerdict' }>['data']['verdict']; reason: string; override: boolean } }
  | { type: 'RewordClaim'; data: { statement: string; reason: string } }
  | { type: 'ResolveForecast'; data: Extract<ClaimCommand, { type: 'ResolveForecast' }>['data'] }
  | { type: 'RelateClaim'; data: Omit<Extract<ClaimCommand, { type: 'RelateClaim' }>['data'], 'target'> }
  | { type: 'WithdrawClaim'; data: { reason: string } }
  | { type: 'ReinstateClaim'; data: { reason: string } };

export class ChangeClaimCommand extends Command<HandledClaimCommand> {
  constructor(
    readonly claimId: string,
    readonly change: ClaimChange,
    readonly ifMatch: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ChangeClaimCommand)
export class ChangeClaimHandler implements ICommandHandler<ChangeClaimCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly queries: QueryBus,
    private readonly views: ClaimViews,
  ) {}

  async execute({ claimId, change, ifMatch, context }: ChangeClaimCommand): Promise<HandledClaimCommand> {
    const { decider, after } = decidingOnce();
    // A verdict is judged on the sources the claim cites: read once the runner has folded the claim.
    const complete = change.type === 'ChangeVerdict' ? { complete: (command: ClaimCommand, state: ClaimState) => this.withCitedSources(command, state) } : {};
    return after(await this.runner.handle(decider, claimStream(claimId), await this.withFacts(claimId, change, context), ifMatch, complete), ifMatch);
  }

  private async withCitedSources(command: ClaimCommand, state: ClaimState): Promise<ClaimCommand> {
    if (command.type !== 'ChangeVerdict' || state.status === 'absent') return command;
    // The origins of relays count too: a chain is judged by the source it goes back to.
    const cited = state.claim.citations.flatMap((c) => (c.relayOf ? [c.sourceId, c.relayOf] : [c.sourceId]));
    const sources = await this.queries.execute(new SourceFactsQuery(cited));
    return { ...command, data: { ...command.data, sources } };
  }

  private async withFacts(claimId: string, change: ClaimChange, context: CommandContext): Promise<ClaimCommand> {
    switch (change.type) {
      case 'CiteSource': {
        const citation = toCitationInput(change.data);
        const sources = await this.queries.execute(new SourceFactsQuery([citation.sourceId]));
        return { type: 'CiteSource', data: { ...citation, source: sources[citation.sourceId] ?? null }, context };
      }
      case 'ChangeVerdict':
        // The sources are added by withCitedSources once the claim is loaded.
        return { type: 'ChangeVerdict', data: { ...change.data, sources: {} }, context };
      case 'RelateClaim': {
        const exists = change.data.claimId !== claimId ? (await this.views.find(change.data.claimId)) !== null : true;
        return { type: 'RelateClaim', data: { ...change.data, target: { exists } }, context };
      }
      default:
        return { ...change, context };
    }
  }
}
