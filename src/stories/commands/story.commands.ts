import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../common/decider';
import { DomainError } from '../../common/domain-error';
import { CommandRunner, type HandledCommand } from '../../event-store/command-runner';
import { storyDecider, type StoryCommand } from '../story.decider';
import type { OpenStoryDto } from '../dto/story.dto';
import { StoryViews } from '../read-models/story-views';

export const storyStream = (storyId: string): string => `story-${storyId}`;

export class OpenStoryCommand extends Command<HandledCommand> {
  constructor(
    readonly input: OpenStoryDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(OpenStoryCommand)
export class OpenStoryHandler implements ICommandHandler<OpenStoryCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly views: StoryViews,
  ) {}

  async execute({ input, context }: OpenStoryCommand): Promise<HandledCommand> {
    const replay = this.runner.replayed();
    if (replay) return replay;
    // The unique index is the guarantee; this check only gives the common case a clear answer.
    if (await this.views.slugTaken(input.slug)) {
      throw new DomainError('STORY.SLUG_TAKEN', 'conflict', `Another story already uses the slug "${input.slug}".`);
    }
    const storyId = randomUUID();
    return this.runner.handle(storyDecider, storyStream(storyId), {
      type: 'OpenStory',
      data: {
        storyId,
        slug: input.slug,
        headline: input.headline,
        body: input.body,
        url: input.url ?? null,
        desk: input.desk ?? null,
        publishedAt: input.publishedAt ?? null,
      },
      context,
    });
  }
}

export type StoryChange = Omit<Exclude<StoryCommand, { type: 'OpenStory' }>, 'context'>;

export class ChangeStoryCommand extends Command<HandledCommand> {
  constructor(
    readonly storyId: string,
    readonly change: StoryChange,
    readonly ifMatch: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ChangeStoryCommand)
export class ChangeStoryHandler implements ICommandHandler<ChangeStoryCommand> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ storyId, change, ifMatch, context }: ChangeStoryCommand): Promise<HandledCommand> {
    return this.runner.handle(storyDecider, storyStream(storyId), { ...change, context } as StoryCommand, ifMatch);
  }
}
