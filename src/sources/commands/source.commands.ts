import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../common/decider';
import { CommandRunner, type HandledCommand } from '../../event-store/command-runner';
import type { GradeDto, RegisterSourceDto } from '../dto/source.dto';
import { ConfidentialIdentities } from '../confidential-identities';
import { sourceDecider } from '../source.decider';
import { sourceErrors } from '../source.errors';

export const sourceStream = (sourceId: string): string => `source-${sourceId}`;

export class RegisterSourceCommand extends Command<HandledCommand> {
  constructor(
    readonly input: RegisterSourceDto,
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
