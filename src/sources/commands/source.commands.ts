import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { fold, type CommandContext } from '../../common/decider';
import { requestContext } from '../../common/request-context';
import { formatCheckpoint } from '../../event-store/checkpoint';
import { CommandRunner, type HandledCommand, toDomainEvent } from '../../event-store/command-runner';
import { EventStore } from '../../event-store/event-store';
import type { GradeDto, RegisterSourceDto } from '../dto/source.dto';
import { ConfidentialIdentities } from '../confidential-identities';
import { decideIdentityRead, sourceDecider, type SourceEvent } from '../source.decider';
import { sourceErrors } from '../source.errors';

export const sourceStream = (sourceId: string): string => `source-${sourceId}`;

export class RegisterSourceCommand extends Command<HandledCommand> {
  constructor(
    readonly input: RegisterSourceDto & { readonly desk: string },
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RegisterSourceCommand)
export class RegisterSourceHandler implements ICommandHandler<RegisterSourceCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly identities: ConfidentialIdentities,
  ) {}

  async execute({ input, context }: RegisterSourceCommand): Promise<HandledCommand> {
    const sourceId = randomUUID();
    // Checked before sealing so that a refused request leaves no key behind; the decider holds the rule too.
    if (input.confidentialIdentity !== undefined && !input.anonymous) throw sourceErrors.identityNeedsAnonymous();
    const sealedIdentity = input.confidentialIdentity === undefined ? null : await this.identities.seal(sourceId, input.confidentialIdentity);
    return this.runner.handle(sourceDecider, sourceStream(sourceId), {
      type: 'RegisterSource',
      data: {
        sourceId,
        kind: input.kind,
        descriptor: input.descriptor,
        name: input.name ?? null,
        anonymous: input.anonymous,
        affiliation: input.affiliation ?? null,
        reliability: input.reliability,
        rationale: input.rationale,
        desk: input.desk,
        sealedIdentity,
      },
      context,
    });
  }
}

export class RegradeSourceCommand extends Command<HandledCommand> {
  constructor(
    readonly sourceId: string,
    readonly input: GradeDto,
    readonly ifMatch: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RegradeSourceCommand)
export class RegradeSourceHandler implements ICommandHandler<RegradeSourceCommand> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ sourceId, input, ifMatch, context }: RegradeSourceCommand): Promise<HandledCommand> {
    const data = { reliability: input.reliability, rationale: input.rationale };
    return this.runner.handle(sourceDecider, sourceStream(sourceId), { type: 'RegradeSource', data, context }, ifMatch);
  }
}

export class ShredIdentityCommand extends Command<HandledCommand> {
  constructor(
    readonly sourceId: string,
    readonly reason: string,
    readonly ifMatch: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The event and the key's destruction commit together: a shredded source never keeps a usable key. */
@CommandHandler(ShredIdentityCommand)
export class ShredIdentityHandler implements ICommandHandler<ShredIdentityCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly identities: ConfidentialIdentities,
  ) {}

  execute({ sourceId, reason, ifMatch, context }: ShredIdentityCommand): Promise<HandledCommand> {
    return this.runner.handle(sourceDecider, sourceStream(sourceId), { type: 'ShredIdentity', data: { reason }, context }, ifMatch, {
      inTransaction: (tx) => this.identities.destroy(tx, sourceId),
    });
  }
}

/** Who read a confidential identity, one stream per source; only admins see these streams (stream_visible). */
export const identityReadsStream = (sourceId: string): string => `identity-reads-${sourceId}`;

export interface OpenedIdentity {
  readonly sourceId: string;
  readonly identity: string;
  /** Checkpoint of the audit event recording this read. */
  readonly checkpoint: string;
}

export class ReadIdentityCommand extends Command<OpenedIdentity> {
  constructor(
    readonly sourceId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Reading an identity is itself recorded, before the identity is opened: no record, no identity. */
@CommandHandler(ReadIdentityCommand)
export class ReadIdentityHandler implements ICommandHandler<ReadIdentityCommand> {
  constructor(
    private readonly store: EventStore,
    private readonly identities: ConfidentialIdentities,
  ) {}

  async execute({ sourceId, context }: ReadIdentityCommand): Promise<OpenedIdentity> {
    const state = fold(sourceDecider, (await this.store.loadStream(sourceStream(sourceId))).map(toDomainEvent) as SourceEvent[]);
    decideIdentityRead(state, context);
    if (state.status === 'absent' || !state.source.sealedIdentity) throw sourceErrors.noIdentity();
    const requestId = requestContext.current()?.requestId;
    const recorded = await this.store.append(identityReadsStream(sourceId), 'any', [
      {
        type: 'ConfidentialIdentityRead',
        data: { sourceId, at: context.now, by: context.actor },
        metadata: { actor: context.actor, role: context.role, requestId, correlationId: requestId, command: 'ReadIdentity' },
      },
    ]);
    const identity = await this.identities.open(sourceId, state.source.sealedIdentity);
    // The key was shredded between the fold and now: the read is on record, the identity is gone.
    if (identity === null) throw sourceErrors.alreadyShredded(context.now);
    return { sourceId, identity, checkpoint: formatCheckpoint(recorded.events[recorded.events.length - 1]) };
  }
}
